// The examples/lut-tc walkthrough: the commands its README shows print exactly the expected files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const expected = (f: string) => readFileSync(join(root, 'examples/lut-tc', f), 'utf8');

describe('examples/lut-tc', () => {
  it('the FFN block at W2 on lut-tc', async () => {
    const r = await runCli(['run', 'examples/lut-tc/ffn.ein', '--target', 'lut-tc', '--param', 'weight_bits=2', '--fidelity', 'cycle']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(expected('expected-w2.txt'));
    expect(r.out).toMatch(/G +LTC/);
  });

  it('the same block in FP16 on the a100', async () => {
    const r = await runCli(['run', 'examples/lut-tc/ffn.ein', '--target', 'a100', '--fidelity', 'cycle']);
    expect(r.out).toBe(expected('expected-a100.txt'));
  });

  it('repro lut-tc', async () => {
    const r = await runCli(['repro', 'lut-tc']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(expected('expected-repro.txt'));
  });

  it('a group that does not hold whole tables: exit 1, a plain message', async () => {
    const r = await runCli(['run', 'examples/lut-tc/ffn.ein', '--target', 'lut-tc', '--param', 'weight_bits=3', '--param', 'group=6', '--fidelity', 'cycle']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(expected('expected-bad-group.txt'));
  });
});
