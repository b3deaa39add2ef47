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

export function einsumsEqual(a: Einsum, b: Einsum): boolean {
  if (a.init !== b.init || a.dtype !== b.dtype || !accessesEqual(a.output, b.output) || !exprsEqual(a.expr, b.expr)) return false;
  return a.reduce === b.reduce || reducedVars(a).length === 0;
}

function sameList<T>(xs: readonly T[], ys: readonly T[], eq: (x: T, y: T) => boolean): boolean {
  if (xs.length !== ys.length) return false;
  for (let i = 0; i < xs.length; i++) if (!eq(xs[i]!, ys[i]!)) return false;
  return true;
}

function accessesEqual(a: Access, b: Access): boolean {
  return a.tensor === b.tensor && sameList(a.indices, b.indices, indexEqual);
}

export function indexEqual(a: IndexExpr, b: IndexExpr): boolean {
  switch (a.kind) {
    case 'ivar':
      return b.kind === 'ivar' && a.name === b.name;
    case 'int':
      return b.kind === 'int' && a.value === b.value; // integers: -0 and 0 index the same slot
    case 'rsize':
      return b.kind === 'rsize' && a.rank === b.rank;
    case 'ibin':
      return b.kind === 'ibin' && a.op === b.op && indexEqual(a.a, b.a) && indexEqual(a.b, b.b);
    case 'gather':
      return b.kind === 'gather' && accessesEqual(a.access, b.access);
  }
}

export function exprsEqual(a: Expr, b: Expr): boolean {
  switch (a.kind) {
    case 'num':
      return b.kind === 'num' && Object.is(a.value, b.value);
    case 'access':
      return b.kind === 'access' && accessesEqual(a.access, b.access);
    case 'ivar':
      return b.kind === 'ivar' && a.name === b.name;
    case 'rsize':
      return b.kind === 'rsize' && a.rank === b.rank;
    case 'unary':
      return b.kind === 'unary' && a.op === b.op && exprsEqual(a.arg, b.arg);
    case 'binary':
      return b.kind === 'binary' && a.op === b.op && exprsEqual(a.a, b.a) && exprsEqual(a.b, b.b);
    case 'cmp':
      return b.kind === 'cmp' && a.op === b.op && exprsEqual(a.a, b.a) && exprsEqual(a.b, b.b);
    case 'select':
      return b.kind === 'select' && exprsEqual(a.cond, b.cond) && exprsEqual(a.a, b.a) && exprsEqual(a.b, b.b);
  }
}
