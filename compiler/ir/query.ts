// Read-only questions about a cascade's structure, shared by validation, the interpreter and analysis.
import { indexVars, toAffine, partitionInfo, type PartitionInfo } from './affine';
import type { Access, Cascade, Einsum, Expr, IndexExpr, Partition, Rank, Tensor } from './types';
import { walkExpr } from './walk';

/** Every tensor read: each access, then the index tensors of its gathers (`TOK` in `WTE[TOK[b, s], d]`). */
export function exprAccesses(e: Expr, out: Access[] = []): Access[] {
  walkExpr(e, (x) => {
    if (x.kind === 'access') {
      out.push(x.access);
      gatherAccesses(x.access, out);
    }
  });
  return out;
}

/** The tensors whose values an expression computes with: its accesses, without the index tensors of gathers. */
export function exprValueAccesses(e: Expr, out: Access[] = []): Access[] {
  walkExpr(e, (x) => {
    if (x.kind === 'access') out.push(x.access);
  });
  return out;
}

/** The index tensors read by the gathers among an access's indices (nested gathers included). */
export function gatherAccesses(a: Access, out: Access[] = []): Access[] {
  for (const i of a.indices) indexGathers(i, out);
  return out;
}

function indexGathers(i: IndexExpr, out: Access[]): void {
  if (i.kind === 'gather') {
    out.push(i.access);
    gatherAccesses(i.access, out);
  } else if (i.kind === 'ibin') {
    indexGathers(i.a, out);
    indexGathers(i.b, out);
  }
}

/** Whether an access selects along some dimension through an index tensor. */
export function isGatherAccess(a: Access): boolean {
  return a.indices.some(hasGather);
}

function hasGather(i: IndexExpr): boolean {
  return i.kind === 'gather' || (i.kind === 'ibin' && (hasGather(i.a) || hasGather(i.b)));
}

/**
 * Bit k set when vars[k] occurs in the index expression (a gather's own indices included): the mask
 * `indexVars` would give, without building the list (the mapper asks it for every access).
 */
export function indexVarMask(i: IndexExpr, vars: readonly string[]): number {
  switch (i.kind) {
    case 'ivar': {
      const k = vars.indexOf(i.name);
      return k >= 0 ? 1 << k : 0;
    }
    case 'ibin':
      return indexVarMask(i.a, vars) | indexVarMask(i.b, vars);
    case 'gather': {
      let m = 0;
      for (let k = 0; k < i.access.indices.length; k++) m |= indexVarMask(i.access.indices[k]!, vars);
      return m;
    }
    default:
      return 0;
  }
}

/** Index variables used on the right: in accesses and as values (masks). */
export function exprVars(e: Expr, out: string[] = []): string[] {
  walkExpr(e, (x) => {
    if (x.kind === 'ivar') {
      if (!out.includes(x.name)) out.push(x.name);
    } else if (x.kind === 'access') for (const i of x.access.indices) indexVars(i, out);
  });
  return out;
}

export function outputVars(e: Einsum): string[] {
  const out: string[] = [];
  for (const i of e.output.indices) indexVars(i, out);
  return out;
}

/** Variables on the right but not on the left: the einsum reduces over these with `e.reduce`. */
export function reducedVars(e: Einsum): string[] {
  const left = new Set(outputVars(e));
  return exprVars(e.expr).filter((v) => !left.has(v));
}

/** The einsum's iteration space: output variables, then reduced ones. */
export function iterationVars(e: Einsum): string[] {
  return [...outputVars(e), ...reducedVars(e)];
}

export function rankOfVar(c: { ranks: Rank[] }, v: string): Rank | undefined {
  return ranksByVar(c.ranks).get(v);
}

/** Each index variable's rank (the first rank whose lower-cased name it is), per ranks array; rebuilt when the array grows. */
const byVarCache = new WeakMap<Rank[], { length: number; map: Map<string, Rank> }>();
function ranksByVar(ranks: Rank[]): Map<string, Rank> {
  const hit = byVarCache.get(ranks);
  if (hit && hit.length === ranks.length) return hit.map;
  const map = new Map<string, Rank>();
  for (const r of ranks) {
    const v = r.name.toLowerCase();
    if (!map.has(v)) map.set(v, r);
  }
  byVarCache.set(ranks, { length: ranks.length, map });
  return map;
}

export function rankSizeLookup(ranks: readonly Rank[]): (rank: string) => number | undefined {
  const m = new Map(ranks.map((r) => [r.name, r.size]));
  return (r) => m.get(r);
}

/** Every partition's parts and strides; remembered per partitions array (rebuilt when it or the ranks change). Read only. */
export function partitionInfos(c: { ranks: Rank[]; partitions: Partition[] }): PartitionInfo[] {
  const hit = infoCache.get(c.partitions);
  if (hit && hit.ranks === c.ranks && hit.ranksLength === c.ranks.length && hit.length === c.partitions.length) return hit.infos;
  const sizeOf = rankSizeLookup(c.ranks);
  const infos = c.partitions.map((p) => partitionInfo(p, sizeOf));
  infoCache.set(c.partitions, { ranks: c.ranks, ranksLength: c.ranks.length, length: c.partitions.length, infos });
  return infos;
}

const infoCache = new WeakMap<Partition[], { ranks: Rank[]; ranksLength: number; length: number; infos: PartitionInfo[] }>();

/**
 * Iterative variables: those an einsum writes at a shifted index (RM[m1+1, p]).
 * Every non-init einsum that iterates over such a variable belongs to its recurrence group,
 * which runs as one loop over the variable, members in program order, at the position of the last member.
 */
export function iterativeVars(c: Pick<Cascade, 'einsums' | 'ranks'>): string[] {
  const sizeOf = rankSizeLookup(c.ranks);
  const out: string[] = [];
  for (const e of c.einsums) {
    for (const idx of e.output.indices) {
      if (idx.kind !== 'ibin') continue; // a variable, a constant or a gather is never a shifted write
      const a = toAffine(idx, sizeOf);
      if (a && a.coeffs.size === 1 && a.constant !== 0) {
        const [v] = [...a.coeffs.keys()];
        if (!out.includes(v!)) out.push(v!);
      }
    }
  }
  return out;
}

export function tensorByName(c: { tensors: Tensor[] }, name: string): Tensor | undefined {
  return c.tensors.find((t) => t.name === name);
}

/** Display name of einsum i: its output tensor, with `.init` (and a counter) for init einsums. */
export function einsumName(c: Pick<Cascade, 'einsums'>, i: number): string {
  const e = c.einsums[i]!;
  if (!e.init) return e.output.tensor;
  let n = 0;
  for (let j = 0; j < i; j++) if (c.einsums[j]!.init && c.einsums[j]!.output.tensor === e.output.tensor) n++;
  return `${e.output.tensor}.init${n === 0 ? '' : n + 1}`;
}

export function tensorElements(t: Tensor): number {
  return t.dims.reduce((p, d) => p * d.extent, 1);
}
