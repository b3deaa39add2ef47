// A fast-check generator of random VALID cascade sources: ranks (some partitioned), declared tensors,
// einsums with random map expressions, reductions, masks, rank sizes, index arithmetic, and recurrence
// groups with init einsums. Valid by construction: every index stays in range and every rank matches.
import fc from 'fast-check';
import { iterationVars, type CascadeSource, type DType, type Einsum, type Expr, type IndexExpr, type ReduceOp } from '../../compiler/ir';

type Gen = fc.GeneratorValue;

interface Dim {
  rank: string;
  extent: number;
}
interface TensorInfo {
  name: string;
  dims: Dim[];
}

const FLOATS: DType[] = ['fp32', 'bf16', 'fp16', 'fp8e4m3', 'fp8e5m2'];
const INTS: DType[] = ['int32', 'int8', 'int4'];
// Rank names include keywords in disguise: `Rank`, `Init` and `Output` have the index variables rank, init, output.
const RANK_POOL = ['A', 'B', 'C', 'D', 'Seq_2', 'Rank', 'Init', 'Output'];
// Tensor names include words that are keywords, functions or reduce operators elsewhere.
const TENSOR_POOL = ['T', 'x_', 'output', 'init', 'input', 'weight', 'kvcache', 'inf', 'max', 'sum', 'exp', 'rank', 'Input'];

export function genCascadeSource(g: Gen): CascadeSource {
  const int = (min: number, max: number) => g(fc.integer, { min, max });
  const bool = (p = 0.5) => g(fc.integer, { min: 0, max: 999 }) < p * 1000;
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;

  const src: CascadeSource = { ranks: [], partitions: [], declared: [], einsums: [], outputs: [] };
  const size = new Map<string, number>();
  const nBase = int(1, 4);
  const names = [...RANK_POOL];
  for (let i = 0; i < nBase; i++) {
    const name = names.splice(int(0, names.length - 1), 1)[0]!;
    const s = int(1, 9);
    src.ranks.push({ name, size: s });
    size.set(name, s);
  }
  // recompose[parent] = the parts, when the parent is partitioned
  const recompose = new Map<string, string[]>();
  if (bool(0.6)) {
    const parent = pick(src.ranks).name;
    const three = bool(0.25);
    const parts = three ? [`${parent}2`, `${parent}1`, `${parent}0`] : [`${parent}1`, `${parent}0`];
    const inner = parts.slice(1).map(() => int(1, 4));
    src.partitions.push({ parent, parts, innerSizes: inner });
    const innerProduct = inner.reduce((a, b) => a * b, 1);
    size.set(parts[0]!, Math.ceil(size.get(parent)! / innerProduct));
    parts.slice(1).forEach((p, i) => size.set(p, inner[i]!));
    recompose.set(parent, parts);
  }
  const allRanks = [...size.keys()];
  const varOf = (r: string) => r.toLowerCase();
  const locked = new Set<string>(); // iterative variables whose recurrence is finished
  const free = () => allRanks.filter((r) => !locked.has(r));

  const dtypes = bool(0.2) ? INTS : FLOATS;
  const tensors: TensorInfo[] = [];
  const usedNames = new Set<string>();
  let serial = 0;
  const freshName = () => {
    // biased or shrunk draws repeat themselves, so a numbered name ends the search
    const base = pick(TENSOR_POOL);
    let n = bool(0.5) ? base : `${base}${int(0, 99)}`;
    while (usedNames.has(n) || size.has(n)) n = `${base}_${serial++}`;
    usedNames.add(n);
    return n;
  };
  const subset = (rs: string[], max: number) => {
    const pool = [...rs];
    const out: string[] = [];
    const n = int(0, Math.min(max, pool.length));
    for (let i = 0; i < n; i++) out.push(pool.splice(int(0, pool.length - 1), 1)[0]!);
    return out;
  };

  for (let i = int(1, 3); i > 0; i--) {
    const dims = subset(allRanks, 3).map((r) => ({ rank: r, extent: size.get(r)! }));
    const name = freshName();
    src.declared.push({ name, role: pick(['input', 'weight', 'kvcache'] as const), dtype: pick(dtypes), dims });
    tensors.push({ name, dims });
  }

  // ---- index expressions
  const sameValue = (e: IndexExpr): IndexExpr => {
    // forms that are affinely equal to e, to exercise index arithmetic and its printing
    switch (int(0, 5)) {
      case 0: {
        const k = int(0, 3);
        return { kind: 'ibin', op: '-', a: { kind: 'ibin', op: '+', a: e, b: { kind: 'int', value: k } }, b: { kind: 'int', value: k } };
      }
      case 1:
        return { kind: 'ibin', op: '*', a: { kind: 'int', value: 1 }, b: e };
      case 2: {
        const k = int(0, 3);
        return { kind: 'ibin', op: '+', a: { kind: 'int', value: -k }, b: { kind: 'ibin', op: '+', a: e, b: { kind: 'int', value: k } } };
      }
      default:
        return e;
    }
  };
  const ivar = (r: string): IndexExpr => ({ kind: 'ivar', name: varOf(r) });
  const recomposeExpr = (parts: string[]): IndexExpr => {
    // m2*(M1*M0) + m1*M0 + m0, written with rank sizes as the strides
    let e: IndexExpr = ivar(parts[0]!);
    for (let i = 1; i < parts.length; i++) e = { kind: 'ibin', op: '+', a: { kind: 'ibin', op: '*', a: e, b: { kind: 'rsize', rank: parts[i]! } }, b: ivar(parts[i]!) };
    return e;
  };
  /** An index for a dim, valid for reading; may use any unlocked variable of the dim's rank. */
  const readIndex = (d: Dim): IndexExpr => {
    const choice = int(0, 9);
    const parts = recompose.get(d.rank);
    if (choice < 6 && !locked.has(d.rank)) return sameValue(ivar(d.rank));
    if (choice < 8 && parts && parts.every((p) => !locked.has(p))) return sameValue(recomposeExpr(parts));
    if (choice === 8 && d.extent > size.get(d.rank)!) return { kind: 'rsize', rank: d.rank };
    const k = int(0, d.extent - 1);
    return bool(0.2) && k >= 1 ? { kind: 'ibin', op: '-', a: { kind: 'int', value: k + 1 }, b: { kind: 'int', value: 1 } } : { kind: 'int', value: k };
  };

  // ---- map expressions
  const num = (): number =>
    pick([0, 1, 2, 0.5, -1, -0, Infinity, -Infinity, 1e-7, 1.5e21, 3.14159, -2.5, 5e-324, g(fc.double, { noNaN: true, noDefaultInfinity: true })]);
  const expr = (depth: number, readable: TensorInfo[]): Expr => {
    if (depth <= 0 || bool(0.3)) {
      const leaf = int(0, 9);
      if (leaf < 5 && readable.length) {
        const t = pick(readable);
        return { kind: 'access', access: { tensor: t.name, indices: t.dims.map(readIndex) } };
      }
      if (leaf < 7) return { kind: 'num', value: num() };
      if (leaf < 8 && free().length) return { kind: 'ivar', name: varOf(pick(free())) };
      return { kind: 'rsize', rank: pick(allRanks) };
    }
    switch (int(0, 5)) {
      case 0:
        return { kind: 'unary', op: pick(['neg', 'neg', 'exp', 'log', 'sqrt', 'tanh', 'erf', 'abs'] as const), arg: expr(depth - 1, readable) };
      case 1:
      case 2:
        return { kind: 'binary', op: pick(['+', '-', '*', '/', 'max', 'min'] as const), a: expr(depth - 1, readable), b: expr(depth - 1, readable) };
      case 3:
        return { kind: 'cmp', op: pick(['<', '<=', '>', '>=', '==', '!='] as const), a: expr(depth - 1, readable), b: expr(depth - 1, readable) };
      case 4:
        return { kind: 'select', cond: expr(depth - 1, readable), a: expr(depth - 1, readable), b: expr(depth - 1, readable) };
      default:
        return expr(depth - 1, readable);
    }
  };
  const reduceOp = (): ReduceOp => pick(['sum', 'sum', 'max', 'min', 'prod'] as const);
  // Integer cascades annotate every einsum: an einsum of numbers alone would default to fp32 and clash.
  const annotateAll = dtypes === INTS;
  // `null`: no annotation; no argument: a random one (an explicit undefined would pick the default).
  const maybeDtype = (e: Einsum, d: DType | null | 'random' = 'random') => {
    const t = d === 'random' ? (annotateAll || bool(0.25) ? pick(dtypes) : null) : d;
    if (t) e.dtype = t;
    return e;
  };

  const plainEinsum = () => {
    const outRanks = subset(free(), 3);
    const name = freshName();
    const output = { tensor: name, indices: outRanks.map((r) => (bool(0.2) ? sameValue(ivar(r)) : ivar(r))) };
    const e: Einsum = maybeDtype({ output, reduce: reduceOp(), expr: expr(int(0, 3), tensors), init: false });
    src.einsums.push(e);
    tensors.push({ name, dims: outRanks.map((r) => ({ rank: r, extent: size.get(r)! })) });
  };

  const recurrence = () => {
    // an iterative variable must be new: every earlier einsum over it would join its loop
    const used = new Set(src.einsums.filter((e) => !e.init).flatMap((e) => iterationVars(e)));
    const candidates = free().filter((r) => !used.has(varOf(r)));
    if (candidates.length === 0) return plainEinsum();
    const R = pick(candidates);
    const others = subset(
      free().filter((r) => r !== R),
      2,
    );
    const sName = freshName();
    const sDims: Dim[] = [{ rank: R, extent: size.get(R)! + 1 }, ...others.map((r) => ({ rank: r, extent: size.get(r)! }))];
    const at = (first: IndexExpr): IndexExpr[] => [first, ...others.map(ivar)];
    const beforeS = [...tensors];
    const sType = annotateAll || bool(0.3) ? pick(dtypes) : null;
    // the init must not iterate over v: it runs before the loop
    locked.add(R);
    src.einsums.push(maybeDtype({ output: { tensor: sName, indices: at({ kind: 'int', value: 0 }) }, reduce: reduceOp(), expr: expr(int(0, 2), beforeS), init: true }, bool(0.5) ? sType : null));
    locked.delete(R);
    const prev: Expr = { kind: 'access', access: { tensor: sName, indices: at(ivar(R)) } };
    const step: Expr = { kind: 'binary', op: pick(['+', '*', 'max', 'min'] as const), a: prev, b: expr(int(0, 2), beforeS) };
    src.einsums.push(maybeDtype({ output: { tensor: sName, indices: at({ kind: 'ibin', op: '+', a: ivar(R), b: { kind: 'int', value: 1 } }) }, reduce: reduceOp(), expr: step, init: false }, sType));
    tensors.push({ name: sName, dims: sDims });
    if (bool(0.5)) {
      // a second member reading the new value at v+1
      const uName = freshName();
      const cur: Expr = { kind: 'access', access: { tensor: sName, indices: at({ kind: 'ibin', op: '+', a: ivar(R), b: { kind: 'int', value: 1 } }) } };
      src.einsums.push(maybeDtype({ output: { tensor: uName, indices: [ivar(R), ...others.map(ivar)] }, reduce: 'sum', expr: { kind: 'binary', op: '-', a: cur, b: expr(int(0, 1), beforeS) }, init: false }));
      tensors.push({ name: uName, dims: [{ rank: R, extent: size.get(R)! }, ...others.map((r) => ({ rank: r, extent: size.get(r)! }))] });
    }
    // later einsums may not iterate v: they would join the loop
    locked.add(R);
    const fName = freshName();
    src.einsums.push(maybeDtype({ output: { tensor: fName, indices: others.map(ivar) }, reduce: 'sum', expr: { kind: 'access', access: { tensor: sName, indices: at({ kind: 'rsize', rank: R }) } }, init: false }));
    tensors.push({ name: fName, dims: others.map((r) => ({ rank: r, extent: size.get(r)! })) });
  };

  for (let i = int(1, 6); i > 0; i--) {
    if (bool(0.25)) recurrence();
    else plainEinsum();
  }
  const computed = [...new Set(src.einsums.map((e) => e.output.tensor))];
  const outs = subset(computed, 3);
  src.outputs = (outs.length ? outs : [computed[computed.length - 1]!]).map((name) => ({ name }));
  return src;
}
