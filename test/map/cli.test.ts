// `tessera run FILE --target NAME --json` and `tessera repro fusemax --json` through the CLI entry
// (in-process): valid Result JSON, byte-identical across runs, clean user errors.
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../compiler/driver/program';
import { ResultSchema } from '../../sim/core/result';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await main(args);
    process.exitCode = undefined;
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

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
      ['--target', 'sn40l', '--fidelity', 'cycle'],
    ]) {
      const r = await cli(['run', 'examples/gemm/gemm.ein', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    const r = await cli(['run', 'examples/gemm/gemm.ein', '--target', 'sn40l', '--fidelity', 'cycle']);
    expect(r.err).toMatch(/fidelity cycle is not available for target sn40l/);
  });
});
