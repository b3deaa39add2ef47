// Energy on every target (issue 14): per-action energies from the .arch files, one estimator
// (compiler/driver/stages/energy.ts). Oracles: figures derived by hand from the numbers the .arch
// files state (Horowitz ISSCC 2014, Jouppi ISCA 2017, O'Connor MICRO 2017, copied here as numbers),
// and the mapper's own energy (compiler/map/cost.ts), an independent computation.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatResult, runPipeline, simulateCascade } from '../../compiler/driver/pipeline';
import { loadCascadeFile, parseCascade } from '../../compiler/lang';
import type { Cascade } from '../../compiler/ir';
import type { Result } from '../../sim/core/result';
import { loadTarget } from '../../targets/registry';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');

function gemm(dtype: string, out: string): Cascade {
  const text = `rank M = 64, N = 48, K = 80\ninput A[M, K]: ${dtype}\ninput B[K, N]: ${dtype}\nZ[m, n]: ${out} = A[m, k] * B[k, n]\noutput Z\n`;
  const r = parseCascade(text, 'gemm.ein');
  if (!r.cascade) throw new Error('gemm does not parse');
  return r.cascade;
}

const MACS = 64 * 48 * 80;
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(a), Math.abs(b), 1));
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

/** The breakdown adds up: each einsum's parts to its energy, the einsums to the total, per level too. */
function expectConsistent(r: Result): void {
  expect(r.energyPj).not.toBeNull();
  expect(r.energyPj!).toBeGreaterThan(0);
  close(sum(r.einsums.map((e) => e.energyPj!)), r.energyPj!);
  for (const e of r.einsums) close(e.energy!.computePj + e.energy!.staticPj + sum(Object.values(e.energy!.levelsPj)), e.energyPj!);
  close(sum(r.einsums.map((e) => e.energy!.computePj)), r.energy!.computePj);
  for (const [lvl, pj] of Object.entries(r.energy!.levelsPj)) close(sum(r.einsums.map((e) => e.energy!.levelsPj[lvl] ?? 0)), pj);
}

describe('a small GEMM on systolic, by hand from systolic.arch', () => {
  // DRAM 2.6 nJ per 64-bit access = 325 pJ/B; GLB 20 pJ per 64 bits = 2.5 pJ/B; MAC int8 0.2 + 0.03 pJ,
  // bf16 1.1 + 0.4 pJ (Horowitz ISSCC 2014). The 192 KiB GLB holds A, B and Z: DRAM moves each once.
  it('int8: MACs, DRAM compulsory bytes, GLB bytes; equal to the mapper’s own count', () => {
    const c = gemm('int8', 'int32');
    const r = simulateCascade(c, { target: 'systolic' });
    expectConsistent(r);
    const b = r.energy!;
    close(b.computePj, MACS * 0.23);
    expect(r.traffic.DRAM).toEqual({ readBytes: 64 * 80 + 80 * 48, writeBytes: 64 * 48 * 4 });
    close(b.levelsPj.DRAM!, (64 * 80 + 80 * 48 + 64 * 48 * 4) * 325);
    close(b.levelsPj.GLB!, (r.traffic.GLB!.readBytes + r.traffic.GLB!.writeBytes) * 2.5);
    expect(b.staticPj).toBe(0);
    // the mapper's cost model counted the same actions on its own
    const t = loadTarget('systolic', {});
    const m = t.map(c, undefined, {});
    close(r.energyPj!, sum(m.einsums.map((e) => e.cost.energyPj)));
  });

  it('bf16 operands cost a bf16 MAC (attr mac_energy_bf16), not the 8-bit default', () => {
    const r = simulateCascade(gemm('bf16', 'fp32'), { target: 'systolic' });
    close(r.energy!.computePj, MACS * 1.5);
  });
});

describe('static power', () => {
  it('tpu-v1 draws its measured idle 28 W (Jouppi et al. Table 2) for as long as a run takes', () => {
    const r = simulateCascade(gemm('int8', 'int32'), { target: 'tpu-v1' });
    expectConsistent(r);
    close(r.energy!.staticPj, 28 * 1e12 * (r.latencyCycles / 700e6));
    close(r.energy!.computePj, MACS * 0.23);
  });
});

describe('every built-in target reports sourced, non-zero energy that adds up', () => {
  const targets = readdirSync(join(root, 'targets'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'spec' && d.name !== 'engines')
    .map((d) => d.name);
  const c = loadCascadeFile(join(root, 'examples/gemm/gemm.ein'));
  for (const name of targets)
    it(name, () => {
      const t = loadTarget(name, {});
      for (const fidelity of t.fidelities) {
        const r = simulateCascade(c, { target: t, fidelity });
        expectConsistent(r);
        // every dynamic component is modelled; static power only where a source gives it (else it is listed, never a silent 0)
        const missing = r.energyNotModelled ?? [];
        expect(missing.filter((x) => !x.startsWith('static power')), `${name} ${fidelity}`).toEqual([]);
        expect(missing.length === 0, `${name} ${fidelity}: static power listed exactly when absent`).toBe(r.energy!.staticPj > 0);
      }
    });
});

describe('fused groups and schedules', () => {
  it('FuseMax attention: the group’s traffic and energy belong to its einsums, which add up to the totals', () => {
    const r = simulateCascade(loadCascadeFile(join(root, 'examples/fusemax/attention-1pass.ein')), { target: 'fusemax' });
    expectConsistent(r);
    for (const [lvl, t] of Object.entries(r.traffic)) expect(sum(r.einsums.map((e) => e.traffic[lvl]?.readBytes ?? 0))).toBe(t.readBytes);
  });

  it('sn40l with --schedule ilp: each tier’s energy is its scheduled bytes at its energy per byte', async () => {
    const block = loadCascadeFile(join(root, 'examples/schedule/block.ein'));
    for (const fidelity of ['analytic', 'cycle'] as const) {
      const r = await runPipeline(block, { target: 'sn40l', fidelity, placement: { kind: 'ilp' } });
      expectConsistent(r);
      // HBM 3.9 pJ/bit (O'Connor MICRO 2017) = 31.2 pJ/B
      close(r.energy!.levelsPj.HBM!, (r.traffic.HBM!.readBytes + r.traffic.HBM!.writeBytes) * 31.2);
    }
  }, 60_000);
});

describe('bad energy attributes', () => {
  it('a static power that is not a number is a plain error with exit code 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-energy-bad-'));
    const arch = join(dir, 'bad.arch');
    writeFileSync(arch, 'target bad extends systolic {\n  attr static_power_w = "lots"\n}\n');
    const r = await runCli(['run', join(root, 'examples/gemm/gemm.ein'), '--target', arch]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/static_power_w = lots: expected a power in watts/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('a target without energy data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-energy-'));
  const arch = join(dir, 'bare.arch');
  writeFileSync(arch, 'target bare "no energies" {\n  clock = 1 GHz\n  memory DRAM : dram { bandwidth = 10 GB/s }\n  memory GLB : sram { capacity = 64 KiB }\n  compute PE : array2d { rows = 8; cols = 8; ops = [mul, add] }\n  link DRAM -> GLB -> PE\n}\n');

  it('says "energy not modelled" and gives null in JSON, never 0', async () => {
    const r = simulateCascade(gemm('int8', 'int32'), { target: arch });
    expect(r.energyPj).toBeNull();
    expect(r.einsums.every((e) => e.energyPj === null)).toBe(true);
    expect(formatResult(r)).toMatch(/energy not modelled/);
    const cli = await runCli(['run', join(root, 'examples/gemm/gemm.ein'), '--target', arch, '--json']);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.out).energyPj).toBeNull();
  });
});
