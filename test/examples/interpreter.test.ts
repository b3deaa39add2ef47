// examples/interpreter: every command in expected.txt still prints exactly what the file says.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../compiler/driver/program';

const root = join(import.meta.dirname, '../..');
const expected = readFileSync(join(root, 'examples/interpreter/expected.txt'), 'utf8');
const blocks = expected
  .split(/^\$ tessera /m)
  .filter((b) => b.trim() !== '')
  .map((b) => {
    const nl = b.indexOf('\n');
    return { args: b.slice(0, nl).trim().split(/\s+/), output: b.slice(nl + 1) };
  });

async function cli(args: string[]): Promise<string> {
  let out = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const cwd = process.cwd();
  try {
    process.chdir(root);
    expect(await main(args)).toBe(0);
  } finally {
    process.chdir(cwd);
    o.mockRestore();
  }
  return out;
}

describe('examples/interpreter walkthrough', () => {
  it('has the commands of the README', () => {
    expect(blocks.length).toBe(4);
  });
  for (const b of blocks)
    it(`tessera ${b.args.join(' ')}`, async () => {
      expect(await cli(b.args)).toBe(b.output);
    });
  it('the fp8 softmax is off by rounding alone, and the fp32 one is not', () => {
    expect(expected).toContain('values: 0.03125 0.0859375 0.234375 0.625');
    expect(expected).toContain('values: 0.032058604061603546 0.08714432269334793 0.23688283562660217 0.6439142823219299');
    // the float32 nearest e^-3 / sum(e^-k, k = 0..3)
    const den = Math.exp(-3) + Math.exp(-2) + Math.exp(-1) + 1;
    expect(Math.abs(0.032058604061603546 - Math.exp(-3) / den)).toBeLessThan(2 ** -29);
  });
});
