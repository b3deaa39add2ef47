// `target NAME extends BASE { ... }`: a target written as the changes to another one. The base's raw AST
// (its own `extends` already resolved) and the child's are merged before any checking, so the result is
// checked as one target: parameters, attributes and units' fields the child writes replace the base's,
// units and links it adds are added. The base's spans are shifted past the child's text so every
// diagnostic still knows which file (and line) it points into (see SpecBuilder's segments).
import type { RawAssign, RawParam, RawTarget, RawUnit, Span } from './syntax';

/** Returns a copy of `x` with every span moved by `offset` characters. */
export function shiftSpans<T>(x: T, offset: number): T {
  if (Array.isArray(x)) return x.map((v) => shiftSpans(v, offset)) as T;
  if (x === null || typeof x !== 'object') return x;
  const o = x as Record<string, unknown>;
  if (typeof o.start === 'number' && typeof o.end === 'number' && Object.keys(o).length === 2) return { start: o.start + offset, end: o.end + offset } as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = shiftSpans(v, offset);
  return out as T;
}

/** Items keyed by `key`: the child's replace the base's in place; new ones are appended. */
function overlay<T>(base: readonly T[], child: readonly T[], key: (t: T) => string): T[] {
  const out = [...base];
  for (const c of child) {
    const i = out.findIndex((b) => key(b) === key(c));
    if (i >= 0) out[i] = c;
    else out.push(c);
  }
  return out;
}

const assignKey = (a: RawAssign) => `${a.isAttr ? 'attr ' : ''}${a.name}`;

function mergeUnit(base: RawUnit, child: RawUnit): RawUnit {
  // a unit redeclared with another kind is a new unit: nothing of the base's fields carries over
  if (base.kind !== child.kind) return child;
  return { ...child, items: overlay(base.items, child.items, assignKey) };
}

/** The child target with `base` (spans already shifted) underneath it. */
export function mergeTargets(base: RawTarget, child: RawTarget): RawTarget {
  const units = [...base.units];
  for (const u of child.units) {
    const i = units.findIndex((b) => b.name === u.name && b.section === u.section);
    if (i >= 0) units[i] = mergeUnit(units[i]!, u);
    else units.push(u);
  }
  const merged: RawTarget = {
    name: child.name,
    nameSpan: child.nameSpan,
    description: child.description || base.description,
    params: overlay<RawParam>(base.params, child.params, (p) => p.name),
    assigns: overlay(base.assigns, child.assigns, assignKey),
    units,
    links: overlay(base.links, child.links, (l) => l.hops.map((h) => h.map((x) => x.name).join(',')).join('->')),
    span: child.span,
  };
  if (child.extends) merged.extends = child.extends;
  return merged;
}

/** Where each piece of a merged source came from: `offset` is where that file's text starts. */
export interface SourceSegment {
  offset: number;
  file?: string;
  text: string;
}

export type { Span };
