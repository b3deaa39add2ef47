// schedule --trace: besides lifetimes, reloads and spills (test/sim/trace-schedule.test.ts), counter tracks
// of the SRAM's occupancy at each step and of each tier's transfers, checked against the --json schedule:
// the bytes of the tensors whose placement covers a step, and of the loads and spills each step lists.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { occupancyCounter, transferCounter } from '../../compiler/driver/schedule-trace';
import { runCli } from '../helpers/cli';

type Ev = { ph: string; name: string; ts: number; args?: Record<string, number> };
interface Sched {
  tiers: { name: string }[];
  budget: { bytes: number };
  tensors: { name: string; bytes: number }[];
  schedule: { steps: { step: number; loads: string[]; spills: string[] }[]; placements: { tensor: string; start: number; end: number }[] };
}

describe('schedule --trace counters', () => {
  it('SRAM occupancy per step and bytes moved per tier equal the schedule\'s own', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tessera-strace-')), 's.json');
    const args = ['schedule', 'examples/schedule/block.ein', '--target', 'sn40l'];
    const traced = await runCli([...args, '--trace', file]);
    expect(traced.code).toBe(0);
    expect(traced.err).not.toMatch(/cut for size/);
    const r = JSON.parse((await runCli([...args, '--json'])).out) as Sched;
    const ev = (JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: Ev[] }).traceEvents;
    const size = new Map(r.tensors.map((t) => [t.name, t.bytes]));
    const sram = r.tiers[0]!.name;
    const occ = ev.filter((e) => e.ph === 'C' && e.name === occupancyCounter(sram));
    expect(occ).toHaveLength(r.schedule.steps.length + 1);
    for (const s of r.schedule.steps) {
      const placed = r.schedule.placements.filter((p) => p.start <= s.step && s.step <= p.end).reduce((a, p) => a + size.get(p.tensor)!, 0);
      const sample = occ.find((e) => e.ts === s.step)!;
      expect(sample.args!.placed).toBe(placed);
      expect(sample.args!.budget).toBe(r.budget.bytes);
      expect(placed).toBeLessThanOrEqual(r.budget.bytes);
    }
    let moved = 0;
    for (const s of r.schedule.steps) {
      for (const [list, sep, key] of [[s.loads, ' <- ', 'reload'], [s.spills, ' -> ', 'spill']] as const) {
        const perTier = new Map<string, number>();
        for (const l of list) perTier.set(l.split(sep)[1]!, (perTier.get(l.split(sep)[1]!) ?? 0) + size.get(l.split(sep)[0]!)!);
        for (const [tier, bytes] of perTier) {
          const sample = ev.find((e) => e.ph === 'C' && e.name === transferCounter(tier) && e.ts === s.step)!;
          expect(sample.args![key]).toBe(bytes);
          moved += bytes;
        }
      }
    }
    expect(moved).toBeGreaterThan(0);
  });
});
