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
    expect(r.out).toMatch(/44\.6% without always-on-chip decode, 70\.0% with/);
    expect(r.out).toMatch(/compute gain: 1\.89x/);
    expect(r.out).toMatch(/U280 DSP48E2: 6144 \(paper 6345, -3\.2%\)/);
  });
});
