// examples/sn40l-coe: the Composition-of-Experts walkthrough prints its recorded outputs, and the
// model-switch time it reports is the switched experts' bytes at the DDR bandwidth of sn40l.arch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const EX = 'examples/sn40l-coe';
const expected = (f: string) => readFileSync(join(root, EX, f), 'utf8');
const args = (target: string, json = false) => ['run', `${EX}/coe.ein`, '--target', target, '--schedule', 'ilp', '--fidelity', 'cycle', ...(json ? ['--json'] : [])];

describe('examples/sn40l-coe', () => {
  it('prints expected-coe.txt and expected-all-in-hbm.txt', async () => {
    const coe = await runCli(args(`${EX}/coe.arch`), { cwd: root });
    expect(coe.code).toBe(0);
    expect(coe.out).toBe(expected('expected-coe.txt'));
    const hbm = await runCli(args('sn40l'), { cwd: root });
    expect(hbm.code).toBe(0);
    expect(hbm.out).toBe(expected('expected-all-in-hbm.txt'));
  }, 120_000);

  it('two 16 MiB experts switch in from DDR: 2 x 16 MiB at 125 GB/s = 78.125 B/cycle, and the run waits for them', async () => {
    const r = JSON.parse((await runCli(args(`${EX}/coe.arch`, true), { cwd: root })).out) as {
      latencyCycles: number;
      traffic: Record<string, { readBytes: number }>;
      tierBusyCycles: Record<string, number>;
      einsums: { name: string; traffic: Record<string, { readBytes: number }> }[];
    };
    const expert = 2 * 1024 * 4096 * 2; // W1 and W2 of one expert, bf16
    expect(r.traffic.DDR!.readBytes).toBe(2 * expert);
    // the DDR-resident experts are the ones whose einsums read DDR
    const fromDdr = r.einsums.filter((e) => (e.traffic.DDR?.readBytes ?? 0) > 0).map((e) => e.name.slice(0, 2));
    expect([...new Set(fromDdr)]).toEqual(['E2', 'E3']); // as the README says
    expect(r.tierBusyCycles.DDR).toBe(Math.ceil((2 * expert) / 78.125));
    expect(r.latencyCycles).toBeGreaterThanOrEqual(r.tierBusyCycles.DDR!);
  }, 120_000);
});
