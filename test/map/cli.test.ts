// `tessera run FILE --target NAME --json` and `tessera repro fusemax --json` through the CLI entry
// (in-process): valid Result JSON, byte-identical across runs, clean user errors.
import { describe, expect, it } from 'vitest';
import { ResultSchema } from '../../sim/core/result';
import { runCli } from '../helpers/cli';

const cli = (args: string[]) => runCli(args);

describe('tessera run --target', () => {
  it('prints a Result that validates, the same bytes every time', async () => {
    const a = await cli(['run', 'examples/gemm/gemm.ein', '--target', 'tpu-v1', '--objective', 'edp', '--json']);
    expect(a.code).toBe(0);
    const r = JSON.parse(a.out);
    expect(ResultSchema.safeParse(r).success).toBe(true);
    expect(r.fidelity).toBe('analytic');
    expect(r.objective).toBe('edp');
    const b = await cli(['run', 'examples/gemm/gemm.ein', '--target', 'tpu-v1', '--objective', 'edp', '--json']);
    expect(b.out).toBe(a.out);
  });

  it('bad option values and unknown targets are user errors (exit 1, no stack trace)', async () => {
    for (const args of [
      ['--target', 'nope'],
      ['--target', 'tpu-v1', '--objective', 'speed'],
      ['--target', 'tpu-v1', '--fidelity', 'exact'],
      ['--target', 'test/fixtures/arch/no-cycle-engine.arch', '--fidelity', 'cycle'],
      ['--target', 'fusemax', '--batch', '0'],
    ]) {
      const r = await cli(['run', 'examples/gemm/gemm.ein', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    // a target that says `attr engine = none` (every built-in target has a cycle engine since issue 18)
    const r = await cli(['run', 'examples/gemm/gemm.ein', '--target', 'test/fixtures/arch/no-cycle-engine.arch', '--fidelity', 'cycle']);
    expect(r.err).toMatch(/fidelity cycle is not available for target no-cycle-engine/);
  });

  it('--batch 768 (BERT-Base at 1K: batch 64 x 12 heads) gives the published FuseMax 2D utilization, 0.89 (REFERENCES.md)', async () => {
    const r = await cli(['run', 'examples/fusemax/attention-1pass.ein', '--target', 'fusemax', '--batch', '768', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as { utilization: Record<string, number> };
    expect(result.utilization.PE2D).toBeGreaterThan(0.89 - 0.05);
    expect(result.utilization.PE2D).toBeLessThan(0.89 + 0.05);
  });
});
