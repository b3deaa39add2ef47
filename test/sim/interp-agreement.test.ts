// The systolic engines compute the same GEMM as the reference interpreter (compiler/interp) run on
// a GEMM cascade. int8 operands with an int32 output are exact in both, so they must agree bit for
// bit. For fp32 the interpreter accumulates in float64 and rounds once, while the array rounds each
// MAC to fp32, so the fp32 check is to a tolerance that bounds K roundings.
import { describe, expect, it } from 'vitest';
import { interpret, randomInputs } from '../../compiler/interp';
import { parseCascade } from '../../compiler/lang';
import { DATAFLOWS, simulateReference, simulateSystolic } from '../../sim/spatial';

function gemmCascade(M: number, N: number, K: number, inDtype: string, outDtype: string) {
  const text = `rank M = ${M}, N = ${N}, K = ${K}\ninput A[M, K]: ${inDtype}\ninput B[K, N]: ${inDtype}\nZ[m, n]: ${outDtype} = A[m, k] * B[k, n]\noutput Z\n`;
  const { cascade, diagnostics } = parseCascade(text, 'gemm.ein');
  if (!cascade) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return cascade;
}

describe('systolic engines against the interpreter on a GEMM cascade', () => {
  const shapes: [number, number, number, number, number][] = [
    // M, N, K, array rows, cols (shapes that do not divide the array)
    [13, 7, 29, 4, 5],
    [32, 33, 17, 8, 8],
    [5, 40, 9, 16, 3],
  ];
  for (const df of DATAFLOWS) {
    it(`${df}: int8 × int8 → int32 is bit-exact`, () => {
      for (const [M, N, K, R, C] of shapes) {
        const c = gemmCascade(M, N, K, 'int8', 'int32');
        const inputs = randomInputs(c, 42);
        const z = interpret(c, inputs).get('Z')!;
        const A = Int32Array.from(inputs.get('A')!.data);
        const B = Int32Array.from(inputs.get('B')!.data);
        const fast = simulateSystolic({ M, N, K }, { rows: R, cols: C, dataflow: df, wordBytes: 1 }, { operands: { dtype: 'int32', A, B } });
        const ref = simulateReference(df, { rows: R, cols: C }, { M, N, K }, { dtype: 'int32', A, B });
        expect(Array.from(fast.Z!)).toEqual(Array.from(z.data));
        expect(Array.from(ref.Z)).toEqual(Array.from(z.data));
      }
    });

    it(`${df}: fp32 agrees to within K fp32 roundings`, () => {
      for (const [M, N, K, R, C] of shapes) {
        const c = gemmCascade(M, N, K, 'fp32', 'fp32');
        const inputs = randomInputs(c, 7);
        const z = interpret(c, inputs).get('Z')!;
        const A = Float32Array.from(inputs.get('A')!.data);
        const B = Float32Array.from(inputs.get('B')!.data);
        const fast = simulateSystolic({ M, N, K }, { rows: R, cols: C, dataflow: df, wordBytes: 4 }, { operands: { dtype: 'fp32', A, B } });
        for (let i = 0; i < M * N; i++) {
          let absSum = 0;
          const m = Math.floor(i / N);
          const n = i % N;
          for (let k = 0; k < K; k++) absSum += Math.abs(A[m * K + k]! * B[k * N + n]!);
          expect(Math.abs(fast.Z![i]! - z.data[i]!)).toBeLessThanOrEqual(2 * K * 2 ** -24 * absSum + 1e-30);
        }
      }
    });
  }
});
