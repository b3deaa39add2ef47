// The one recogniser of "this einsum is a GEMM": a sum over one or more reduced variables of the
// product of two tensor accesses, Z[..] = A[..] · B[..]. Its view classifies every iteration
// variable: reduced ones form K, those A alone indexes form M, those B alone indexes form N, and
// the rest (indexed by both operands, or by neither) repeat the GEMM (batch). The mapper's
// contraction flag, the cycle engines' GEMM dispatch and the SCALE-Sim report read this; it needs
// only the IR, so the compiler, the simulators and the targets can all import it.
import { indexVars, outputVars, rankOfVar, reducedVars, type Access, type Cascade, type Einsum } from '../ir';
import type { EinsumWorkload, TensorUse } from './workload';

export interface GemmView {
  M: number;
  N: number;
  K: number;
  /** independent repetitions of the M×K·K×N product (variables both operands index) */
  batch: number;
  /** which variables went to M (A only), N (B only), K (reduced) and the batch */
  mVars: string[];
  nVars: string[];
  kVars: string[];
  batchVars: string[];
  /** the operands' tensors: A (left of the product) and B (right) */
  a: string;
  b: string;
}

/** A sum of the product of two tensor accesses over at least one reduced variable: the GEMM shape. */
export function isGemm(e: Einsum): boolean {
  return e.reduce === 'sum' && e.expr.kind === 'binary' && e.expr.op === '*' && e.expr.a.kind === 'access' && e.expr.b.kind === 'access' && reducedVars(e).length > 0;
}

function accessVars(a: Access): Set<string> {
  const out: string[] = [];
  for (const i of a.indices) indexVars(i, out);
  return new Set(out);
}

/**
 * The einsum (or the cascade's einsum at `index`) seen as a (batched) GEMM; null for anything
 * else. Extents come from the cascade's ranks (a variable without a rank has extent 1).
 */
export function gemmView(c: Cascade, einsum: Einsum | number): GemmView | null {
  const e = typeof einsum === 'number' ? c.einsums[einsum] : einsum;
  if (!e || e.reduce !== 'sum' || e.expr.kind !== 'binary' || e.expr.op !== '*' || e.expr.a.kind !== 'access' || e.expr.b.kind !== 'access') return null;
  // isGemm's test with the reduced variables found once (the mapper lowers every contraction of a model through here)
  const reducedList = reducedVars(e);
  if (reducedList.length === 0) return null;
  const a = accessVars(e.expr.a.access);
  const b = accessVars(e.expr.b.access);
  const reduced = new Set(reducedList);
  const vars = [...outputVars(e), ...reducedList];
  return classify(vars, vars.map((v) => rankOfVar(c, v)?.size ?? 1), (k) => reduced.has(vars[k]!), (k) => a.has(vars[k]!), (k) => b.has(vars[k]!), e.expr.a.access.tensor, e.expr.b.access.tensor);
}

/**
 * gemmView from a contraction's workload, which already holds its variables (output ones, then the
 * reduced ones), their extents and each operand's variables as a mask: no walk of the IR. An
 * operand read twice (A·A) or a gather in an operand's indices leaves other than two reads: then from the IR.
 */
export function gemmViewOfWorkload(c: Cascade, w: EinsumWorkload): GemmView | null {
  if (!w.contraction) return null;
  if (w.operandReads !== 2) return gemmView(c, w.index); // a gather among the operands' indices
  let a: TensorUse | undefined;
  let b: TensorUse | undefined;
  for (const t of w.tensors) {
    if (t.write) continue;
    if (!a) a = t;
    else if (!b) b = t;
    else return gemmView(c, w.index);
  }
  if (!a || !b) return gemmView(c, w.index);
  const nOut = w.vars.length - w.reduced.length;
  return classify(w.vars, w.sizes, (k) => k >= nOut, (k) => (a.mask & (1 << k)) !== 0, (k) => (b.mask & (1 << k)) !== 0, a.name, b.name);
}

/** Reduced variables form K, those A alone indexes M, those B alone N, the rest the batch. */
function classify(vars: readonly string[], sizes: readonly number[], reduced: (k: number) => boolean, inA: (k: number) => boolean, inB: (k: number) => boolean, a: string, b: string): GemmView {
  const g: GemmView = { M: 1, N: 1, K: 1, batch: 1, mVars: [], nVars: [], kVars: [], batchVars: [], a, b };
  for (let k = 0; k < vars.length; k++) {
    const v = vars[k]!;
    const n = sizes[k]!;
    if (reduced(k)) {
      g.K *= n;
      g.kVars.push(v);
    } else if (inA(k) && !inB(k)) {
      g.M *= n;
      g.mVars.push(v);
    } else if (inB(k) && !inA(k)) {
      g.N *= n;
      g.nVars.push(v);
    } else {
      g.batch *= n;
      g.batchVars.push(v);
    }
  }
  return g;
}

/** A plain GEMM: one variable each for M, N and K, no batch, two distinct operand tensors. */
export function isPlainGemm(g: GemmView | null): g is GemmView {
  return !!g && g.mVars.length === 1 && g.nVars.length === 1 && g.kVars.length === 1 && g.batchVars.length === 0 && g.a !== g.b;
}
