// Properties over random shapes: with the committed calibrations, no prediction is ever faster than
// the physical limits (the dense tensor peak and the HBM bandwidth of the .arch: H100 SXM 989 TFLOP/s
// fp16/bf16, 1979 fp8, 3.35 TB/s; A100 312 TFLOP/s, 1.555 TB/s (40 GB) and 2.039 TB/s (80 GB)).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { committedCalibration, gpuHardwareFromSpec, predictAttentionSeconds, predictGemmSeconds, type GpuDType } from '../../sim/gpu';
import { loadBuiltinTarget } from '../../targets/spec';

// the published limits, written here independently of the .arch files
const LIMITS: Record<string, { flops: Partial<Record<GpuDType, number>>; hbm: number }> = {
  h100: { flops: { fp16: 989e12, bf16: 989e12, fp8e4m3: 1979e12 }, hbm: 3.35e12 },
  a100: { flops: { fp16: 312e12, bf16: 312e12 }, hbm: 1.555e12 },
  'a100-80gb': { flops: { fp16: 312e12, bf16: 312e12 }, hbm: 2.039e12 },
};

describe('no prediction above a physical limit', () => {
  for (const [target, lim] of Object.entries(LIMITS)) {
    const hw = gpuHardwareFromSpec(loadBuiltinTarget(target));
    const p = committedCalibration(target)!.params;
    it(`${target}: GEMMs never beat the tensor peak or the HBM bandwidth`, () => {
      const dtypes = Object.keys(lim.flops) as GpuDType[];
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 40000 }), fc.integer({ min: 1, max: 40000 }), fc.integer({ min: 1, max: 40000 }), fc.constantFrom(...dtypes), (m, n, k, dtype) => {
          const t = predictGemmSeconds(hw, p, { m, n, k, dtype });
          const inB = dtype === 'fp8e4m3' ? 1 : 2;
          expect(t).toBeGreaterThanOrEqual((2 * m * n * k) / lim.flops[dtype]!);
          expect(t).toBeGreaterThanOrEqual(((m * k + k * n) * inB + m * n * 2) / lim.hbm);
        }),
        { numRuns: 300, seed: 7 },
      );
    });
    it(`${target}: attention never beats the tensor peak or the HBM bandwidth`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 64 }),
          fc.integer({ min: 1, max: 32 }),
          fc.integer({ min: 1, max: 8192 }),
          fc.integer({ min: 1, max: 8192 }),
          fc.constantFrom(64, 128, 256),
          fc.boolean(),
          fc.constantFrom('fa2' as const, 'fa3' as const),
          fc.constantFrom('fwd' as const, 'fwd+bwd' as const),
          (batch, heads, seqQ, seqKV, headDim, causal, kernel, pass) => {
            const s = { batch, heads, seqQ, seqKV, headDim, causal, kernel, pass, dtype: 'fp16' as const };
            const t = predictAttentionSeconds(hw, p, s);
            // matmul FLOPs actually needed: forward 4 b h sq skv d (causal: at least the lower triangle)
            const visible = causal ? Math.max(1, seqQ * seqKV - (seqQ * (seqQ - 1)) / 2 - Math.max(0, seqQ - seqKV) * seqKV) : seqQ * seqKV;
            const flops = 4 * batch * heads * Math.max(0, visible) * headDim * (pass === 'fwd' ? 1 : 3.5);
            expect(t).toBeGreaterThanOrEqual(flops / lim.flops.fp16!);
            expect(t).toBeGreaterThanOrEqual((2 * batch * heads * (2 * seqQ * headDim + 2 * seqKV * headDim)) / lim.hbm);
          },
        ),
        { numRuns: 200, seed: 7 },
      );
    });
  }
});
