// `tessera targets` and `tessera check X.arch` through the CLI entry, in process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinTargetFiles } from '../../targets/spec';
import { runCli } from '../helpers/cli';

const cli = (...args: string[]) => runCli(args);

const tmp = mkdtempSync(join(tmpdir(), 'tessera-arch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('tessera targets', () => {
  it('lists every built-in target with clock, compute and memory tiers', async () => {
    const r = await cli('targets');
    expect(r.code).toBe(0);
    for (const { name } of builtinTargetFiles()) expect(r.out).toMatch(new RegExp(`^${name}  `, 'm'));
    expect(r.out).toContain('fusemax  940 MHz  FuseMax (Nayak et al., MICRO 2024)');
    expect(r.out).toContain('  compute: PE2D (array2d: 256x256 PEs), PE1D (array1d: 256 lanes)');
    expect(r.out).toContain('  memory:  DRAM (hbm: 400 GiB/s) > GLB (sram: 16 MiB, 32 banks)');
    expect(r.out).toContain('  memory:  DDR (ddr: 1.5 TiB, 125 GB/s) > HBM (hbm: 64 GiB, 1.6 TB/s) > PMU (sram: 512 KiB x1040)');
  });

  it('--json lists the specs in base units, without locations', async () => {
    const r = await cli('targets', '--json');
    const specs = JSON.parse(r.out) as { name: string; clockHz: number; loc?: unknown }[];
    expect(specs.map((s) => s.name)).toEqual(builtinTargetFiles().map((t) => t.name));
    expect(specs.find((s) => s.name === 'tpu-v1')!.clockHz).toBe(7e8);
    expect(r.out).not.toContain('"loc"');
  });

  it('shows one target, with parameter overrides', async () => {
    const r = await cli('targets', 'systolic', '--param', 'rows=128', '--param', 'cols=64');
    expect(r.code).toBe(0);
    expect(r.out).toContain('  compute PE : array2d {\n    rows = 128\n    cols = 64\n');
  });

  it('an unknown target or parameter is a user error (exit 1, no stack)', async () => {
    const a = await cli('targets', 'tpu-v9');
    expect(a.code).toBe(1);
    expect(a.err).toContain("error: no built-in target 'tpu-v9'");
    const b = await cli('targets', 'systolic', '--param', 'row=3');
    expect(b.code).toBe(1);
    expect(b.err).toContain("hint: did you mean 'rows'?");
    const c = await cli('targets', 'systolic', '--param', 'rows');
    expect(c.code).toBe(1);
    expect(c.err).toBe("error: --param expects name=value, got 'rows'\n");
    expect(a.err + b.err + c.err).not.toMatch(/\n\s+at /);
  });
});

describe('tessera check X.arch', () => {
  it('checks a good file and prints its summary', async () => {
    const f = join(tmp, 'ok.arch');
    writeFileSync(f, 'target ok {\n  clock = 1 GHz\n  memory D : dram { bandwidth = 1 GB/s }\n  compute P : vector { lanes = 4 }\n  link D -> P\n}\n');
    const r = await cli('check', f);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe(`${f}: ok: target ok (1 memory, 1 compute unit, 1 link)`);
  });

  it('reports every error of a bad file and exits 1', async () => {
    const f = join(tmp, 'bad.arch');
    writeFileSync(f, 'target bad {\n  clock = 1 GHz\n  memory D : dram { bandwidth = 1 GBs }\n  memory S : sram { }\n  compute P : vector { lanes = 0 }\n  link D -> P\n}\n');
    const r = await cli('check', f);
    expect(r.code).toBe(1);
    expect(r.err.split('\n').filter((l) => l.includes(': error: '))).toEqual([
      `${f}:3:35: error: unknown unit 'GBs'`,
      `${f}:4:10: error: sram memory 'S' needs a capacity`,
      `${f}:4:10: error: memory 'S' is not connected to any other unit`,
      `${f}:5:32: error: 'lanes' must be greater than zero (got 0)`,
    ]);
    expect(r.err.trimEnd().endsWith(`${f}: 4 errors`)).toBe(true);
  });
});
