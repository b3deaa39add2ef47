// The examples/fpga walkthrough: `repro flightllm` prints exactly the expected file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');

describe('examples/fpga', () => {
  it('repro flightllm', async () => {
    const r = await runCli(['repro', 'flightllm']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(readFileSync(join(root, 'examples/fpga/expected-repro.txt'), 'utf8'));
    // the README's figures
    expect(r.out).toMatch(/44\.4% without always-on-chip decode, 69\.8% with/);
    expect(r.out).toMatch(/compute gain: 1\.89x/);
    expect(r.out).toMatch(/U280 DSP48E2: 6144 \(paper 6345, -3\.2%\)/);
  });

  it('gemv.ein on u280 at both fidelities', async () => {
    const out: string[] = [];
    for (const f of ['analytic', 'cycle']) {
      const r = await runCli(['run', 'examples/fpga/gemv.ein', '--target', 'u280', '--fidelity', f], { cwd: root });
      expect(r.code).toBe(0);
      out.push(r.out);
    }
    expect(out.join('')).toBe(readFileSync(join(root, 'examples/fpga/expected-gemv.txt'), 'utf8'));
    // the README's figures: HBM-bound, the same at both fidelities
    expect(out.join('')).toMatch(/\(analytic\): 11738 cycles[\s\S]*\(cycle\): 11738 cycles/);
  });
});
