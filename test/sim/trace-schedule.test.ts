// schedule --trace: one SRAM slice per placement of the --json schedule (its lifetime, step start..end), one
// slice and one flow arrow per reload and per spill the schedule's steps list, and the tracks named.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

describe('schedule --trace', () => {
  it('draws every placement, reload and spill of the schedule', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tessera-strace-')), 's.json');
    const args = ['schedule', 'examples/schedule/block.ein', '--target', 'sn40l'];
    expect((await runCli([...args, '--trace', file])).code).toBe(0);
    const r = JSON.parse((await runCli([...args, '--json'])).out);
    const ev = JSON.parse(readFileSync(file, 'utf8')).traceEvents as { ph: string; name: string; ts: number; dur?: number; tid: number; args?: { name?: string } }[];
    const trackName = new Map(ev.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, e.args!.name]));
    const sram = r.tiers[0].name;
    const lifetimes = ev.filter((e) => e.ph === 'X' && trackName.get(e.tid) === sram).map((e) => [e.name, e.ts, e.ts + e.dur!]);
    expect(lifetimes).toEqual(r.schedule.placements.map((p: { tensor: string; start: number; end: number }) => [p.tensor, p.start, p.end + 1]));
    const loads = r.schedule.steps.flatMap((s: { loads: string[] }) => s.loads).length;
    const spills = r.schedule.steps.flatMap((s: { spills: string[] }) => s.spills).length;
    expect(loads + spills).toBeGreaterThan(0);
    expect(ev.filter((e) => e.ph === 's')).toHaveLength(loads + spills);
    expect(ev.filter((e) => e.ph === 'f')).toHaveLength(loads + spills);
    expect(ev.filter((e) => e.ph === 'X' && /^(reload|spill) /.test(e.name))).toHaveLength(loads + spills);
    expect(ev.filter((e) => e.ph === 'X' && trackName.get(e.tid) === 'ops')).toHaveLength(r.schedule.steps.length);
    expect(ev.some((e) => e.ph === 'M' && e.name === 'process_name')).toBe(true);
  }, 60_000);
});
