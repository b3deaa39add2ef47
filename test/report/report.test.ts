// tessera report: what it reads, what it refuses, and what each chart holds (counted independently
// from the result JSON), plus the page's header (command, input hashes, version).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify, runSection, scheduleSection } from '../../compiler/report';
import { runCli } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'tessera-report-'));
const EIN = 'examples/gemm/gemm.ein';

async function jsonOf(args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli(args);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Record<string, unknown>;
}

describe('tessera report', () => {
  it('recognises run, schedule and validation results and nothing else', async () => {
    const run = await jsonOf(['run', EIN, '--target', 'systolic', '--json']);
    const sched = await jsonOf(['schedule', 'examples/schedule/block.ein', '--target', 'sn40l', '--json']);
    expect(classify(run)).toBe('run');
    expect(classify(sched)).toBe('schedule');
    expect(classify({ hello: 1 })).toMatch(/not a Tessera result/);
    expect(classify([1, 2])).toMatch(/not a JSON object/);
  });

  it('refuses a file that is not a result, is not JSON, or comes from a newer schema, with exit 1', async () => {
    const notJson = join(dir, 'a.json');
    writeFileSync(notJson, '{"target": ');
    const other = join(dir, 'b.json');
    writeFileSync(other, JSON.stringify({ name: 'x' }));
    const newer = join(dir, 'c.json');
    const run = await jsonOf(['run', EIN, '--target', 'systolic', '--json']);
    writeFileSync(newer, JSON.stringify({ ...run, schema: 'tessera-run/99' }));
    for (const [f, msg] of [[notJson, /not valid JSON/], [other, /not a Tessera result/], [newer, /newer than this Tessera reads/], [join(dir, 'missing.json'), /cannot read/]] as const) {
      const r = await runCli(['report', f, '-o', join(dir, 'x.html')]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/internal error|\n\s+at /);
    }
  });

  it('charts one bar per einsum, two per tier, and an energy split per einsum', async () => {
    const run = await jsonOf(['run', EIN, '--target', 'systolic', '--json']);
    const einsums = run.einsums as { energy: { levelsPj: Record<string, number> } }[];
    const s = runSection(run, {}, 'x');
    const byId = new Map(s.charts.map((c) => [c.id, c]));
    expect(byId.get('x-latency')!.points).toBe(einsums.length);
    expect(byId.get('x-traffic')!.points).toBe(2 * Object.keys(run.traffic as object).length);
    expect(byId.get('x-energy')!.points).toBe(einsums.reduce((n, e) => n + 2 + Object.keys(e.energy.levelsPj).length, 0));
    expect(s.notes.join(' ')).toMatch(/No roofline/);
  });

  it('groups a lowered model\'s einsums across layers, keeping every cycle', async () => {
    const ein = join(dir, 'l.ein');
    expect((await runCli(['lower', '--model', 'data/models/llama-2-7b.json', '--phase', 'decode', '--kv', '128', '--layers', '2', '-o', ein])).code).toBe(0);
    const run = await jsonOf(['run', ein, '--target', 'sn40l', '--json']);
    const einsums = run.einsums as { name: string; latencyCycles: number }[];
    expect(einsums.length).toBeGreaterThan(40);
    const lat = runSection(run, {}, 'x').charts.find((c) => c.id === 'x-latency')!;
    const rows = (lat.spec as { data: { values: { einsum: string; latency: number }[] } }).data.values;
    const keys = new Set(einsums.map((e) => e.name.replace(/^L\d+_/, 'L*_')));
    expect(lat.points).toBe(keys.size);
    expect(rows.map((r) => r.einsum)).toContain('L*_GATE ×2');
    const us = (cycles: number) => (cycles / ((run.latencyCycles as number) / (run.latencySeconds as number))) * 1e6;
    const gate = einsums.filter((e) => /^L\d+_GATE$/.test(e.name)).reduce((t, e) => t + e.latencyCycles, 0);
    expect(rows.find((r) => r.einsum === 'L*_GATE ×2')!.latency).toBeCloseTo(us(gate), 9);
    expect(rows.reduce((t, r) => t + r.latency, 0)).toBeCloseTo(us(einsums.reduce((t, e) => t + e.latencyCycles, 0)), 6);
  });

  it('shows the 40 longest of many unrelated einsums and sums the rest in one bar', () => {
    const einsums = Array.from({ length: 100 }, (_, i) => ({ name: `E${i}`, unit: 'PE', latencyCycles: i + 1, energyPj: null, traffic: {} }));
    const run = { target: 't', workload: 'w', fidelity: 'analytic', latencyCycles: 5050, latencySeconds: 5050e-9, energyPj: null, traffic: {}, einsums, warnings: [] };
    const lat = runSection(run, {}, 'x').charts.find((c) => c.id === 'x-latency')!;
    const rows = (lat.spec as { data: { values: { einsum: string; latency: number }[] } }).data.values;
    expect(lat.points).toBe(41);
    expect(rows.slice(0, 40).map((r) => r.einsum)).toEqual(Array.from({ length: 40 }, (_, i) => `E${60 + i}`));
    expect(rows[40]).toEqual({ einsum: 'other (60 einsums)', unit: 'PE', latency: ((60 * 61) / 2) * 1e-3 });
  });

  it('draws a schedule as a Gantt chart with one bar per placement and an address map', async () => {
    const s = await jsonOf(['schedule', 'examples/schedule/block.ein', '--target', 'sn40l', '--json']);
    const placements = (s.schedule as { placements: unknown[] }).placements.length;
    const sec = scheduleSection(s, 's');
    expect(sec.charts.find((c) => c.id === 's-gantt')!.points).toBe(placements);
    expect(sec.charts.find((c) => c.id === 's-addresses')!.points).toBe(placements);
  });

  it('writes one self-contained page whose header names the command, each input hash and the version', async () => {
    const run = await jsonOf(['run', EIN, '--target', 'systolic', '--json']);
    const f = join(dir, 'run.json');
    writeFileSync(f, JSON.stringify(run));
    const out = join(dir, 'r.html');
    const r = await runCli(['report', f, '-o', out]);
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(createHash('sha256').update(readFileSync(f)).digest('hex'));
    expect(html).toContain(`tessera report ${f} -o ${out}`);
    expect(html).toContain(`Tessera ${JSON.parse(readFileSync('package.json', 'utf8')).version}`);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // nothing fetched: works offline
    expect(html).toContain('vegaEmbed');
  });

  it('validate gpu --report writes the report page: the measurement file hashed in its header, one point per kernel', async () => {
    const m = 'native/measurements/published/h100-vidur-llama2-7b-linear.json';
    const out = join(dir, 'v.html');
    const r = await runCli(['validate', 'gpu', '--measurements', m, '--report', out]);
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(createHash('sha256').update(readFileSync(m)).digest('hex'));
    expect(html).toContain(`tessera validate gpu --measurements ${m} --report ${out}`);
    const v = await jsonOf(['validate', 'gpu', '--measurements', m, '--json']);
    const charts = JSON.parse(/<script type="application\/json" id="tessera-charts">(.*?)<\/script>/s.exec(html)![1]!) as { id: string; points: number }[];
    expect(charts.find((c) => c.id === 'r0-pvm')!.points).toBe((v.points as unknown[]).length);
  });
});
