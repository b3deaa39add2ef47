import { describe, expect, it } from 'vitest';
import { loadBuiltinTarget } from '../../targets/spec';
import {
  DEFAULT_PARAMS,
  attentionBreakdown,
  gemmBreakdown,
  gpuHardwareFromSpec,
  GpuHardwareError,
  predictAttentionSeconds,
  predictGemmSeconds,
  rooflineAttentionSeconds,
  rooflineGemmSeconds,
  type GpuModelParams,
} from '../../sim/gpu';

const h100 = gpuHardwareFromSpec(loadBuiltinTarget('h100'));
// No launch cost, perfect efficiencies: what is left is the structure of the model.
const bare: GpuModelParams = { ...DEFAULT_PARAMS, gemmEfficiency: { bf16: 1, fp8e4m3: 1 }, gemmTileOverheadK: 0, tileM: 128, tileN: 256, launchSeconds: 0, hbmEfficiency: 1, attentionEfficiency: 1, softmaxFlopsPerScore: 0, attentionCtaOverheadBlocks: 0 };

describe('GPU hardware from the .arch file', () => {
  it('reads the H100 figures of REFERENCES.md', () => {
    expect(h100.smCount).toBe(132);
    expect(h100.peakFlopsPerSecond.bf16).toBe(989e12);
    expect(h100.peakFlopsPerSecond.fp8e4m3).toBe(1979e12);
    expect(h100.hbmBytesPerSecond).toBe(3.35e12);
    expect(h100.source).toBe('targets/h100/h100.arch');
  });
  it('A100 has no fp8 peak, so fp8 GEMMs are refused', () => {
    const a100 = gpuHardwareFromSpec(loadBuiltinTarget('a100'));
    expect(a100.smCount).toBe(108);
    expect(a100.peakFlopsPerSecond.fp8e4m3).toBeUndefined();
    expect(() => predictGemmSeconds(a100, bare, { m: 64, n: 64, k: 64, dtype: 'fp8e4m3' })).toThrow(/no fp8e4m3/);
  });
  it('a spec without an sm unit is a clear error', () => {
    const spec = loadBuiltinTarget('h100');
    expect(() => gpuHardwareFromSpec({ ...spec, computes: [] })).toThrow(GpuHardwareError);
  });
});

describe('GEMM model', () => {
  it('one more tile than a full wave doubles compute time (wave quantisation)', () => {
    // N = 3072 gives 12 tiles of 256 per row of M tiles; M = 11*128 fills exactly 132 SMs.
    const full = gemmBreakdown(h100, bare, { m: 1408, n: 3072, k: 16384, dtype: 'bf16' });
    const over = gemmBreakdown(h100, bare, { m: 1409, n: 3072, k: 16384, dtype: 'bf16' });
    expect(full.tiles).toBe(132);
    expect(full.waves).toBe(1);
    expect(over.tiles).toBe(144);
    expect(over.waves).toBe(2);
    expect(over.computeSeconds / full.computeSeconds).toBeCloseTo(2, 12);
    // one full wave at peak: 132 tiles * 2*128*256*16384 FLOP / 989 TFLOP/s
    expect(full.computeSeconds).toBeCloseTo((132 * 2 * 128 * 256 * 16384) / 989e12, 15);
  });
  it('splits K when there are fewer tiles than SMs', () => {
    const b = gemmBreakdown(h100, bare, { m: 128, n: 256, k: 12288, dtype: 'bf16' });
    expect(b.tiles).toBe(1);
    expect(b.splitK).toBe(48); // min(132 SMs / 1 tile, 12288 / 256)
  });
  it('decode GEMMs are bounded by HBM: weights / bandwidth', () => {
    const b = gemmBreakdown(h100, bare, { m: 1, n: 4096, k: 4096, dtype: 'bf16' });
    // bytes = (1*4096 + 4096*4096)*2 + 1*4096*2*2 (split-K writes partials twice)
    expect(b.memorySeconds).toBeCloseTo(((4096 + 4096 * 4096) * 2 + 4096 * 4) / 3.35e12, 15);
    expect(b.seconds).toBe(b.memorySeconds);
  });
  it('fp8 is faster than bf16 on a large GEMM', () => {
    const s = { m: 8192, n: 8192, k: 8192 };
    expect(predictGemmSeconds(h100, DEFAULT_PARAMS, { ...s, dtype: 'fp8e4m3' })).toBeLessThan(predictGemmSeconds(h100, DEFAULT_PARAMS, { ...s, dtype: 'bf16' }));
  });
  it('with an L2 bandwidth in the .arch, tile re-reads can bound a GEMM', () => {
    const spec = loadBuiltinTarget('h100');
    const slowL2 = { ...spec, memories: spec.memories.map((m) => (m.name === 'L2' ? { ...m, bandwidthBytesPerSecond: 1e12 } : m)) };
    const hw = gpuHardwareFromSpec(slowL2);
    expect(hw.l2BytesPerSecond).toBe(1e12);
    const s = { m: 4096, n: 4096, k: 4096, dtype: 'bf16' as const };
    // A is read once per column of tiles (16), B once per row of tiles (32): (16 + 32) * 4096^2 * 2 bytes
    expect(gemmBreakdown(hw, bare, s).memorySeconds).toBeCloseTo((48 * 4096 * 4096 * 2) / 1e12, 12);
    expect(h100.l2BytesPerSecond).toBeUndefined(); // the H100 .arch gives L2's capacity only
  });
  it('roofline: 2*8192^3 FLOP at 989 TFLOP/s', () => {
    expect(rooflineGemmSeconds(h100, { m: 8192, n: 8192, k: 8192, dtype: 'bf16' })).toBeCloseTo((2 * 8192 ** 3) / 989e12, 15);
  });
});

describe('attention model', () => {
  const base = { batch: 1, heads: 16, seqQ: 16384, seqKV: 16384, headDim: 128, dtype: 'bf16' as const };
  it('causal: the busiest SM gets its share of the lower-triangle blocks, within one CTA', () => {
    // 16 heads x query blocks i = 1..128 visiting i KV blocks: 16 * 128*129/2 = 132096 blocks over 132 SMs,
    // so the busiest SM has at least ceil(132096/132) = 1001 and, list-scheduled, at most 1001 + 128.
    const blockSeconds = (128 * 128 * 4 * 128) / (989e12 / 132);
    const t = attentionBreakdown(h100, bare, { ...base, causal: true }).computeSeconds / blockSeconds;
    expect(t).toBeGreaterThanOrEqual(1001 - 1e-9);
    expect(t).toBeLessThanOrEqual(1001 + 128);
    const full = predictAttentionSeconds(h100, bare, { ...base, causal: false });
    expect(predictAttentionSeconds(h100, bare, { ...base, causal: true }) / full).toBeLessThan(0.56);
  });
  it('non-causal prefill at peak: CTAs in waves x blocks x block FLOPs', () => {
    const b = attentionBreakdown(h100, bare, { ...base, causal: false });
    // 16 heads x 128 query blocks = 2048 CTAs -> the busiest SM runs ceil(2048/132) = 16 CTAs of 128 KV blocks
    const blockFlops = 128 * 128 * 4 * 128;
    expect(b.ctas).toBe(2048);
    expect(b.computeSeconds).toBeCloseTo((16 * 128 * blockFlops) / (989e12 / 132), 15);
  });
  it('decode is bounded by reading K and V once', () => {
    const s = { batch: 64, heads: 16, seqQ: 1, seqKV: 32768, headDim: 128, causal: false, dtype: 'bf16' as const };
    const b = attentionBreakdown(h100, bare, s);
    const bytes = 2 * 64 * 16 * (2 * 1 * 128 + 2 * 32768 * 128);
    expect(b.memorySeconds).toBeCloseTo(bytes / 3.35e12, 15);
    expect(b.seconds).toBe(b.memorySeconds);
    expect(rooflineAttentionSeconds(h100, s)).toBeCloseTo(bytes / 3.35e12, 15);
  });
});
