// The examples/arch walkthrough: the commands its README shows print exactly the expected files,
// and the figures in them agree with values worked out by hand.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const cli = (...args: string[]) => runCli(args);

const root = join(import.meta.dirname, '../..');
const expected = (f: string) => readFileSync(join(root, 'examples/arch', f), 'utf8');

describe('examples/arch', () => {
  it('runs from the repository root (the paths in the expected output are relative to it)', () => {
    expect(process.cwd()).toBe(root);
  });

  it('check prints the summary', async () => {
    const r = await cli('check', 'examples/arch/edge.arch');
    expect(r.code).toBe(0);
    expect(r.out).toBe(expected('expected-check.txt'));
    // 3200 MT/s x 4 B = 12.8 GB/s
    expect(r.out).toContain('DRAM (dram: 12.8 GB/s)');
  });

  it('check --print prints the normalized target', async () => {
    const r = await cli('check', 'examples/arch/edge.arch', '--print');
    expect(r.out).toBe(expected('expected-print.txt'));
    // 2.6 nJ per 64-bit access = 2600 pJ / 8 B; 20 pJ per 64-bit access = 2.5 pJ/B
    expect(r.out).toContain('energy = 325 pJ/B');
    expect(r.out).toContain('energy = 2.5 pJ/B');
    expect(r.out).toContain('mac_energy = 0.23 pJ');
  });

  it('--param overrides the declared parameters', async () => {
    const r = await cli('check', 'examples/arch/edge.arch', '--param', 'rows=32', '--param', 'glb=1 MiB');
    expect(r.out).toBe(expected('expected-override.txt'));
    expect(r.out).toContain('32x16 PEs');
  });

  it('the broken file reports all four mistakes and exits 1', async () => {
    const r = await cli('check', 'examples/arch/broken.arch');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(expected('expected-errors.txt'));
    expect(r.err.match(/: error: /g)).toHaveLength(4);
  });
});
