// `tessera schedule`: exit codes, the infeasible-budget message, deterministic JSON.
import { mkdtempSync, writeFileSync } from 'node:fs';
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

  it('rejects bad flag values with exit 1', async () => {
    expect((await run(['schedule', file, '--target', 'sn40l', '--solver', 'cplex'])).code).toBe(1);
    expect((await run(['schedule', file, '--target', 'sn40l', '--budget', 'lots'])).code).toBe(1);
    expect((await run(['schedule', join(dir, 'missing.ein'), '--target', 'sn40l'])).code).toBe(1);
  });
});
