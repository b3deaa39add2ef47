import { describe, expect, it } from 'vitest';
import { parseCascade } from '../../compiler/lang';
import { ResultSchema } from '../../sim/core/result';
import { gpuCycleSimulator, gpuHardwareFromSpec, predictGemmSeconds, DEFAULT_PARAMS, simulateCascadeOnGpu } from '../../sim/gpu';
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
  it('a contraction is a GEMM, an element-wise einsum a streaming kernel', () => {
    const r = simulateCascadeOnGpu(c, hw, DEFAULT_PARAMS, { target: 'h100', workload: 'gemm' });
    expect(ResultSchema.safeParse(r).success).toBe(true);
    expect(r.einsums.map((e) => e.unit)).toEqual(['tensor-core', 'cuda-core']);
    const g = predictGemmSeconds(hw, DEFAULT_PARAMS, { m: 4096, n: 4096, k: 4096, dtype: 'bf16' });
    expect(r.einsums[0]!.latencyCycles).toBe(Math.round(g * 1.98e9));
    // ReLU reads Z (bf16) and writes R (bf16): 2 x 32 MiB through HBM
    expect(r.einsums[1]!.traffic.HBM).toEqual({ readBytes: 4096 * 4096 * 2, writeBytes: 4096 * 4096 * 2 });
  });
  it('the target engine calibrates on native/measurements and says when that data is synthetic', () => {
    const r = gpuCycleSimulator({ cascade: c, target: 'h100', workload: 'gemm' }, spec, { fidelity: 'cycle' });
    expect(ResultSchema.safeParse(r).success).toBe(true);
    expect(r.warnings.join('\n')).toMatch(/SYNTHETIC measurements/);
    expect(r.latencySeconds).toBeGreaterThan(0);
  });
});

describe('A100', () => {
  it('calibrates on the synthetic A100 file, which has no fp8', () => {
    const spec = loadBuiltinTarget('a100');
    const c = parseCascade(gemm).cascade!;
    const r = gpuCycleSimulator({ cascade: c, target: 'a100', workload: 'gemm' }, spec, { fidelity: 'cycle' });
    expect(r.warnings.join('\n')).toMatch(/synthetic-a100-2026-11-22\.json/);
    // the same GEMM takes longer on an A100 (312 vs 989 TFLOP/s bf16)
    const h = gpuCycleSimulator({ cascade: c, target: 'h100', workload: 'gemm' }, loadBuiltinTarget('h100'), { fidelity: 'cycle' });
    expect(r.latencySeconds).toBeGreaterThan(2 * h.latencySeconds);
  });
});
