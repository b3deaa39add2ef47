// Structural equality of TargetSpecs, ignoring where things were written (loc, file).
import type { TargetSpec } from './types';

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      if (k === 'loc' || k === 'file') continue;
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canonical(x);
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
