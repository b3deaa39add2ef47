// The examples/language walkthrough: `tessera check` and `tessera print` still produce the recorded output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const run = (args: string[]) => runCli(args, { cwd: ROOT });

const ROOT = join(import.meta.dirname, '../..');
const DIR = 'examples/language';

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
