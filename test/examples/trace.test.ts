// The examples/trace walkthrough: each command of its README writes a trace that examples/trace/tracks.mjs
// describes as recorded in expected-*.txt; and the README's figures hold.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const dir = join(root, 'examples/trace');
const CASES = [
  { name: 'tpu-v1', args: ['run', 'examples/gemm/gemm.ein', '--target', 'tpu-v1', '--fidelity', 'cycle'] },
  { name: 'flat', args: ['run', 'examples/attention/attention-1pass.ein', '--target', 'flat', '--fidelity', 'cycle'] },
  { name: 'h100', args: ['run', 'examples/schedule/block.ein', '--target', 'h100', '--fidelity', 'cycle'] },
  { name: 'schedule', args: ['schedule', 'examples/schedule/block.ein', '--target', 'sn40l'] },
];

describe('examples/trace', () => {
  const out = mkdtempSync(join(tmpdir(), 'tessera-extrace-'));
  for (const c of CASES)
    it(`tessera ${c.args.join(' ')} --trace: tracks.mjs prints expected-${c.name}.txt`, async () => {
      const file = join(out, `${c.name}.json`);
      const r = await runCli([...c.args, '--trace', file], { cwd: root });
      expect(r.code).toBe(0);
      const d = spawnSync(process.execPath, [join(dir, 'tracks.mjs'), file], { encoding: 'utf8' });
      expect(d.status).toBe(0);
      expect(d.stdout).toBe(readFileSync(join(dir, `expected-${c.name}.txt`), 'utf8'));
      // the op slices' cycles are the run's own latency (the README says so)
      if (c.args[0] === 'run') {
        const j = JSON.parse((await runCli([...c.args, '--json'], { cwd: root })).out) as { latencyCycles: number };
        expect(d.stdout).toContain(`op slices, ${j.latencyCycles} cycles in all`);
      }
    });

  it('the README lists each command and its expected file', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const c of CASES) {
      expect(readme).toContain(`${c.args.join(' ')} --trace out/${c.name}.json`);
      expect(readme).toContain(`expected-${c.name}.txt`);
    }
    // the Unified Buffer figure worked in the README
    expect(readme).toContain('30,208 bytes');
    expect(readFileSync(join(dir, 'expected-tpu-v1.txt'), 'utf8')).toContain(`largest ${64 * 80 * 2 + 80 * 48 * 2 + 64 * 48 * 4}`);
  });
});
