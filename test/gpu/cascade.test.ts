import { describe, expect, it } from 'vitest';
import { parseCascade } from '../../compiler/lang';
import { ResultSchema } from '../../sim/core/result';
import { gpuCycleSimulator, gpuHardwareFromSpec, gpuLevelNames, predictGemmSeconds, DEFAULT_PARAMS, simulateCascadeOnGpu } from '../../sim/gpu';
import { loadBuiltinTarget } from '../../targets/spec';

const gemm = `rank M = 4096, N = 4096, K = 4096
input A[M, K]: bf16
input B[K, N]: bf16
Z[m, n]: bf16 = A[m, k] * B[k, n]
R[m, n] = max(Z[m, n], 0)
output R
`;

describe('whole cascades on the GPU model', () => {
  const spec = loadBuiltinTarget('h100');
  const hw = gpuHardwareFromSpec(spec);
  const c = parseCascade(gemm).cascade!;
  const r = simulateCascadeOnGpu(c, hw, DEFAULT_PARAMS, { target: 'h100', workload: 'gemm' }, gpuLevelNames(spec));
  it('a contraction is a GEMM, an element-wise einsum a streaming kernel', () => {
    expect(ResultSchema.safeParse(r).success).toBe(true);
    expect(r.einsums.map((e) => e.unit)).toEqual(['tensor-core', 'cuda-core']);
    const g = predictGemmSeconds(hw, DEFAULT_PARAMS, { m: 4096, n: 4096, k: 4096, dtype: 'bf16' });
    expect(r.einsums[0]!.latencyCycles).toBe(Math.round(g * 1.98e9));
    // ReLU reads Z (bf16) through HBM
    expect(r.einsums[1]!.traffic.HBM!.readBytes).toBe(4096 * 4096 * 2);
  });
  it('reports traffic at every level of the .arch hierarchy', () => {
    expect(Object.keys(r.traffic)).toEqual(['HBM', 'L2', 'SMEM', 'RF']);
    // the GEMM's HBM traffic: A and B read once, Z written once, and stream-K's fp32 partial tiles
    // (one 128x256 tile per SM: 132 x 128 x 256 x 4 bytes) written and read once; and the L2 misses
    // of B: the 32 x 16 grid rasters along N, so each of the 4 waves sweeps B (32 MiB) again, and
    // one L2 partition (50 MiB / 2) keeps 25 MiB of it: 3 more sweeps of the other 7 MiB
    const partial = 132 * 128 * 256 * 4;
    const misses = 3 * (4096 * 4096 * 2 - (50 * 2 ** 20) / 2);
    expect(r.einsums[0]!.traffic.HBM).toEqual({ readBytes: 2 * 4096 * 4096 * 2 + partial + misses, writeBytes: 4096 * 4096 * 2 + partial });
  });
  it('energy: MACs at 0.59 pJ (bf16) plus bytes x each level\'s energy; einsums sum to the total', () => {
    const z = r.einsums[0]!;
    const pj = { HBM: 31.2, L2: 12.5, SMEM: 2.5, RF: 1.25 } as Record<string, number>;
    let hand = 4096 ** 3 * 0.59;
    for (const [lvl, t] of Object.entries(z.traffic)) hand += (t.readBytes + t.writeBytes) * pj[lvl]!;
    expect(z.energyPj! / hand).toBeCloseTo(1, 9);
    expect(r.energyPj!).toBeGreaterThan(0);
    expect(r.einsums.reduce((s, e) => s + e.energyPj!, 0) / r.energyPj!).toBeCloseTo(1, 9);
    // average power stays under the 700 W board limit
    expect(r.energyPj! * 1e-12 / r.latencySeconds).toBeLessThan(700);
  });
  it('a GPU .arch without energies says energy is not modelled', () => {
    const bare = { ...spec, memories: spec.memories.map((m) => ({ ...m, readEnergyPjPerByte: undefined, writeEnergyPjPerByte: undefined })), computes: spec.computes.map((u) => ({ ...u, macEnergyPj: undefined, attrs: Object.fromEntries(Object.entries(u.attrs).filter(([k]) => !k.startsWith('mac_energy'))) })) };
    const x = simulateCascadeOnGpu(c, gpuHardwareFromSpec(bare), DEFAULT_PARAMS, { target: 'h100', workload: 'gemm' }, gpuLevelNames(bare));
    expect(x.energyPj).toBeNull();
    expect(x.warnings.join('\n')).toMatch(/energy not modelled/);
  });
  it('the target engine uses the committed calibration, fitted on published data', () => {
    const x = gpuCycleSimulator({ cascade: c, target: 'h100', workload: 'gemm' }, spec, { fidelity: 'cycle' });
    expect(ResultSchema.safeParse(x).success).toBe(true);
    expect(x.warnings.join('\n')).not.toMatch(/SYNTHETIC/);
    expect(x.latencySeconds).toBeGreaterThan(0);
  });
});

describe('A100', () => {
  it('the same GEMM takes longer on an A100 (312 vs 989 TFLOP/s bf16)', () => {
    const c = parseCascade(gemm).cascade!;
    const a = gpuCycleSimulator({ cascade: c, target: 'a100', workload: 'gemm' }, loadBuiltinTarget('a100'), { fidelity: 'cycle' });
    const h = gpuCycleSimulator({ cascade: c, target: 'h100', workload: 'gemm' }, loadBuiltinTarget('h100'), { fidelity: 'cycle' });
    expect(a.latencySeconds).toBeGreaterThan(2 * h.latencySeconds);
  });
});

describe('tessera run on the GPU targets', () => {
  it('h100 and a100: sourced, non-zero energy, traffic at every level, both fidelities alike', async () => {
    const { main } = await import('../../compiler/driver/program');
    const { vi } = await import('vitest');
    for (const target of ['h100', 'a100', 'a100-80gb']) {
      const res: Record<string, { energyPj: number; latencyCycles: number; traffic: Record<string, unknown>; einsums: { energyPj: number }[] }> = {};
      for (const fidelity of ['analytic', 'cycle']) {
        let out = '';
        const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
        const code = await main(['run', 'examples/gemm/gemm.ein', '--target', target, '--fidelity', fidelity, '--json']);
        spy.mockRestore();
        expect(code).toBe(0);
        res[fidelity] = JSON.parse(out);
      }
      const a = res.analytic!;
      expect(a.energyPj).toBeGreaterThan(0);
      expect(Object.keys(a.traffic)).toEqual(['HBM', 'L2', 'SMEM', 'RF']);
      expect(a.einsums.reduce((s, e) => s + e.energyPj, 0) / a.energyPj).toBeCloseTo(1, 6);
      // one kernel model: the analytic and cycle fidelities agree
      expect(res.cycle!.latencyCycles).toBe(a.latencyCycles);
      expect(res.cycle!.energyPj).toBeCloseTo(a.energyPj, 3);
    }
  });
});
