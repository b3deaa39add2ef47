// examples/dse: the design at both fidelities and the 675-point sweep's Pareto front, as the README shows.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const ROOT = join(import.meta.dirname, '..', '..');
const EX = join(ROOT, 'examples', 'dse');
const tmp = mkdtempSync(join(tmpdir(), 'tessera-dse-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const expected = (f: string) => readFileSync(join(EX, f), 'utf8');

describe('examples/dse', () => {
  it('runs the design analytically and cycle by cycle as the expected outputs say', async () => {
    const a = await runCli(['run', 'examples/dse/gemm.ein', '--target', 'examples/dse/design.arch'], { cwd: ROOT });
    expect(a.code, a.err).toBe(0);
    expect(a.out).toBe(expected('expected-analytic.txt'));
    const c = await runCli(['run', 'examples/dse/gemm.ein', '--target', 'examples/dse/design.arch', '--fidelity', 'cycle'], { cwd: ROOT });
    expect(c.out).toBe(expected('expected-cycle.txt'));
  });

  it('sweeps 675 points (at least 500) and finds the Pareto front the README shows', async () => {
    const db = join(tmp, 'dse.duckdb');
    const s = await runCli(['sweep', 'examples/dse/sweep.yaml', '--db', db, '--quiet'], { cwd: ROOT });
    expect(s.code, s.err).toBe(0);
    expect(s.out).toMatch(/675 points; 0 already done, 675 evaluated \(ok 675, does not fit 0, error 0\)/);
    const p = await runCli(['sweep', 'pareto', '--db', db, '--x', 'latency', '--y', 'energy', '--z', 'onchip_bytes'], { cwd: ROOT });
    expect(p.out).toBe(expected('expected-pareto.txt'));
    // the README's reading: every design on the front has the fastest DRAM
    for (const line of p.out.split('\n').slice(1, -1)) expect(line).toContain('"dram_bandwidth":"20 GB/s"');
  }, 120_000);
});
