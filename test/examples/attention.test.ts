// The examples/attention walkthrough and `npm run demo`: the outputs its README shows stay true, and
// the facts it teaches hold (3/2/1 passes; the three cascades agree).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const expected = (f: string) => readFileSync(join(root, 'examples/attention', f), 'utf8');

describe('examples/attention', () => {
  it('npm run demo prints expected-demo.txt', async () => {
    const r = await runCli(['demo'], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.out).toBe(expected('expected-demo.txt'));
    expect(r.out).toMatch(/attention-3pass\.ein +6 einsums, 3 pass/);
    expect(r.out).toMatch(/attention-1pass\.ein +17 einsums, 1 pass/);
  });

  it('tessera analyze --rank M gives the pass lines of expected-passes.txt', async () => {
    const lines: string[] = [];
    for (const v of ['3pass', '2pass', '1pass']) {
      const file = `examples/attention/attention-${v}.ein`;
      const r = await runCli(['analyze', file, '--rank', 'M'], { cwd: root });
      expect(r.code).toBe(0);
      lines.push(`${file}: ${r.out.split('\n').find((l) => /passes over M/.test(l))!.trim()}`);
    }
    expect(lines.join('\n') + '\n').toBe(expected('expected-passes.txt'));
  });
});
