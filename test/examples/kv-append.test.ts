// examples/kv-append: every command in expected.txt still prints exactly what the file says, the bad slot
// still fails as expected-error.txt says (exit 1), and the figures the README quotes hold.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const dir = join(root, 'examples/kv-append');
const split = (text: string) =>
  text
    .split(/^\$ tessera /m)
    .filter((b) => b.trim() !== '')
    .map((b) => {
      const nl = b.indexOf('\n');
      return { args: b.slice(0, nl).trim().split(/\s+/), output: b.slice(nl + 1) };
    });
const expected = readFileSync(join(dir, 'expected.txt'), 'utf8');
const blocks = split(expected);

describe('examples/kv-append walkthrough', () => {
  it('has the commands of the README', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(blocks.length).toBe(4);
    for (const b of blocks) expect(readme).toContain(`tessera ${b.args.join(' ')}`);
  });
  for (const b of blocks)
    it(`tessera ${b.args.join(' ')}`, async () => {
      const r = await runCli(b.args, { cwd: root });
      expect(r.code).toBe(0);
      expect(r.out).toBe(b.output);
    });
  it('a slot outside the cache: exit 1, the error of expected-error.txt', async () => {
    const [b] = split(readFileSync(join(dir, 'expected-error.txt'), 'utf8'));
    const r = await runCli(b!.args, { cwd: root });
    expect(r.code).toBe(1);
    expect(`${r.err}[exit ${r.code}]\n`).toBe(b!.output);
  });
  it('the figures the README quotes: the scores by hand, and the rows written in the compulsory bytes', () => {
    // Q = [[1, 2], [3, -1]]; slot 2 of sequence 0 becomes [10, 20], slot 0 of sequence 1 becomes [5, 5]
    expect(expected).toContain(`values: ${[1, 2, 0, 0, 14, 2, 6, 0].join(' ')}\n`);
    expect(expected).toContain(`values: ${[1, 2, 1 * 10 + 2 * 20, 0, 3 * 5 - 1 * 5, 2, 6, 0].join(' ')}\n`);
    // inputs Q 16 + KN 16 + POS 8 + KC 64; outputs S0 32 + S1 32 + 2 rows of 2 fp32 written
    expect(expected).toContain(`bytes: inputs ${16 + 16 + 8 + 64} B, outputs ${32 + 32 + 2 * 2 * 4} B, compulsory 184 B`);
    expect(expected).toContain('HBM read 104 B, write 80 B');
    expect(expected).toMatch(/KC: indexed write of 4 elements \(24 B read, 16 B written in place\)/);
  });
});
