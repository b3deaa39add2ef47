// Rows touched by gathers. A tensor read only through index tensors (an embedding table WTE read as
// WTE[TOK[b, s], d]) moves at most one element per iteration point of each gather that reads it, however
// large the table is: its compulsory bytes are those rows, not the whole tensor. Shared by the analysis,
// the scheduler's operator graph and the capacity check's traffic.
import { dtypeBytes, exprValueAccesses, isGatherAccess, iterationVars, tensorElements, type Cascade } from '../ir';

/** Bytes touched of each tensor that is read only through gathers (absent: read whole somewhere, or never). */
export function gatheredBytes(c: Cascade): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, n] of gatheredElements(c)) out.set(name, dtypeBytes(c.tensors.find((t) => t.name === name)!.dtype, n));
  return out;
}

/** Elements touched of each tensor that is read only through gathers (an expert's weights: the active experts'). */
export function gatheredElements(c: Cascade): Map<string, number> {
  const size = new Map<string, number>();
  for (const r of c.ranks) if (!size.has(r.name.toLowerCase())) size.set(r.name.toLowerCase(), r.size);
  const elems = new Map<string, number>();
  const whole = new Set<string>();
  for (const e of c.einsums) {
    const points = iterationVars(e).reduce((s, v) => s * (size.get(v) ?? 1), 1);
    for (const a of exprValueAccesses(e.expr)) {
      if (isGatherAccess(a)) elems.set(a.tensor, (elems.get(a.tensor) ?? 0) + points);
      else whole.add(a.tensor);
    }
  }
  const out = new Map<string, number>();
  for (const t of c.tensors) {
    const n = elems.get(t.name);
    if (n === undefined || whole.has(t.name)) continue;
    out.set(t.name, Math.min(n, tensorElements(t)));
  }
  return out;
}

/**
 * Elements an indexed write stores into each kvcache tensor it updates (`KC[b, POS[b], h, e] = KN[b, h, e]`: one
 * element per iteration point, at most the whole tensor). These rows go back to memory: compulsory traffic.
 */
export function indexedWriteElements(c: Cascade): Map<string, number> {
  const size = new Map<string, number>();
  for (const r of c.ranks) if (!size.has(r.name.toLowerCase())) size.set(r.name.toLowerCase(), r.size);
  const out = new Map<string, number>();
  for (const e of c.einsums) {
    if (!isGatherAccess(e.output)) continue;
    const points = iterationVars(e).reduce((s, v) => s * (size.get(v) ?? 1), 1);
    const t = c.tensors.find((x) => x.name === e.output.tensor)!;
    out.set(t.name, Math.min(tensorElements(t), (out.get(t.name) ?? 0) + points));
  }
  return out;
}
