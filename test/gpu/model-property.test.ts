// Property: with efficiencies at most 1, the model can never beat the roofline (it only adds
// quantisation, overheads and lost efficiency to the same FLOPs and compulsory bytes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibrate, gpuHardwareFromSpec, loadMeasurements, predictAttentionSeconds, predictGemmSeconds, rooflineAttentionSeconds, rooflineGemmSeconds } from '../../sim/gpu';
import { loadBuiltinTarget } from '../../targets/spec';

const hw = gpuHardwareFromSpec(loadBuiltinTarget('h100'));
const fitted = calibrate(hw, loadMeasurements('native/measurements/synthetic-h100-2026-11-22.json').records).params;

describe('GPU model never beats the roofline', () => {
  it('GEMM', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40000 }), fc.integer({ min: 1, max: 40000 }), fc.integer({ min: 1, max: 40000 }), fc.constantFrom('bf16' as const, 'fp8e4m3' as const), (m, n, k, dtype) => {
        const s = { m, n, k, dtype };
        expect(predictGemmSeconds(hw, fitted, s)).toBeGreaterThanOrEqual(rooflineGemmSeconds(hw, s) * (1 - 1e-12));
      }),
      { numRuns: 400, seed: 7 },
    );
  });
  it('attention', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 32 }),
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 1, max: 8192 }),
        fc.constantFrom(64, 128, 256),
        fc.boolean(),
        (batch, heads, seqQ, seqKV, headDim, causal) => {
          const s = { batch, heads, seqQ, seqKV, headDim, causal, dtype: 'bf16' as const };
          expect(predictAttentionSeconds(hw, fitted, s)).toBeGreaterThanOrEqual(rooflineAttentionSeconds(hw, s) * (1 - 1e-12));
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});
