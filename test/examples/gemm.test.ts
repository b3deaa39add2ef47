// The examples/gemm walkthrough: each command of its README prints the recorded output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const CASES = [
  { args: ['run', 'examples/gemm/gemm.ein', '--seed', '1'], file: 'expected-run.txt' },
  { args: ['run', 'examples/gemm/gemm.ein', '--target', 'tpu-v1'], file: 'expected-tpu-v1.txt' },
  { args: ['run', 'examples/gemm/gemm.ein', '--target', 'tpu-v1', '--fidelity', 'cycle'], file: 'expected-tpu-v1-cycle.txt' },
];

describe('examples/gemm', () => {
  for (const c of CASES)
    it(`tessera ${c.args.join(' ')} prints ${c.file}`, async () => {
      const r = await runCli(c.args, { cwd: root });
      expect(r.code).toBe(0);
      expect(r.out).toBe(readFileSync(join(root, 'examples/gemm', c.file), 'utf8'));
    });

  it('the analytic result explains the lost utilization (K = 80 of 256 rows, N = 48 of 256 columns)', async () => {
    const r = await runCli(['run', 'examples/gemm/gemm.ein', '--target', 'tpu-v1', '--json'], { cwd: root });
    const result = JSON.parse(r.out) as { warnings: string[]; utilization: Record<string, number> };
    // Closed form for one weight-stationary fold: 80·48 of 256·256 PEs hold weights.
    expect(result.utilization.MXU).toBeLessThanOrEqual((80 * 48) / (256 * 256) + 1e-9);
    expect(result.warnings.join('\n')).toMatch(/80/);
    expect(result.warnings.join('\n')).toMatch(/48/);
  });
});
