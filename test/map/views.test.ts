// A view einsum (BK[e, m1, m0] = K[e, m1*M0+m0]) re-lays out a tensor without computing: the mapper
// skips it, and its consumers must still read the viewed tensor from where it lives. Oracle: the
// compulsory DRAM traffic, counted by hand from the declared inputs.
import { describe, expect, it } from 'vitest';
import { simulateCascade } from '../../compiler/driver/pipeline';
import { parseCascade } from '../../compiler/lang';
import { attentionEin } from '../helpers/attention';

describe('reads through views', () => {
  it('the 1-pass cascade mapped einsum by einsum on flat reads Q, K and V from DRAM once', () => {
    const shape = { E: 16, F: 16, M: 200, P: 64, M0: 64 };
    const { cascade } = parseCascade(attentionEin(1, shape), 'attention-1pass.ein');
    const r = simulateCascade(cascade!, { target: 'flat' });
    const fp32 = 4;
    const compulsoryRead = (shape.E * shape.P + shape.E * shape.M + shape.F * shape.M) * fp32; // Q + K + V = 29696
    expect(r.traffic.DRAM!.readBytes).toBe(compulsoryRead);
    expect(r.traffic.DRAM!.writeBytes).toBe(shape.F * shape.P * fp32); // AV
  });
});
