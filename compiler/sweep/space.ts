// The design space of a spec, enumerated in one fixed order: the parameter grid (last axis fastest),
// each grid point crossed with the samples of the sampled axes (seeded uniform or Latin hypercube),
// then the explicit points; constraints filter these assignments; the survivors are crossed with
// targets x workloads x fidelities. Same spec, same points, same order, same keys.
import { createHash } from 'node:crypto';
import { uniformRng } from '../ir/prng';
import { UserError } from '../driver/user-error';
import { compileConstraint, valueOf } from './expr';
import type { Axis, Params, ParamValue, Point, SweepSpec } from './types';

type Sampled = Extract<Axis, { kind: 'sampled' }>;

function gridAssignments(axes: Axis[]): Params[] {
  let out: Params[] = [{}];
  for (const a of axes) {
    if (a.kind !== 'grid') continue;
    const next: Params[] = [];
    for (const p of out) for (const v of a.values) next.push({ ...p, [a.name]: v });
    out = next;
  }
  return out;
}

/** `count` samples of the sampled axes: each axis drawn in [0, 1), then mapped onto its range. */
export function sampleUnit(method: 'random' | 'lhs', count: number, dims: number, seed: number): number[][] {
  const rng = uniformRng(seed);
  const out = Array.from({ length: count }, () => new Array<number>(dims).fill(0));
  for (let d = 0; d < dims; d++) {
    if (method === 'random') {
      for (let i = 0; i < count; i++) out[i]![d] = rng();
      continue;
    }
    // Latin hypercube: one sample in each of `count` equal strata per axis, strata shuffled per axis
    const perm = Array.from({ length: count }, (_, i) => i);
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    for (let i = 0; i < count; i++) out[i]![d] = (perm[i]! + rng()) / count;
  }
  return out;
}

function sampledValue(a: Sampled, u: number): ParamValue {
  let v = a.scale === 'log' ? Math.exp(Math.log(a.min) + u * (Math.log(a.max) - Math.log(a.min))) : a.min + u * (a.max - a.min);
  v = a.integer ? Math.min(Math.floor(a.max), Math.max(Math.ceil(a.min), Math.round(v))) : Number(v.toPrecision(6));
  return a.unit ? `${v} ${a.unit}` : v;
}

/** Every parameter assignment before constraints. */
export function assignments(spec: SweepSpec): Params[] {
  const grid = spec.axes.some((a) => a.kind === 'grid') || !spec.points.length ? gridAssignments(spec.axes) : [];
  const sampled = spec.axes.filter((a): a is Sampled => a.kind === 'sampled');
  let out = grid;
  if (sampled.length && spec.sample) {
    const u = sampleUnit(spec.sample.method, spec.sample.count, sampled.length, spec.sample.seed);
    out = grid.flatMap((g) => u.map((row) => ({ ...g, ...Object.fromEntries(sampled.map((a, d) => [a.name, sampledValue(a, row[d]!)])) })));
  }
  return [...out, ...spec.points];
}

/** The assignments that meet every constraint; an empty result is a UserError that says why. */
export function constrained(spec: SweepSpec): Params[] {
  const all = assignments(spec);
  const names = [...new Set([...spec.axes.map((a) => a.name), ...spec.points.flatMap((p) => Object.keys(p))])];
  const cs = spec.constraints.map((text) => ({ text, c: compileConstraint(text, names), rejects: 0 }));
  const kept: Params[] = [];
  for (const p of all) {
    const env = (n: string) => (p[n] === undefined ? undefined : valueOf(p[n]!));
    let ok = true;
    for (const c of cs) {
      let pass: boolean;
      try {
        pass = c.c.eval(env);
      } catch (e) {
        throw new UserError(`${spec.file}: constraint "${c.text}" cannot be evaluated at ${JSON.stringify(p)}: ${(e as Error).message}`);
      }
      if (!pass) {
        c.rejects++;
        ok = false;
      }
    }
    if (ok) kept.push(p);
  }
  if (!kept.length) throw new UserError(emptyExplanation(spec, all.length, cs));
  return kept;
}

function emptyExplanation(spec: SweepSpec, total: number, cs: { text: string; rejects: number }[]): string {
  if (total === 0) return `${spec.file}: the design space is empty: no parameter assignment was generated`;
  const lines = cs.map((c) => `  "${c.text}" rejects ${c.rejects} of ${total}`);
  const each = cs.every((c) => c.rejects < total);
  return `${spec.file}: the design space is empty: none of its ${total} points meets every constraint\n${lines.join('\n')}\n${each ? 'each constraint alone leaves some points, so they contradict each other; relax one' : 'a constraint that rejects every point is too strict for these axes'}`;
}

export function pointKey(p: Omit<Point, 'key' | 'idx'>): string {
  const params = Object.fromEntries(Object.entries(p.params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const canon = JSON.stringify([p.target.id, p.workload.id, params, p.fidelity, p.objective, p.schedule, p.seed]);
  return createHash('sha256').update(canon).digest('hex').slice(0, 24);
}

/**
 * What identifies a point's design: its target and every parameter value. Points of one design differ
 * only in workload or fidelity; the pool hands them to one worker together (pool.ts groupByDesign).
 */
export function designKey(p: Pick<Point, 'target' | 'params'>): string {
  const names = Object.keys(p.params).sort();
  return JSON.stringify([p.target.ref, names, names.map((n) => p.params[n])]);
}

/** Every point of the spec, in enumeration order. */
export function enumeratePoints(spec: SweepSpec): Point[] {
  const params = constrained(spec);
  const out: Point[] = [];
  const seen = new Set<string>();
  for (const target of spec.targets)
    for (const workload of spec.workloads)
      for (const fidelity of spec.fidelities)
        for (const p of params) {
          const base = { target, workload, params: { ...target.params, ...p }, fidelity, objective: spec.objective, schedule: spec.schedule, seed: spec.seed };
          const key = pointKey(base);
          if (seen.has(key)) continue; // an explicit point equal to a grid point runs once
          seen.add(key);
          out.push({ ...base, key, idx: out.length });
        }
  return out;
}
