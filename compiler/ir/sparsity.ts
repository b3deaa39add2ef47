// N:M structured sparsity of weights (`weight W_Q[K, N]: int4 sparse(8:16, K)`), the facts every stage
// reads from the IR: which patterns are valid, how many values a pruned tensor keeps, its packed size, and
// which GEMM operand a pattern reaches.
//
// The pattern: along rank K, of every M consecutive elements at most N are nonzero; when M does not
// divide K the last partial group of r elements keeps min(N, r). M is a power of two from 2 to 256 and
// 1 ≤ N < M (N = M is dense: no attribute). The rank must be contracted: every einsum reading the tensor
// either sums over the sparse dimension's index variable, or is an elementwise map (no reduction) that
// writes the same index expression to a dimension of its output (the dequantise einsum
// W[k, n] = W_Q[k, n] * W_S[kg, n] of `lower --wbits`), whose readers are then held to the same rule.
//
// Storage (the compressed N:M format of NVIDIA's sparse tensor cores, Mishra et al. 2021, arXiv
// 2104.08378, and of FlightLLM's sparse DSP chain, FPGA 2024): the kept values packed at their dtype
// width, each with its position inside its group of M as a log2(M)-bit index. So a kept value costs
// bits(dtype) + log2(M) bits and a pruned one nothing: 8:16 int4 is 8 × (4 + 4) = 64 bits per 16
// weights, 0.5 bytes per weight against 0.5 dense (the index eats the saving at 4 bits); 8:16 fp16 is
// 8 × (16 + 4) = 160 bits, 0.625 of dense.
import { indexVars } from './affine';
import { DTYPE_BITS } from './dtype';
import { indexEqual } from './equal';
import { printIndex } from './print';
import { exprValueAccesses, reducedVars, tensorElements } from './query';
import type { Access, Cascade, Einsum, NMSparsity, Tensor } from './types';

export const MAX_SPARSE_M = 256;

/** Why N:M is not a pattern the IR accepts, or undefined. */
export function sparsityPatternProblem(n: number, m: number): string | undefined {
  if (!Number.isSafeInteger(m) || m < 2 || m > MAX_SPARSE_M || (m & (m - 1)) !== 0)
    return `N:M sparsity ${n}:${m}: M must be a power of two from 2 to ${MAX_SPARSE_M} (each kept value stores its position in its group of M in log2(M) bits)`;
  if (!Number.isSafeInteger(n) || n < 1) return `N:M sparsity ${n}:${m}: N must be at least 1 (N = 0 prunes every weight)`;
  if (n >= m) return `N:M sparsity ${n}:${m}: N must be less than M (N:M keeps N of every M; ${m}:${m} keeps all: leave the pattern out)`;
  return undefined;
}

/** Values kept along a rank of `len` elements: N per full group, min(N, rest) in the last partial one. */
export function keptAlong(len: number, s: Pick<NMSparsity, 'n' | 'm'>): number {
  const full = Math.floor(len / s.m);
  return full * s.n + Math.min(s.n, len - full * s.m);
}

/** Index bits stored with each kept value: its position in its group of M (M is a power of two). */
export function sparseIndexBits(s: Pick<NMSparsity, 'm'>): number {
  return Math.log2(s.m);
}

/** Values a tensor stores: all of them when dense, the kept ones when pruned. */
export function keptElements(t: Tensor): number {
  const total = tensorElements(t);
  const s = t.sparsity;
  const d = s && t.dims.find((x) => x.rank === s.rank);
  return s && d ? (total / d.extent) * keptAlong(d.extent, s) : total;
}

/** Bits a tensor occupies packed: kept values × (dtype bits + index bits) when pruned, elements × dtype bits otherwise. */
export function tensorBits(t: Tensor): number {
  const s = t.sparsity;
  return s ? keptElements(t) * (DTYPE_BITS[t.dtype] + sparseIndexBits(s)) : tensorElements(t) * DTYPE_BITS[t.dtype];
}

/** Whole bytes a tensor occupies packed (capacity, footprints). */
export function tensorBytesPacked(t: Tensor): number {
  return Math.ceil(tensorBits(t) / 8);
}

/** Packed bytes per dense element (fractional): what a traffic model multiplies a tile's element count by. */
export function tensorBytesPerElement(t: Tensor): number {
  const n = tensorElements(t);
  return n > 0 ? tensorBits(t) / 8 / n : DTYPE_BITS[t.dtype] / 8;
}

type Graph = Pick<Cascade, 'tensors' | 'einsums'>;

/** Where a sparse dimension goes: the einsums that sum over it (with the operand they read), and the reads that break the rule. */
export interface SparseReach {
  contractions: { einsum: number; operand: string }[];
  problems: { einsum: number; why: string }[];
}

/** The value reads of each tensor: einsum index and access. */
export type ValueReaders = Map<string, { einsum: number; access: Access }[]>;

export function valueReaders(es: readonly Einsum[]): ValueReaders {
  const m: ValueReaders = new Map();
  es.forEach((e, i) => {
    for (const a of exprValueAccesses(e.expr)) {
      const list = m.get(a.tensor);
      if (list) list.push({ einsum: i, access: a });
      else m.set(a.tensor, [{ einsum: i, access: a }]);
    }
  });
  return m;
}

/** Follows dimension `dim` of tensor `name` through elementwise maps to the einsums that reduce it. */
export function sparseReach(c: Graph, name: string, dim: number, readers: ValueReaders = valueReaders(c.einsums), out: SparseReach = { contractions: [], problems: [] }, depth = 0): SparseReach {
  for (const { einsum: i, access: a } of readers.get(name) ?? []) {
    const e = c.einsums[i]!;
    const idx = a.indices[dim];
    if (!idx) continue;
    const vars = indexVars(idx);
    const red = reducedVars(e);
    if (vars.some((v) => red.includes(v))) {
      if (e.reduce === 'sum') out.contractions.push({ einsum: i, operand: name });
      else out.problems.push({ einsum: i, why: `${e.output.tensor} reduces it with ${e.reduce}, not a sum` });
      continue;
    }
    const p = red.length === 0 && e.output.tensor !== name ? e.output.indices.findIndex((o) => indexEqual(o, idx)) : -1;
    if (p >= 0 && depth < 8) sparseReach(c, e.output.tensor, p, readers, out, depth + 1);
    else out.problems.push({ einsum: i, why: `${e.output.tensor} reads it at ${printIndex(idx)} without summing over it` });
  }
  return out;
}

/** What is wrong with a tensor's sparse attribute in a cascade (empty when nothing is). */
export function sparsityProblems(t: Tensor, c: Graph, readers?: ValueReaders): { message: string; hint: string }[] {
  const s = t.sparsity;
  if (!s) return [];
  const attr = `sparse(${s.n}:${s.m}, ${s.rank})`;
  const pattern = sparsityPatternProblem(s.n, s.m);
  if (pattern) return [{ message: `${t.name}: ${pattern}`, hint: 'FlightLLM runs 2:16, 4:16 and 8:16; NVIDIA sparse tensor cores 2:4' }];
  if (t.role !== 'weight') return [{ message: `${t.name} is ${t.role === 'kvcache' ? 'a kvcache' : `an ${t.role}`} tensor: only a weight can be pruned to an N:M pattern`, hint: `declare it as weight, or drop ${attr}` }];
  const dim = t.dims.findIndex((d) => d.rank === s.rank);
  if (dim < 0) return [{ message: `${t.name} is pruned along ${s.rank}, which is not one of its dimensions [${t.dims.map((d) => d.rank).join(', ')}]`, hint: `name the contracted rank, e.g. sparse(${s.n}:${s.m}, ${t.dims[0]?.rank ?? 'K'})` }];
  const reach = sparseReach(c, t.name, dim, readers);
  const hint = `N:M sparsity prunes the contracted rank of a GEMM (each output sums over the kept values); prune ${t.name} along the rank its readers sum over`;
  const out = reach.problems.map((p) => ({ message: `${t.name} is pruned along ${s.rank}, but ${p.why}`, hint }));
  if (out.length === 0 && reach.contractions.length === 0) out.push({ message: `${t.name} is pruned along ${s.rank}, but no einsum sums over it`, hint });
  return out;
}

/** The N:M pattern each GEMM operand carries, keyed `einsum/operand`: a pruned weight's own, or the pruned weight it was computed from elementwise. */
const operandCache = new WeakMap<Graph, Map<string, { sparsity: NMSparsity; weight: string }>>();

export function sparseOperands(c: Graph): Map<string, { sparsity: NMSparsity; weight: string }> {
  let m = operandCache.get(c);
  if (m) return m;
  m = new Map();
  const readers = valueReaders(c.einsums);
  for (const t of c.tensors) {
    const s = t.sparsity;
    const dim = s ? t.dims.findIndex((d) => d.rank === s.rank) : -1;
    if (!s || dim < 0) continue;
    for (const x of sparseReach(c, t.name, dim, readers).contractions) m.set(`${x.einsum}/${x.operand}`, { sparsity: s, weight: t.name });
  }
  operandCache.set(c, m);
  return m;
}

/** The pattern of einsum i's operand `tensor` along the rank the einsum sums over, if it is (or comes from) a pruned weight. */
export function operandSparsity(c: Graph, i: number, tensor: string): { sparsity: NMSparsity; weight: string } | undefined {
  return sparseOperands(c).get(`${i}/${tensor}`);
}

/** The einsum's operands that are pruned, in expression order. */
export function einsumSparseOperands(c: Graph, i: number, e: Einsum = c.einsums[i]!): { operand: string; sparsity: NMSparsity; weight: string }[] {
  const out: { operand: string; sparsity: NMSparsity; weight: string }[] = [];
  for (const a of exprValueAccesses(e.expr)) {
    const s = operandSparsity(c, i, a.tensor);
    if (s && !out.some((x) => x.operand === a.tensor)) out.push({ operand: a.tensor, ...s });
  }
  return out;
}
