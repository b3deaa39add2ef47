// The examples/language walkthrough: `tessera check` and `tessera print` still produce the recorded output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../compiler/driver/program';

const ROOT = join(import.meta.dirname, '../..');
const DIR = 'examples/language';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    return { code: await main(argv), out, err };
  } finally {
    process.chdir(cwd);
    vi.restoreAllMocks();
    process.exitCode = undefined;
  }
}

describe('examples/language', () => {
  it('check reports the five mistakes exactly as recorded', async () => {
    const r = await run(['check', `${DIR}/softmax-mistakes.ein`]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(readFileSync(join(ROOT, DIR, 'expected-check.txt'), 'utf8'));
  });

  it('the fixed file checks clean and prints as recorded', async () => {
    expect((await run(['check', `${DIR}/softmax-fixed.ein`])).code).toBe(0);
    const r = await run(['print', `${DIR}/softmax-fixed.ein`]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(readFileSync(join(ROOT, DIR, 'expected-print.txt'), 'utf8'));
  });
});
