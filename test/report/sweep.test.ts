// tessera report on a sweep database: what the Pareto and per-parameter charts hold (checked against
// a brute-force front and min/median/max computed here from the rows), and what it refuses: a DuckDB
// file that is not a sweep database, one from a newer schema, and a file that is not DuckDB at all.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { isDuckDbFile, readSweepDoc, sweepSection, type SweepDoc } from '../../compiler/report';
import { runCli } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'tessera-report-sweep-'));
const db = join(dir, 'small.duckdb');
let doc: SweepDoc;

type Vals = { values: Record<string, string | number | null>[] };

beforeAll(async () => {
  const spec = join(dir, 'small.yaml');
  writeFileSync(
    spec,
    [
      'name: small',
      `targets: [${resolve('examples/dse/design.arch')}]`,
      `workloads: [${resolve('examples/dse/gemm.ein')}]`,
      'parameters:',
      '  rows: [8, 16, 32]',
      '  glb: [32 KiB, 128 KiB]',
      '  dataflow: [os, ws]',
      'fidelity: analytic',
    ].join('\n') + '\n',
  );
  const r = await runCli(['sweep', spec, '--db', db, '--quiet', '--workers', '1']);
  expect(r.code, r.err).toBe(0);
  doc = await readSweepDoc(db);
}, 120_000);

describe('tessera report on a sweep database', () => {
  it('plots every finished point, marks exactly the brute-force Pareto front, and lists each point\'s parameters', () => {
    const ok = doc.rows.filter((r) => r.status === 'ok');
    expect(ok.length).toBe(12);
    const s = sweepSection(doc, 's');
    const pareto = s.charts.find((c) => c.id === 's-pareto')!;
    expect(pareto.points).toBe(ok.length);
    const [front, points] = (pareto.spec as unknown as { layer: [{ data: Vals }, { data: Vals }] }).layer.map((l) => l.data.values);
    // brute force: a point is on the front when no other is <= on latency, energy, on-chip bytes and < on one
    const m = (r: (typeof ok)[number]) => [r.latency_seconds!, r.energy_pj!, r.onchip_bytes!];
    const expected = ok.filter((a) => !ok.some((b) => m(b).every((v, i) => v <= m(a)[i]!) && m(b).some((v, i) => v < m(a)[i]!))).map((r) => `#${r.idx}`);
    expect(points!.filter((p) => p.front === 'on the front').map((p) => p.point).sort()).toEqual([...expected].sort());
    // the line: the front over the two plotted metrics alone (latency and energy)
    const m2 = (r: (typeof ok)[number]) => [r.latency_seconds!, r.energy_pj!];
    const expected2 = ok.filter((a) => !ok.some((b) => m2(b).every((v, i) => v <= m2(a)[i]!) && m2(b).some((v, i) => v < m2(a)[i]!))).map((r) => `#${r.idx}`);
    expect(front!.map((p) => p.point).sort()).toEqual([...expected2].sort());
    for (const p of points!) {
      const row = ok.find((r) => `#${r.idx}` === p.point)!;
      const params = JSON.parse(row.params) as Record<string, string | number>;
      for (const [k, v] of Object.entries(params)) expect(p[`param ${k}`]).toBe(v);
      expect(p['energy (J)']).toBeCloseTo(row.energy_pj! * 1e-12, 20);
    }
    const tips = ((pareto.spec as unknown as { layer: { encoding: { tooltip?: { title: string }[] } }[] }).layer[1]!.encoding.tooltip ?? []).map((t) => t.title);
    expect(tips).toEqual(expect.arrayContaining(['point', 'rows', 'glb', 'dataflow', 'latency (s)', 'energy (J)']));
    expect(s.notes.join(' ')).toMatch(/No area/);
  });

  it('draws each metric against each swept parameter: best, median and worst per value', () => {
    const ok = doc.rows.filter((r) => r.status === 'ok');
    const s = sweepSection(doc, 's');
    const lat = s.charts.find((c) => c.id === 's-by-latency')!;
    const rows = (lat.spec as unknown as { data: Vals }).data.values;
    expect(lat.points).toBe((3 + 2 + 2) * 3);
    expect(rows.length).toBe(lat.points);
    const at16 = ok.filter((r) => (JSON.parse(r.params) as { rows: number }).rows === 16).map((r) => r.latency_seconds!).sort((a, b) => a - b);
    const get = (stat: string) => rows.find((r) => r.parameter === 'rows' && r.value === '16' && r.stat === stat)!['latency (s)'];
    expect(get('best')).toBe(at16[0]);
    expect(get('worst')).toBe(at16[at16.length - 1]);
    expect(get('median')).toBe((at16[1]! + at16[2]!) / 2);
    const util = (s.charts.find((c) => c.id === 's-by-utilization')!.spec as unknown as { data: Vals }).data.values;
    const u16 = ok.filter((r) => (JSON.parse(r.params) as { rows: number }).rows === 16).map((r) => r.utilization!);
    expect(util.find((r) => r.parameter === 'rows' && r.value === '16' && r.stat === 'best')!.utilization).toBe(Math.max(...u16)); // utilisation: higher is better
    expect(s.charts.some((c) => c.id === 's-by-area')).toBe(false); // no target states an area: no area chart, never zeros
  });

  it('tessera report DB -o page.html writes the page with the database hash in its header', async () => {
    const out = join(dir, 'p.html');
    const r = await runCli(['report', db, '-o', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/sweep /);
    const html = readFileSync(out, 'utf8');
    const { createHash } = await import('node:crypto');
    expect(html).toContain(createHash('sha256').update(readFileSync(db)).digest('hex'));
    expect(html).toContain('Pareto front: latency × energy × onchip_bytes');
  });

  it('refuses a DuckDB file that is not a sweep, a newer sweep schema, and a non-result file, with exit 1', async () => {
    const other = join(dir, 'other.duckdb');
    const newer = join(dir, 'newer.duckdb');
    const inst = await DuckDBInstance.create(other);
    const c = await inst.connect();
    await c.run('CREATE TABLE t (x INTEGER)');
    c.closeSync();
    inst.closeSync();
    const { copyFileSync } = await import('node:fs');
    copyFileSync(db, newer);
    const inst2 = await DuckDBInstance.create(newer);
    const c2 = await inst2.connect();
    await c2.run("INSERT OR REPLACE INTO meta VALUES ('schema', 'tessera-sweep/2')");
    c2.closeSync();
    inst2.closeSync();
    const truncated = join(dir, 'truncated.duckdb');
    writeFileSync(truncated, readFileSync(db).subarray(0, 8192)); // a DuckDB header, then nothing
    const binary = join(dir, 'random.bin');
    writeFileSync(binary, Buffer.from([0, 1, 2, 3, 255, 254, 9, 9, 9, 9, 9, 9, 9, 9]));
    expect(isDuckDbFile(db)).toBe(true);
    expect(isDuckDbFile(binary)).toBe(false);
    for (const [f, msg] of [[other, /not a sweep database/], [newer, /tessera-sweep\/2' is newer than this Tessera reads/], [truncated, /cannot open as a DuckDB database/], [binary, /not a Tessera result/]] as const) {
      const r = await runCli(['report', f, '-o', join(dir, 'x.html')]);
      expect(r.code, f).toBe(1);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/internal error|\n\s+at /);
    }
  });

  it('with areas: the front is over latency, energy and area (area as the size), and area gets its own view', () => {
    // synthetic rows: area grows with the PE count; the oracle is a brute-force front over the three metrics
    const rows = doc.rows.map((r, i) => ({ ...r, area_mm2: r.pe_count! * 0.01 + (i % 3) }));
    const s = sweepSection({ rows, meta: doc.meta }, 'a');
    const pareto = s.charts.find((c) => c.id === 'a-pareto')!;
    expect(pareto.title).toBe('Pareto front: latency × energy × area');
    const layer = (pareto.spec as unknown as { layer: { data: Vals; encoding: { size?: { field: string } } }[] }).layer[1]!;
    expect(layer.encoding.size!.field).toBe('area (mm²)');
    const m = (r: (typeof rows)[number]) => [r.latency_seconds!, r.energy_pj!, r.area_mm2];
    const expected = rows.filter((a) => !rows.some((b) => m(b).every((v, i) => v <= m(a)[i]!) && m(b).some((v, i) => v < m(a)[i]!))).map((r) => `#${r.idx}`);
    expect(layer.data.values.filter((p) => p.front === 'on the front').map((p) => p.point).sort()).toEqual(expected.sort());
    expect(s.charts.some((c) => c.id === 'a-by-area')).toBe(true);
    expect(s.notes.join(' ')).not.toMatch(/No area/);
  });

  it('--pareto picks the metrics; an unknown, repeated or absent metric is a plain error, exit 1', async () => {
    const s = sweepSection(doc, 'p', ['latency', 'utilization']);
    const pareto = s.charts.find((c) => c.id === 'p-pareto')!;
    expect(pareto.title).toBe('Pareto front: latency × utilization');
    const pts = (pareto.spec as unknown as { layer: { data: Vals }[] }).layer[1]!.data.values;
    const ok = doc.rows.filter((r) => r.status === 'ok');
    // utilisation is maximised: a point is on the front unless another is no slower, no less utilised, and better in one
    const dominated = (a: (typeof ok)[number]) => ok.some((b) => b.latency_seconds! <= a.latency_seconds! && b.utilization! >= a.utilization! && (b.latency_seconds! < a.latency_seconds! || b.utilization! > a.utilization!));
    expect(pts.filter((p) => p.front === 'on the front').map((p) => p.point).sort()).toEqual(ok.filter((r) => !dominated(r)).map((r) => `#${r.idx}`).sort());
    const out = join(dir, 'q.html');
    expect((await runCli(['report', db, '-o', out, '--pareto', 'latency,offchip,utilization'])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('Pareto front: latency × offchip × utilization');
    for (const [v, msg] of [['latency,speed', /unknown metric speed/], ['latency,latency', /two or three different metrics/], ['latency', /two or three/], ['latency,area', /no finished point of this sweep has area/]] as const) {
      const r = await runCli(['report', db, '-o', out, '--pareto', v]);
      expect(r.code, v).toBe(1);
      expect(r.err).toMatch(msg);
    }
    const run = join(dir, 'run.json');
    writeFileSync(run, (await runCli(['run', 'examples/gemm/gemm.ein', '--target', 'systolic', '--json'])).out);
    const r = await runCli(['report', run, '-o', out, '--pareto', 'latency,energy']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no input is a sweep database/);
  });

  it('a sweep over two fidelities draws fidelity as a swept parameter, in the tooltips and the per-parameter views', () => {
    const cycle = doc.rows.map((r) => ({ ...r, key: `${r.key}c`, idx: r.idx + 100, fidelity: 'cycle', latency_seconds: r.latency_seconds! * 1.25 }));
    const s = sweepSection({ rows: [...doc.rows, ...cycle], meta: doc.meta }, 'f');
    const pareto = s.charts.find((c) => c.id === 'f-pareto')!;
    const layer = (pareto.spec as unknown as { layer: { data: Vals; encoding: { tooltip: { title: string }[] } }[] }).layer[1]!;
    expect(layer.encoding.tooltip.map((t) => t.title)).toContain('fidelity');
    expect(layer.data.values.find((p) => p.point === '#103')!['param fidelity']).toBe('cycle');
    expect(layer.encoding.tooltip.map((t) => t.title)).not.toContain('target'); // one target: not a swept coordinate
    const rows = (s.charts.find((c) => c.id === 'f-by-latency')!.spec as unknown as { data: Vals }).data.values;
    const best = (f: string) => rows.find((r) => r.parameter === 'fidelity' && r.value === f && r.stat === 'best')!['latency (s)'] as number;
    expect(best('cycle')).toBeCloseTo(best('analytic') * 1.25, 15); // every cycle point is its analytic twin x 1.25
  });
});
