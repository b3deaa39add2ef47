// Gathers and indexed writes as memory-bound operations: `E[b, s, d] = WTE[TOK[b, s], d]` moves the rows its
// index tensor names and computes nothing; `KC[b, POS[b], h, e] = KN[b, h, e]` writes the rows POS names.
// Their bytes are the rows touched (at most the iteration points of the einsum, at most the whole tensor),
// never the whole table. Engines that price einsums as kernels (sim/gpu) take these bytes; the generic
// mapper folds a gather into its consumers as a view (compiler/map/workload.ts), whose reads are then the
// gathered rows where the table lives.
import { DTYPE_BITS, exprValueAccesses, gatherAccesses, isGatherAccess, iterationVars, tensorElements, type Access, type Cascade, type Einsum } from '../ir';

/** Whether the einsum reads through an index tensor or writes through one. */
export function isGather(e: Einsum): boolean {
  return isGatherAccess(e.output) || exprValueAccesses(e.expr).some(isGatherAccess);
}

export interface GatherBytes {
  /** rows gathered plus the index tensors and any other operand, whole */
  readBytes: number;
  /** the output: whole, or for an indexed write only the rows written */
  writeBytes: number;
  /** iteration points (elements moved) */
  points: number;
}

/** Bytes a gather or indexed write moves (per instance; multiply by the batch). */
export function gatherBytes(c: Cascade, e: Einsum): GatherBytes {
  const size = new Map<string, number>();
  for (const r of c.ranks) if (!size.has(r.name.toLowerCase())) size.set(r.name.toLowerCase(), r.size);
  const points = iterationVars(e).reduce((s, v) => s * (size.get(v) ?? 1), 1);
  const tensor = new Map(c.tensors.map((t) => [t.name, t]));
  const whole = (name: string) => {
    const t = tensor.get(name)!;
    return Math.ceil((tensorElements(t) * DTYPE_BITS[t.dtype]) / 8);
  };
  const rows = (a: Access) => {
    const t = tensor.get(a.tensor)!;
    return Math.min(whole(a.tensor), Math.ceil((points * DTYPE_BITS[t.dtype]) / 8));
  };
  const seen = new Set<string>();
  let readBytes = 0;
  const read = (a: Access, gathered: boolean) => {
    if (seen.has(a.tensor)) return;
    seen.add(a.tensor);
    readBytes += gathered ? rows(a) : whole(a.tensor);
  };
  for (const a of exprValueAccesses(e.expr)) read(a, isGatherAccess(a));
  for (const a of [...exprValueAccesses(e.expr), e.output]) for (const ix of gatherAccesses(a)) read(ix, false);
  const writeBytes = isGatherAccess(e.output) ? rows(e.output) : whole(e.output.tensor);
  return { readBytes, writeBytes, points };
}
