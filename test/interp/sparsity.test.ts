// The interpreter runs N:M-pruned weights: a weight declared sparse(N:M, K) holds only the N largest
// magnitudes of every M along K (ties to the lower index; a last partial group keeps min(N, rest)). The oracle
// is a plain triple loop over weights pruned by hand below (each kept position chosen by reading the values).
import { describe, expect, it } from 'vitest';
import { interpret, randomInputs, type TensorData } from '../../compiler/interp';
import { parseCascade } from '../../compiler/lang';

const K = 10, M = 2, N = 2;
// W[k, n] row-major (K x N), columns written out: col 0 and col 1
const col0 = [1, -5, 3, 2, 0.5, 0.25, -4, 4, 7, -8];
const col1 = [2, 2, 2, 2, 1, 0, 0, 0, 0, 3];
// 2:4 by hand. col 0: {1,-5,3,2} keeps -5, 3; {0.5,0.25,-4,4} keeps -4, 4; {7,-8} is a partial group of 2: both.
// col 1: {2,2,2,2} ties: the two lowest indices; {1,0,0,0} keeps 1 (and a zero); {0,3}: both.
const pruned0 = [0, -5, 3, 0, 0, 0, -4, 4, 7, -8];
const pruned1 = [2, 2, 0, 0, 1, 0, 0, 0, 0, 3];
const X = Array.from({ length: M * K }, (_, i) => (i < K ? i + 1 : i % 2 ? -1 : 1));

const rowMajor = (c0: number[], c1: number[]) => Float64Array.from({ length: K * N }, (_, i) => (i % 2 ? c1 : c0)[Math.floor(i / 2)]!);
const data = (shape: number[], values: ArrayLike<number>, dtype: TensorData['dtype'] = 'fp32'): TensorData => ({ dtype, shape, data: Float64Array.from(values) });

function matmul(x: number[], w0: number[], w1: number[]): number[] {
  const y: number[] = [];
  for (let m = 0; m < M; m++)
    for (const w of [w0, w1]) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x[m * K + k]! * w[k]!;
      y.push(s);
    }
  return y;
}

describe('interpreting N:M-pruned weights', () => {
  it('a GEMM reads the weight pruned to 2:4 along K: equal to a dense matmul with the pruned entries zeroed', () => {
    const c = parseCascade(`rank M = ${M}, N = ${N}, K = ${K}\ninput X[M, K]: fp32\nweight W[K, N]: fp32 sparse(2:4, K)\nY[m, n] = X[m, k] * W[k, n]\noutput Y\n`).cascade!;
    const out = interpret(c, new Map([['X', data([M, K], X)], ['W', data([K, N], rowMajor(col0, col1))]]));
    const y = [...out.get('Y')!.data];
    expect(y).toEqual(matmul(X, pruned0, pruned1));
    // and not the dense product: pruning changed the answer
    expect(y).not.toEqual(matmul(X, col0, col1));
  });

  it('through lower --wbits\' dequantise einsum: W = W_Q * W_S zeroes exactly the pruned int4 values', () => {
    const c = parseCascade(
      `rank M = ${M}, N = ${N}, K = ${K}\ninput X[M, K]: fp32\nweight W_Q[K, N]: int4 sparse(2:4, K)\nweight W_S[N]: fp32\n` +
        'W[k, n]: fp32 = W_Q[k, n] * W_S[n]\nY[m, n] = X[m, k] * W[k, n]\noutput Y\n',
    ).cascade!;
    const out = interpret(c, new Map([['X', data([M, K], X)], ['W_Q', data([K, N], rowMajor(col0.map(Math.trunc), col1), 'int4')], ['W_S', data([N], [0.5, 2])]]));
    // int4 values: col 0 is {1,-5,3,2 | 0,0,-4,4 | 7,-8}: group 2 is then {0,0,-4,4}, kept as before
    const q0 = pruned0.map((v) => Math.trunc(v) * 0.5);
    const q1 = pruned1.map((v) => v * 2);
    expect([...out.get('W')!.data]).toEqual([...rowMajor(q0, q1)]);
    expect([...out.get('Y')!.data]).toEqual(matmul(X, q0, q1));
  });

  it('seeded random weights are pruned too: every group of 16 along K holds at most 8 nonzeros, and the same seed gives the same pattern', () => {
    const text = 'rank M = 1, N = 5, K = 40\ninput X[M, K]: fp32\nweight W_Q[K, N]: int8 sparse(8:16, K)\nW[k, n]: fp32 = W_Q[k, n] * 1\nY[m, n] = X[m, k] * W[k, n]\noutput Y\n';
    const c = parseCascade(text).cascade!;
    const run = () => interpret(c, randomInputs(c, 7)).get('W')!.data;
    const w = run();
    for (let n = 0; n < 5; n++)
      for (let g = 0; g < 40; g += 16) {
        let nz = 0;
        for (let k = g; k < Math.min(40, g + 16); k++) nz += w[k * 5 + n] !== 0 ? 1 : 0;
        // groups of 16, 16 and a partial 8: at most 8 kept in each
        expect(nz).toBeLessThanOrEqual(8);
      }
    expect([...run()]).toEqual([...w]);
  });
});
