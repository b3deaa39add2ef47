// The mapper counts packed sub-byte elements: an int4 weight is half a byte an element (the issue's
// defect: it cost one), int2 a quarter, fp6 three quarters.
import { expect, it } from 'vitest';
import { einsumWorkload } from '../../compiler/map';
import { parseCascade } from '../../compiler/lang';

it('bytes per element of a GEMM operand follow the packed width', () => {
  for (const [dt, bytes] of [['int4', 0.5], ['int2', 0.25], ['fp6e2m3', 0.75], ['int8', 1], ['fp16', 2]] as const) {
    const r = parseCascade(`rank M = 4, N = 4, K = 8\ninput X[M, K]: fp16\nweight W[K, N]: ${dt}\nWF[k, n]: fp16 = W[k, n]\nY[m, n] = X[m, k] * WF[k, n]\noutput Y`, 't.ein');
    const w = einsumWorkload(r.cascade!, 0);
    expect(w.tensors.find((t) => t.name === 'W')!.bytesPerElement).toBe(bytes);
  }
});
