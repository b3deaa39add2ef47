// `tessera schedule`: exit codes, the infeasible-budget message, deterministic JSON.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const run = (args: string[]) => runCli(args);

const SRC = [
  '# x -> a -> b -> c; y reads a and c (the chain of test/schedule/fixtures.ts, as einsums)',
  'rank S = 64, D = 16, E = 32',
  'input X[S, D]: fp32',
  'input G[D, E]: fp32',
  'input H[E, D]: fp32',
  'A[s, e] = X[s, d] * G[d, e]',
  'B[s, e] = exp(A[s, e])',
  'C[s, e] = B[s, e] + 1',
  'Y[s, d] = A[s, e] * C[s, e] * H[e, d]',
  'output Y',
  '',
].join('\n');

describe('tessera schedule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-schedule-'));
  const file = join(dir, 'chain.ein');
  writeFileSync(file, SRC);

  it('prints the same JSON on every run, with a checked schedule and per-tier traffic', async () => {
    const a = await run(['schedule', file, '--target', 'sn40l', '--budget', 'MR', '--json']);
    expect(a.err).toBe('');
    expect(a.code).toBe(0);
    const b = await run(['schedule', file, '--target', 'sn40l', '--budget', 'MR', '--json']);
    expect(b.out).toBe(a.out);
    const r = JSON.parse(a.out);
    expect(r.check.ok).toBe(true);
    // A, B, C: 64*32 fp32 = 8 KiB; X, Y 4 KiB; G, H 2 KiB. M_R is Y's step: A + C + H + Y = 22 KiB.
    // M_P: A must live through C's step, where A + B + C = 24 KiB
    expect(r.budgets.MR).toBe(8192 + 8192 + 2048 + 4096);
    expect(r.budgets.MP).toBe(3 * 8192);
    // below M_P, A is spilled once and reloaded once: 16 KiB of non-compulsory traffic, all at HBM, on top of
    // the compulsory reads of X, G, H and the write of Y
    expect(r.traffic.nonCompulsoryBytes).toBe(2 * 8192);
    expect(r.traffic.byLevel.HBM).toEqual({ readBytes: 4096 + 2048 + 2048 + 8192, writeBytes: 8192 + 4096 });
    expect(r.traffic.byLevel.DDR).toEqual({ readBytes: 0, writeBytes: 0 });
    expect(r.timings).toBeUndefined();
  });

  it('exits with 1 and names the tensor and the step when the budget cannot fit', async () => {
    const r = await run(['schedule', file, '--target', 'sn40l', '--budget', '20000']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/step 3/);
    expect(r.err).toMatch(/operator Y/);
    expect(r.err).toMatch(/tensor [ACHY] /);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('spills down to DDR when HBM is binding (SN40L with 400 KiB of HBM), with and without parameters', async () => {
    const arch = join(dir, 'sn40l-small.arch');
    writeFileSync(arch, readFileSync(join(import.meta.dirname, '../../targets/sn40l/sn40l.arch'), 'utf8').replace(/capacity = 64 GiB/, 'capacity = 400 KiB'));
    const block = join(import.meta.dirname, '../../examples/schedule/block.ein');
    for (const params of [[], ['--params']]) {
      const r = await run(['schedule', block, '--target', arch, '--json', ...params]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.check.ok).toBe(true);
      // X (input, 256 KiB) is home in HBM; Y (output, 256 KiB) no longer fits beside it and is home in DDR
      expect(j.homeOverflow).toContainEqual({ tensor: 'Y', tier: 'DDR' });
      expect(j.traffic.byLevel.DDR.writeBytes).toBeGreaterThanOrEqual(256 * 1024);
      const hbm = j.traffic.perTier.find((t: { tier: string }) => t.tier === 'HBM');
      // HBM never holds more than its 400 KiB: nothing but X's home (and, with parameters, weights) is written there
      expect(hbm.writeBytes).toBe(0);
    }
  });

  it('rejects bad flag values with exit 1', async () => {
    expect((await run(['schedule', file, '--target', 'sn40l', '--solver', 'cplex'])).code).toBe(1);
    expect((await run(['schedule', file, '--target', 'sn40l', '--budget', 'lots'])).code).toBe(1);
    expect((await run(['schedule', join(dir, 'missing.ein'), '--target', 'sn40l'])).code).toBe(1);
  });
});
