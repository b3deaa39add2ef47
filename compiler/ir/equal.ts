// Structural equality of cascades: what a cascade computes and declares, ignoring source locations,
// the file and the free-text name. A reduce operator over no reduced variables has no effect, so it is ignored.
import { reducedVars } from './query';
import type { Access, Cascade, Einsum, Expr, IndexExpr, NMSparsity } from './types';

export function cascadesEqual(a: Cascade, b: Cascade): boolean {
  return (
    sameList(a.ranks, b.ranks, (x, y) => x.name === y.name && x.size === y.size && x.partOf === y.partOf && x.aliasOf === y.aliasOf) &&
    sameList(a.partitions, b.partitions, (x, y) => x.parent === y.parent && sameList(x.parts, y.parts, (p, q) => p === q)) &&
    sameList(
      a.tensors,
      b.tensors,
      (x, y) => x.name === y.name && x.role === y.role && x.dtype === y.dtype && sameList(x.dims, y.dims, (d, e) => d.rank === e.rank && d.extent === e.extent) && sameSparsity(x.sparsity, y.sparsity),
    ) &&
    sameList(a.einsums, b.einsums, einsumsEqual) &&
    sameList(a.outputs, b.outputs, (x, y) => x === y)
  );
}

function sameSparsity(a: NMSparsity | undefined, b: NMSparsity | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.n === b.n && a.m === b.m && a.rank === b.rank;
}

/**
 * A one-to-one correspondence of names under which two pieces of IR are equal (layer 0's tensors,
 * variables and ranks against layer 5's), built while they are compared: a name met for the first
 * time is paired, a name met again must meet its partner. A failed comparison leaves it partial.
 */
export class Renaming {
  readonly tensors = new Bijection();
  readonly vars = new Bijection();
  readonly ranks = new Bijection();
}

export class Bijection {
  readonly to = new Map<string, string>();
  private readonly from = new Map<string, string>();
  pair(a: string, b: string): boolean {
    const x = this.to.get(a);
    if (x !== undefined) return x === b;
    if (this.from.has(b)) return false;
    this.to.set(a, b);
    this.from.set(b, a);
    return true;
  }
  /** the partner of `a` (itself when it was never paired) */
  map(a: string): string {
    return this.to.get(a) ?? a;
  }
}

/** Equal names, or names the renaming pairs. */
function same(b: Bijection | undefined, x: string, y: string): boolean {
  return b ? b.pair(x, y) : x === y;
}

/** Equal einsums; with a renaming, equal once its tensors, variables and ranks are renamed (and it pairs them). */
export function einsumsEqual(a: Einsum, b: Einsum, r?: Renaming): boolean {
  if (a.init !== b.init || a.dtype !== b.dtype || !accessesEqual(a.output, b.output, r) || !exprsEqual(a.expr, b.expr, r)) return false;
  return a.reduce === b.reduce || reducedVars(a).length === 0;
}

function sameList<T>(xs: readonly T[], ys: readonly T[], eq: (x: T, y: T) => boolean): boolean {
  if (xs.length !== ys.length) return false;
  for (let i = 0; i < xs.length; i++) if (!eq(xs[i]!, ys[i]!)) return false;
  return true;
}

function accessesEqual(a: Access, b: Access, r?: Renaming): boolean {
  return same(r?.tensors, a.tensor, b.tensor) && sameList(a.indices, b.indices, (x, y) => indexEqual(x, y, r));
}

export function indexEqual(a: IndexExpr, b: IndexExpr, r?: Renaming): boolean {
  switch (a.kind) {
    case 'ivar':
      return b.kind === 'ivar' && same(r?.vars, a.name, b.name);
    case 'int':
      return b.kind === 'int' && a.value === b.value; // integers: -0 and 0 index the same slot
    case 'rsize':
      return b.kind === 'rsize' && same(r?.ranks, a.rank, b.rank);
    case 'ibin':
      return b.kind === 'ibin' && a.op === b.op && indexEqual(a.a, b.a, r) && indexEqual(a.b, b.b, r);
    case 'gather':
      return b.kind === 'gather' && accessesEqual(a.access, b.access, r);
  }
}

export function exprsEqual(a: Expr, b: Expr, r?: Renaming): boolean {
  switch (a.kind) {
    case 'num':
      return b.kind === 'num' && Object.is(a.value, b.value);
    case 'access':
      return b.kind === 'access' && accessesEqual(a.access, b.access, r);
    case 'ivar':
      return b.kind === 'ivar' && same(r?.vars, a.name, b.name);
    case 'rsize':
      return b.kind === 'rsize' && same(r?.ranks, a.rank, b.rank);
    case 'unary':
      return b.kind === 'unary' && a.op === b.op && exprsEqual(a.arg, b.arg, r);
    case 'binary':
      return b.kind === 'binary' && a.op === b.op && exprsEqual(a.a, b.a, r) && exprsEqual(a.b, b.b, r);
    case 'cmp':
      return b.kind === 'cmp' && a.op === b.op && exprsEqual(a.a, b.a, r) && exprsEqual(a.b, b.b, r);
    case 'select':
      return b.kind === 'select' && exprsEqual(a.cond, b.cond, r) && exprsEqual(a.a, b.a, r) && exprsEqual(a.b, b.b, r);
  }
}
