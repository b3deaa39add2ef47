// GEMM and batched GEMM: the simplest cascades, Z[m, n] = A[m, k] * B[k, n] (as examples/gemm/gemm.ein).
import type { Cascade, DType } from '../ir';
import { acc, GraphBuilder, mul } from './dsl';

export interface GemmOptions {
  m: number;
  n: number;
  k: number;
  /** batched GEMM: a leading rank B on A, B and Z */
  batch?: number;
  dtype?: DType;
  /** accumulate and write Z in this type (e.g. fp32 for bf16 operands) */
  accDtype?: DType;
  /** B is a weight (a layer's matrix) rather than an activation */
  weightB?: boolean;
}

export function buildGemm(o: GemmOptions): Cascade {
  const g = new GraphBuilder();
  const dt = o.dtype ?? 'fp32';
  const bIdx = o.batch !== undefined ? ['b'] : [];
  if (o.batch !== undefined) g.rank('B', o.batch);
  g.rank('M', o.m).rank('N', o.n).rank('K', o.k);
  const R = (xs: string[]) => xs.map((v) => v.toUpperCase());
  g.declare('input', 'A', R([...bIdx, 'm', 'k']), dt);
  g.declare(o.weightB ? 'weight' : 'input', 'B', R([...bIdx, 'k', 'n']), dt);
  g.def('Z', [...bIdx, 'm', 'n'], mul(acc('A', [...bIdx, 'm', 'k']), acc('B', [...bIdx, 'k', 'n'])), o.accDtype ? { dtype: o.accDtype } : {});
  g.output('Z');
  return g.build(o.batch !== undefined ? `bgemm b${o.batch} m${o.m} n${o.n} k${o.k}` : `gemm m${o.m} n${o.n} k${o.k}`);
}
