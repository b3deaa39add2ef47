// Structural helpers shared by the transforms: substituting index variables, mapping accesses, and
// turning a Cascade back into a CascadeSource so a rewritten program is re-validated by finalize.
import { exprAccesses, finalize, mapExpr, type Access, type Cascade, type CascadeSource, type Einsum, type Expr, type IndexExpr } from '../ir';

export class TransformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformError';
  }
}

/** Replaces each index variable named in `sub` by its expression. */
export function substIndex(e: IndexExpr, sub: ReadonlyMap<string, IndexExpr>): IndexExpr {
  switch (e.kind) {
    case 'ivar':
      return sub.get(e.name) ?? e;
    case 'int':
    case 'rsize':
      return e;
    case 'ibin':
      return { kind: 'ibin', op: e.op, a: substIndex(e.a, sub), b: substIndex(e.b, sub) };
    case 'gather':
      return { kind: 'gather', access: { tensor: e.access.tensor, indices: e.access.indices.map((i) => substIndex(i, sub)) } };
  }
}

/** An index expression used as a value (masks compare index variables: m <= s). */
export function indexAsExpr(e: IndexExpr): Expr {
  switch (e.kind) {
    case 'ivar':
      return { kind: 'ivar', name: e.name };
    case 'int':
      return { kind: 'num', value: e.value };
    case 'rsize':
      return { kind: 'rsize', rank: e.rank };
    case 'ibin':
      return { kind: 'binary', op: e.op, a: indexAsExpr(e.a), b: indexAsExpr(e.b) };
    case 'gather':
      return { kind: 'access', access: e.access };
  }
}

/** Rebuilds an expression (ir's `mapExpr`); `onAccess` may replace a read, `onVar` an index variable used as a value. */
export function mapLeaves(e: Expr, onAccess: (a: Access) => Expr, onVar: (name: string) => Expr = (name) => ({ kind: 'ivar', name })): Expr {
  return mapExpr(e, (x) => (x.kind === 'access' ? onAccess(x.access) : x.kind === 'ivar' ? onVar(x.name) : undefined));
}

/** Substitutes index variables everywhere in an einsum: output indices, reads, and values. */
export function substEinsum(e: Einsum, sub: ReadonlyMap<string, IndexExpr>): Einsum {
  const acc = (a: Access): Access => ({ tensor: a.tensor, indices: a.indices.map((i) => substIndex(i, sub)) });
  const out: Einsum = {
    ...e,
    output: acc(e.output),
    expr: mapLeaves(
      e.expr,
      (a) => ({ kind: 'access', access: acc(a) }),
      (name) => (sub.has(name) ? indexAsExpr(sub.get(name)!) : { kind: 'ivar', name }),
    ),
  };
  return out;
}

/** The source a cascade came from (partitions with their inner sizes), ready for edits and finalize. */
export function toSource(c: Cascade): CascadeSource {
  const size = new Map(c.ranks.map((r) => [r.name, r.size]));
  const src: CascadeSource = {
    ranks: c.ranks.filter((r) => r.partOf === undefined).map((r) => ({ name: r.name, size: r.size, ...(r.aliasOf !== undefined ? { aliasOf: r.aliasOf } : {}) })),
    partitions: c.partitions.map((p) => ({ parent: p.parent, parts: [...p.parts], innerSizes: p.parts.slice(1).map((q) => size.get(q)!) })),
    declared: c.tensors.filter((t) => t.role === 'input' || t.role === 'weight' || t.role === 'kvcache').map((t) => ({ ...t, dims: t.dims.map((d) => ({ ...d })) })),
    einsums: [...c.einsums],
    outputs: c.outputs.map((name) => ({ name })),
  };
  if (c.file !== undefined) src.file = c.file;
  if (c.name !== undefined) src.name = c.name;
  return src;
}

/** Validates a rewritten program; a failure means the transform's preconditions missed a case. */
export function refinalize(src: CascadeSource, what: string): Cascade {
  const r = finalize(src);
  if (!r.cascade) throw new TransformError(`${what} produced an invalid cascade: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.cascade;
}

/** Index variable names of an access when every index is a plain variable, else null. */
export function plainVars(a: Access): string[] | null {
  const out: string[] = [];
  for (const i of a.indices) {
    if (i.kind !== 'ivar') return null;
    out.push(i.name);
  }
  return out;
}

/** Einsums (by position) that read tensor `t`. */
export function readersOf(es: readonly Einsum[], t: string): number[] {
  const out: number[] = [];
  es.forEach((e, i) => {
    if (exprAccesses(e.expr).some((a) => a.tensor === t)) out.push(i);
  });
  return out;
}
