// Index expressions in normal form: sum(coeff_v * v) + constant. Used for bounds, shapes,
// rank matching, pass counting and code generation.
import type { IndexExpr, Partition } from './types';

export interface Affine {
  /** index variable → integer coefficient (never 0) */
  coeffs: Map<string, number>;
  constant: number;
}

export type RankSizeOf = (rank: string) => number | undefined;

/** Returns null when the expression is not affine (a product of two variables) or names an unknown rank. */
export function toAffine(e: IndexExpr, sizeOf: RankSizeOf): Affine | null {
  switch (e.kind) {
    case 'ivar':
      return { coeffs: new Map([[e.name, 1]]), constant: 0 };
    case 'int':
      return { coeffs: new Map(), constant: e.value };
    case 'rsize': {
      const s = sizeOf(e.rank);
      return s === undefined ? null : { coeffs: new Map(), constant: s };
    }
    case 'gather':
      return null;
    case 'ibin': {
      const a = toAffine(e.a, sizeOf);
      const b = toAffine(e.b, sizeOf);
      if (!a || !b) return null;
      if (e.op === '*') {
        if (a.coeffs.size > 0 && b.coeffs.size > 0) return null;
        const [k, v] = a.coeffs.size === 0 ? [a.constant, b] : [b.constant, a];
        return scale(v, k);
      }
      return add(a, e.op === '+' ? b : scale(b, -1));
    }
  }
}

function scale(a: Affine, k: number): Affine {
  const coeffs = new Map<string, number>();
  if (k !== 0) for (const [v, c] of a.coeffs) coeffs.set(v, c * k);
  return { coeffs, constant: a.constant * k };
}

function add(a: Affine, b: Affine): Affine {
  const coeffs = new Map(a.coeffs);
  for (const [v, c] of b.coeffs) {
    const s = (coeffs.get(v) ?? 0) + c;
    if (s === 0) coeffs.delete(v);
    else coeffs.set(v, s);
  }
  return { coeffs, constant: a.constant + b.constant };
}

/** The variables of an index expression, in order of appearance. */
export function indexVars(e: IndexExpr, out: string[] = []): string[] {
  if (e.kind === 'ivar') {
    if (!out.includes(e.name)) out.push(e.name);
  } else if (e.kind === 'ibin') {
    indexVars(e.a, out);
    indexVars(e.b, out);
  } else if (e.kind === 'gather') for (const i of e.access.indices) indexVars(i, out);
  return out;
}

export interface PartitionInfo {
  parent: string;
  parentSize: number;
  /** part index variables, outer to inner */
  vars: string[];
  /** stride of each part in the parent coordinate: m = sum(vars[i] * strides[i]) */
  strides: number[];
}

export function partitionInfo(p: Partition, sizeOf: RankSizeOf): PartitionInfo {
  const sizes = p.parts.map((r) => sizeOf(r) ?? 1);
  const strides = sizes.map((_, i) => sizes.slice(i + 1).reduce((x, y) => x * y, 1));
  return {
    parent: p.parent,
    parentSize: sizeOf(p.parent) ?? 0,
    vars: p.parts.map((r) => r.toLowerCase()),
    strides,
  };
}

/**
 * If `a` contains every part variable of a partition with coefficients proportional to its strides
 * (m1*M0 + m0, or 2*(m1*M0 + m0)), returns that partition and the proportionality factor.
 */
export function matchRecomposition(a: Affine, parts: readonly PartitionInfo[]): { info: PartitionInfo; factor: number } | null {
  for (const info of parts) {
    const c0 = a.coeffs.get(info.vars[info.vars.length - 1]!);
    if (c0 === undefined) continue;
    if (info.vars.every((v, i) => a.coeffs.get(v) === c0 * info.strides[i]!)) return { info, factor: c0 };
  }
  return null;
}

/**
 * Inclusive range of an affine expression when each variable ranges over [0, size-1],
 * honouring the ragged-tile guard: a full recomposition of a partition ranges over [0, parent-1].
 */
export function affineRange(a: Affine, varSize: (v: string) => number, parts: readonly PartitionInfo[]): [number, number] {
  let lo = a.constant;
  let hi = a.constant;
  const rest = new Map(a.coeffs);
  for (let m = matchRecomposition(a, parts); m; m = matchRecomposition({ coeffs: rest, constant: 0 }, parts)) {
    for (const v of m.info.vars) rest.delete(v);
    const span = m.factor * (m.info.parentSize - 1);
    lo += Math.min(0, span);
    hi += Math.max(0, span);
  }
  for (const [v, c] of rest) {
    const span = c * (varSize(v) - 1);
    lo += Math.min(0, span);
    hi += Math.max(0, span);
  }
  return [lo, hi];
}

/**
 * How an index expression relates to a rank, for checking it against a tensor dimension:
 * - `var`: a single variable, possibly shifted (m1, m1+1);
 * - `recompose`: a full recomposition of a partition (m1*M0 + m0) → the parent rank;
 * - `const`: no variables;
 * - `other`: any other affine form (a sliding window p + r): only bounds are checked.
 */
export type IndexShape =
  | { kind: 'var'; name: string; shift: number }
  | { kind: 'recompose'; parent: string; shift: number }
  | { kind: 'const'; value: number }
  | { kind: 'other' };

export function classifyIndex(a: Affine, parts: readonly PartitionInfo[]): IndexShape {
  if (a.coeffs.size === 0) return { kind: 'const', value: a.constant };
  if (a.coeffs.size === 1) {
    const [[v, c]] = [...a.coeffs];
    if (c === 1) return { kind: 'var', name: v!, shift: a.constant };
  }
  const m = matchRecomposition(a, parts);
  if (m && m.factor === 1 && m.info.vars.length === a.coeffs.size) return { kind: 'recompose', parent: m.info.parent, shift: a.constant };
  return { kind: 'other' };
}
