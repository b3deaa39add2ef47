// The installed entry point (`npx tessera` runs bin/tessera.js): exit codes and clean errors from a
// real process, the way a user sees them. One spawn per case, so only the contract is checked here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '../../bin/tessera.js');
const tessera = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, TESSERA_DEBUG: '' } });

describe('bin/tessera.js', () => {
  it('checks a good file with exit code 0', () => {
    const r = tessera('check', join(import.meta.dirname, '../../examples/gemm/gemm.ein'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('gemm.ein: ok');
  });

  it('reports every error of a bad file with exit code 1 and no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bin-'));
    const bad = join(dir, 'bad.ein');
    writeFileSync(bad, 'rank M = 4\ninput A[M]: fp32\nY[m] = A[m] * B[m]\nZ[m] = exq(A[m])\noutput Y, Z\n');
    const r = tessera('check', bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${bad}:3:15: error: tensor B is not declared`);
    expect(r.stderr).toContain(`${bad}:4:8: error:`);
    expect(r.stderr).not.toMatch(/^\s+at /m); // no stack frames
    expect(r.stderr).not.toContain('internal error');
  });

  it('answers an unknown command with exit code 1', () => {
    const r = tessera('frobnicate');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});
