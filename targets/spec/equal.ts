// Structural equality of TargetSpecs, ignoring where things were written (loc, file).
import type { TargetSpec } from './types';

/** Maps written by the user: their keys are data, so a key named `loc` or `file` is kept. */
const USER_MAPS = new Set(['attrs', 'attrUnits', 'params', 'paramUnits']);

function canonical(v: unknown, userMap = false): unknown {
  if (Array.isArray(v)) return v.map((x) => canonical(x));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      if (!userMap && (k === 'loc' || k === 'file')) continue;
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canonical(x, !userMap && USER_MAPS.has(k));
    }
    return out;
  }
  return v;
}

/** A deterministic JSON form of a spec without locations: equal specs give equal strings. */
export function canonicalTargetJson(s: TargetSpec): string {
  return JSON.stringify(canonical(s));
}

export function targetsEqual(a: TargetSpec, b: TargetSpec): boolean {
  return canonicalTargetJson(a) === canonicalTargetJson(b);
}
