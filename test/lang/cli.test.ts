// `tessera check` and `tessera print`: one real process (exit code, no stack trace) and the rest in-process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../helpers/cli';

const run = (...args: string[]) => runCli(args);

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
const bad = join(dir, 'bad.ein');
writeFileSync(bad, 'rank M = 4\ninput A[M]: fp32\nY[m] = A[m] * B[m]\nZ[m] = exq(A[m])\noutput Y, Z\n');

afterEach(() => vi.restoreAllMocks());

describe('tessera check / print', () => {
  it('a real process: a bad file exits 1 with every diagnostic and no stack trace', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'compiler/driver/main.ts', 'check', 'examples/gemm/gemm.ein', bad], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('examples/gemm/gemm.ein: ok\n  3 ranks (0 partitions), 2 declared tensors, 1 einsum, no recurrences, output Z\n');
    expect(r.stderr).toContain(`${bad}:3:15: error: tensor B is not declared\n  Y[m] = A[m] * B[m]\n                ^~~~\n  hint: declare it (input B[...]: fp32) or define it with an einsum above\n`);
    expect(r.stderr).toContain(`${bad}:4:8: error: unknown function exq\n  Z[m] = exq(A[m])\n         ^~~\n  hint: did you mean exp?\n`);
    expect(r.stderr).toContain(`${bad}: 2 errors\n`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('check prints ok and a summary for a valid file, with exit code 0', async () => {
    const r = await run('check', join(ROOT, 'examples/attention/attention-1pass.ein'));
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${join(ROOT, 'examples/attention/attention-1pass.ein')}: ok\n  6 ranks (1 partition), 3 declared tensors, 17 einsums (3 init), recurrences over m1, output AV\n`);
  });

  it('check refuses an unknown extension and a missing file with a plain message', async () => {
    const txt = await run('check', join(dir, 'notes.txt'));
    expect(txt.code).toBe(1);
    expect(txt.err).toBe(`error: ${join(dir, 'notes.txt')}: cannot check this kind of file; known extensions: .ein, .arch\n`);
    const missing = await run('check', join(dir, 'missing.ein'));
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`${join(dir, 'missing.ein')}: error: cannot read ${join(dir, 'missing.ein')}: no such file\n${join(dir, 'missing.ein')}: 1 error\n`);
  });

  it('print writes the normalized text; print of a bad file exits 1', async () => {
    const r = await run('print', join(ROOT, 'examples/gemm/gemm.ein'));
    expect(r.code).toBe(0);
    expect(r.out).toBe('rank M = 64, N = 48, K = 80\ninput A[M, K]: bf16\ninput B[K, N]: bf16\nZ[m, n]: fp32 = A[m, k] * B[k, n]\noutput Z\n');
    const b = await run('print', bad);
    expect(b.code).toBe(1);
    expect(b.err).toContain('error: unknown function exq');
  });

  it('every command has --help', async () => {
    for (const cmd of ['check', 'print']) {
      const r = await run(cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: tessera ${cmd}`);
    }
  });
});
