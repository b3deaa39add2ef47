// The examples/schedule walkthrough: the CLI's output on block.ein stays what README.md describes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../compiler/driver/program';

const root = join(import.meta.dirname, '../..');

describe('examples/schedule', () => {
  it('prints the expected schedule for block.ein at M_R on sn40l', async () => {
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    const cwd = process.cwd();
    try {
      process.chdir(root);
      expect(await main(['schedule', 'examples/schedule/block.ein', '--target', 'sn40l'])).toBe(0);
    } finally {
      process.chdir(cwd);
      spy.mockRestore();
      process.exitCode = undefined;
    }
    expect(out).toBe(readFileSync(join(root, 'examples/schedule/expected-output.txt'), 'utf8'));
    // the facts README.md walks through
    expect(out).toMatch(/M_R 4 MiB, M_H 4\.25 MiB, M_P 4\.5 MiB/);
    expect(out).toMatch(/V -> HBM/);
    expect(out).toMatch(/V <- HBM/);
    expect(out).toMatch(/non-compulsory 768 KiB/);
    expect(out).toMatch(/belady, program order +4\.76 MiB/);
    expect(out).toMatch(/reduction against the best baseline .*: 84\.2%/);
  });
});
