// tessera sweep, in process: the space a spec describes, the shards, what the database holds (checked
// against the pipeline run directly on the point), export, the Pareto front (against a brute-force
// dominance check written here), and merging shards (equal to one run, idempotent).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCascadeFile } from '../../compiler/lang';
import { runPipeline } from '../../compiler/driver/pipeline';
import { SweepDb } from '../../compiler/sweep/db';
import { exportSweep } from '../../compiler/sweep/export';
import { paretoFront } from '../../compiler/sweep/pareto';
import { runSweep } from '../../compiler/sweep/run';
import { estimateCosts, shardPoints } from '../../compiler/sweep/shard';
import { enumeratePoints } from '../../compiler/sweep/space';
import { loadSweepSpec } from '../../compiler/sweep/spec';
import type { Row } from '../../compiler/sweep/types';
import { runCli } from '../helpers/cli';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'sweep');
const SMALL = join(FIX, 'small.yaml');
let tmp: string;
let full: Row[];

/** A row without its timing, the one field two runs of the same point may differ in. */
const content = (r: Row) => ({ ...r, eval_ms: 0 });

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tessera-sweep-'));
  await runSweep({ spec: SMALL, db: join(tmp, 'full.duckdb'), workers: 2, progress: 'none' });
  const db = await SweepDb.open(join(tmp, 'full.duckdb'), { readOnly: true });
  full = await db.rows();
  await db.close();
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the design space of a spec', () => {
  const points = enumeratePoints(loadSweepSpec(SMALL));

  it('is the constrained grid times the samples times the fidelities, plus the explicit point', () => {
    // rows x cols = 3 x 3 minus 16x16 (over 128 PEs) = 8; x 2 dataflows x 4 samples x 2 fidelities; + 1 point x 2
    expect(points.length).toBe(8 * 2 * 4 * 2 + 2);
    expect(new Set(points.map((p) => p.key)).size).toBe(points.length);
    for (const p of points) expect(Number(p.params.rows) * Number(p.params.cols)).toBeLessThanOrEqual(128);
    expect(enumeratePoints(loadSweepSpec(SMALL)).map((p) => p.key)).toEqual(points.map((p) => p.key));
  });

  it('samples the bandwidth as a Latin hypercube: one sample in each quarter of the log range', () => {
    const bw = [...new Set(points.filter((p) => p.params.dataflow !== 'diagonal').map((p) => String(p.params.dram_bandwidth)))];
    expect(bw).toHaveLength(4);
    const strata = bw.map((s) => Math.floor(((Math.log(parseFloat(s)) - Math.log(2)) / (Math.log(40) - Math.log(2))) * 4)).sort();
    expect(strata).toEqual([0, 1, 2, 3]);
  });

  it('splits into shards that partition it, the same way every time, balanced by estimated cost', async () => {
    const costs = await estimateCosts(points);
    const shards = [0, 1, 2, 3].map((index) => shardPoints(points, costs, { index, count: 4 }));
    expect(shards.flat().map((p) => p.key).sort()).toEqual(points.map((p) => p.key).sort());
    expect(shardPoints(points, costs, { index: 2, count: 4 }).map((p) => p.key)).toEqual(shards[2]!.map((p) => p.key));
    const cost = (ps: typeof points) => ps.reduce((s, p) => s + costs[p.idx]!, 0);
    const loads = shards.map(cost);
    // greedy largest-first: no shard exceeds another by more than the largest single point
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(Math.max(...costs) + 1e-9);
    // cycle points cost more than analytic ones, so they are spread, not dealt by count alone
    expect(Math.max(...costs)).toBeGreaterThan(Math.min(...costs));
  });
});

describe('the database', () => {
  it('holds every point once, with the metrics the pipeline gives that point', async () => {
    expect(full).toHaveLength(130);
    const points = enumeratePoints(loadSweepSpec(SMALL));
    const c = loadCascadeFile(join(FIX, 'gemm-small.ein'));
    for (const i of [0, 17, 63, 65, 101, 128]) {
      const p = points[i]!;
      const row = full.find((r) => r.key === p.key)!;
      expect(row.status, row.message ?? '').toBe('ok');
      const r = await runPipeline(c, { target: 'systolic', params: p.params, fidelity: p.fidelity, objective: 'latency', seed: 1 });
      expect(row.latency_cycles).toBe(r.latencyCycles);
      expect(row.energy_pj).toBeCloseTo(r.energyPj!, 6);
      expect(JSON.parse(row.traffic_json!)).toEqual(r.traffic);
      expect(JSON.parse(row.params)).toEqual(p.params);
      expect(row.pe_count).toBe(Number(p.params.rows) * Number(p.params.cols));
      expect(row.area_mm2).toBeNull(); // systolic.arch states no area: unknown, not 0
    }
  });

  it('records a failing point with its status and message, and the sweep goes on', async () => {
    const bad = full.filter((r) => r.status !== 'ok');
    expect(bad).toHaveLength(2);
    for (const r of bad) {
      expect(r.status).toBe('error');
      expect(r.message).toMatch(/'dataflow' must be one of os, ws, is/);
      expect(r.latency_cycles).toBeNull();
    }
    const fit = join(tmp, 'fit.duckdb');
    await runSweep({ spec: join(FIX, 'fit.yaml'), db: fit, workers: 1, progress: 'none' });
    const db = await SweepDb.open(fit, { readOnly: true });
    const rows = await db.rows();
    await db.close();
    expect(rows.map((r) => [JSON.parse(r.params).glb, r.status])).toEqual([
      ['64 B', 'does-not-fit'],
      ['64 KiB', 'ok'],
    ]);
    expect(rows[0]!.message).toMatch(/does not fit/);
  });

  it('refuses to add to a database without --resume, and to resume another sweep', async () => {
    const again = await runCli(['sweep', SMALL, '--db', join(tmp, 'full.duckdb'), '--quiet']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds 130 points; add --resume/);
    const other = await runCli(['sweep', join(FIX, 'fit.yaml'), '--db', join(tmp, 'full.duckdb'), '--resume', '--quiet']);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/holds another sweep/);
  });
});

describe('export, pareto, merge', () => {
  it('exports one row per point with a column per parameter, unit and level (CSV and Parquet)', async () => {
    const csv = join(tmp, 'out.csv');
    expect(await exportSweep(join(tmp, 'full.duckdb'), { csv })).toBe(130);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(131);
    const head = lines[0]!.split(',');
    for (const col of ['key', 'status', 'latency_cycles', 'energy_pj', 'rows', 'cols', 'dataflow', 'dram_bandwidth', 'util_PE', 'traffic_DRAM_read_bytes', 'traffic_GLB_write_bytes']) expect(head).toContain(col);
    const first = Object.fromEntries(head.map((h, k) => [h, lines[1]!.split(',')[k]]));
    expect(Number(first.latency_cycles)).toBe(full[0]!.latency_cycles);
    const pq = join(tmp, 'out.parquet');
    await exportSweep(join(tmp, 'full.duckdb'), { parquet: pq });
    const db = await SweepDb.open(join(tmp, 'scratch.duckdb'));
    const n = await db.conn.runAndReadAll(`SELECT count(*) AS n, sum(latency_cycles) AS s FROM read_parquet('${pq}')`);
    await db.close();
    expect(Number(n.getRowObjects()[0]!.n)).toBe(130);
    expect(Number(n.getRowObjects()[0]!.s)).toBe(full.reduce((s, r) => s + (r.latency_cycles ?? 0), 0));
  });

  it('ranks the Pareto front: exactly the ok points no other ok point dominates', async () => {
    for (const metrics of [['latency', 'energy'], ['latency', 'energy', 'utilization']]) {
      const front = new Set(paretoFront(full, metrics).map((r) => r.key));
      const col = { latency: 'latency_seconds', energy: 'energy_pj', utilization: 'utilization' } as const;
      const v = (r: Row) => metrics.map((m) => (m === 'utilization' ? -1 : 1) * (r[col[m as keyof typeof col]] as number));
      const ok = full.filter((r) => r.status === 'ok');
      const brute = ok.filter((a) => !ok.some((b) => v(b).every((x, k) => x <= v(a)[k]!) && v(b).some((x, k) => x < v(a)[k]!)));
      expect([...front].sort()).toEqual(brute.map((r) => r.key).sort());
      expect(front.size).toBeGreaterThan(0);
    }
    const cli = await runCli(['sweep', 'pareto', '--db', join(tmp, 'full.duckdb'), '--x', 'latency', '--y', 'area']);
    expect(cli.code).toBe(1);
    expect(cli.err).toMatch(/no point has area_mm2/);
    const bad = await runCli(['sweep', 'pareto', '--db', join(tmp, 'full.duckdb'), '--x', 'speed', '--y', 'energy']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/unknown metric; the metrics are latency/);
  });

  it('merges shard databases into the same rows as one run, and merging twice changes nothing', async () => {
    const shards = [0, 1].map((i) => join(tmp, `shard-${i}.duckdb`));
    for (const [i, f] of shards.entries()) await runSweep({ spec: SMALL, db: f, workers: 1, shard: { index: i, count: 2 }, progress: 'none' });
    const merged = join(tmp, 'merged.duckdb');
    const first = await runCli(['sweep', 'merge', '--db', merged, ...shards]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/130 points added from 2 databases, 130 in all/);
    const second = await runCli(['sweep', 'merge', '--db', merged, ...shards]);
    expect(second.out).toMatch(/0 points added from 2 databases, 130 in all/);
    const db = await SweepDb.open(merged, { readOnly: true });
    const rows = await db.rows();
    await db.close();
    expect(rows.map(content)).toEqual(full.map(content));
  }, 120_000);
});
