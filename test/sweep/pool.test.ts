// The worker pool's grouping: the points of one design (same target and parameters, any workload or
// fidelity) are handed out together, so a worker builds that design's target once. Checked on the
// small spec's space: the groups partition the points, each group is one design, and no design is
// split over two groups; then a sweep evaluated group by group (its target reused within a group)
// stores, for every point, exactly what the pipeline computes on that point alone.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCascadeFile } from '../../compiler/lang';
import { runPipeline } from '../../compiler/driver/pipeline';
import { SweepDb } from '../../compiler/sweep/db';
import { groupByDesign } from '../../compiler/sweep/pool';
import { runSweep } from '../../compiler/sweep/run';
import { designKey, enumeratePoints } from '../../compiler/sweep/space';
import { loadSweepSpec } from '../../compiler/sweep/spec';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'sweep');
const tmp = mkdtempSync(join(tmpdir(), 'tessera-pool-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('grouping by design', () => {
  const points = enumeratePoints(loadSweepSpec(join(FIX, 'small.yaml')));
  const { points: ordered, starts } = groupByDesign(points, designKey);

  it('partitions the points into groups of one design each, every design in one group', () => {
    expect(ordered.map((p) => p.key).sort()).toEqual(points.map((p) => p.key).sort());
    expect(starts[0]).toBe(0);
    expect(starts[starts.length - 1]).toBe(points.length);
    const seen = new Set<string>();
    for (let g = 0; g + 1 < starts.length; g++) {
      const members = ordered.slice(starts[g], starts[g + 1]);
      expect(members.length).toBeGreaterThan(0);
      const params = JSON.stringify(Object.entries(members[0]!.params).sort());
      for (const p of members) expect(JSON.stringify(Object.entries(p.params).sort())).toBe(params);
      expect(seen.has(params)).toBe(false);
      seen.add(params);
    }
    // the small spec crosses two fidelities: each design is one analytic and one cycle point
    expect(starts.length - 1).toBe(points.length / 2);
  });

  it('keys a design by target and parameter values, whatever their order', () => {
    const p = points[0]!;
    const shuffled = { ...p, params: Object.fromEntries(Object.entries(p.params).reverse()) };
    expect(designKey(shuffled)).toBe(designKey(p));
    expect(designKey({ ...p, params: { ...p.params, rows: 999 } })).not.toBe(designKey(p));
    expect(designKey({ ...p, target: { ...p.target, ref: 'eyeriss-like' } })).not.toBe(designKey(p));
  });
});

it('a sweep that reuses each design target over its points stores what each point gives alone', async () => {
  // one design (rows = cols = 8), two workloads, two fidelities: four points on one target
  const spec = join(tmp, 'one-design.yaml');
  copyFileSync(join(FIX, 'gemm-small.ein'), join(tmp, 'a.ein'));
  writeFileSync(join(tmp, 'b.ein'), 'rank M = 16, N = 8, K = 32\ninput A[M, K]: int8\nweight B[K, N]: int8\nC[m, n] = A[m, k] * B[k, n]\noutput C\n');
  writeFileSync(spec, 'targets: [systolic]\nworkloads: [a.ein, b.ein]\nparameters:\n  rows: [8]\n  cols: [8]\nfidelity: [analytic, cycle]\n');
  const file = join(tmp, 'one.duckdb');
  await runSweep({ spec, db: file, workers: 1, progress: 'none' });
  const db = await SweepDb.open(file, { readOnly: true });
  const rows = await db.rows();
  await db.close();
  expect(rows).toHaveLength(4);
  for (const r of rows) {
    expect(r.status, r.message ?? '').toBe('ok');
    const alone = await runPipeline(loadCascadeFile(join(tmp, r.workload)), { target: 'systolic', params: { rows: 8, cols: 8 }, fidelity: r.fidelity as 'analytic' | 'cycle', objective: 'latency', seed: 1 });
    expect(r.latency_cycles).toBe(alone.latencyCycles);
    expect(r.energy_pj).toBeCloseTo(alone.energyPj!, 6);
    expect(JSON.parse(r.traffic_json!)).toEqual(alone.traffic);
  }
}, 120_000);
