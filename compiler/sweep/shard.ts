// Splitting a sweep over n machines: every point gets an estimated cost, and the points are dealt
// largest first to the least-loaded shard (LPT; ties go to the lower point index and the lower shard),
// so the shards finish together and the same spec always gives the same split.
//
// The estimate: an analytic point costs about one mapping of each einsum (1 + 0.05 per einsum, in
// units of a small GEMM's point); a cycle point adds one unit per 2^16 MACs over the PE count of the
// point (its folds), with the PE count from its rows/cols/lanes parameters where it sets them, else
// the target's own.
import { analyzeCascade } from '../analysis';
import { UserError } from '../driver/user-error';
import { loadTargetSpec } from '../../targets/registry';
import { designFacts, loadWorkload } from './evaluate';
import type { Point } from './types';

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(s: string | undefined): Shard | undefined {
  if (s === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (!m) throw new UserError(`--shard ${s}: expected i/n with 0 <= i < n, e.g. 0/4`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (!(count >= 1 && index < count)) throw new UserError(`--shard ${s}: expected i/n with 0 <= i < n, e.g. 0/4 (shards are numbered from 0, as array task ids are)`);
  return { index, count };
}

export async function estimateCosts(points: readonly Point[]): Promise<Float64Array> {
  const work = new Map<string, { macs: number; einsums: number }>();
  const pes = new Map<string, number>();
  const out = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    let w = work.get(p.workload.id);
    if (!w) {
      const c = await loadWorkload(p.workload);
      const a = analyzeCascade(c);
      w = { macs: a.totals.macs, einsums: c.einsums.length };
      work.set(p.workload.id, w);
    }
    let cost = 1 + 0.05 * w.einsums;
    if (p.fidelity === 'cycle') {
      let pe = pes.get(p.target.id);
      if (pe === undefined) {
        pe = Math.max(1, designFacts(loadTargetSpec(p.target.ref, p.target.params)).pe_count ?? 1);
        pes.set(p.target.id, pe);
      }
      const num = (k: string) => (typeof p.params[k] === 'number' ? (p.params[k] as number) : undefined);
      const shaped = num('rows') !== undefined || num('cols') !== undefined || num('lanes') !== undefined;
      if (shaped) pe = (num('rows') ?? 1) * (num('cols') ?? 1) * (num('lanes') ?? 1);
      cost += w.macs / Math.max(1, pe) / 65536;
    }
    out[i] = cost;
  }
  return out;
}

/** The points of shard `s`, in enumeration order. */
export function shardPoints(points: readonly Point[], costs: Float64Array, s: Shard): Point[] {
  if (s.count === 1) return [...points];
  const order = points.map((_, i) => i).sort((a, b) => costs[b]! - costs[a]! || a - b);
  const load = new Float64Array(s.count);
  const owner = new Int32Array(points.length);
  for (const i of order) {
    let best = 0;
    for (let k = 1; k < s.count; k++) if (load[k]! < load[best]!) best = k;
    load[best]! += costs[i]!;
    owner[i] = best;
  }
  return points.filter((_, i) => owner[i] === s.index);
}
