import { describe, expect, it } from 'vitest';
import { loadBuiltinTarget } from '../../targets/spec';
import {
  DEFAULT_PARAMS,
  attentionBreakdown,
  cloneParams,
  gemmBreakdown,
  gpuHardwareFromSpec,
  GpuHardwareError,
  l2RereadBytes,
  predictAttentionSeconds,
  predictGemmSeconds,
  rooflineAttentionSeconds,
  rooflineGemmSeconds,
  type GpuModelParams,
} from '../../sim/gpu';

const h100 = gpuHardwareFromSpec(loadBuiltinTarget('h100'));
// No launch cost, perfect efficiencies: what is left is the structure of the model.
const bare: GpuModelParams = {
  ...cloneParams(DEFAULT_PARAMS),
  gemmEfficiency: { bf16: 1, fp16: 1, fp8e4m3: 1 },
  gemmTileOverheadK: 0,
  gemmOverlap: 1,
  launchSeconds: 0,
  hbmEfficiency: 1,
  l2Efficiency: 1,
  attention: { fa2: { fwdEfficiency: 1, bwdEfficiency: 1, overlap: 1, causalFactor: 1 }, fa3: { fwdEfficiency: 1, bwdEfficiency: 1, overlap: 1, causalFactor: 1 } },
  softmaxCostPerScore: 1e-9,
  attentionCtaOverheadBlocks: 0,
};
// the first loads' latency the .arch states: HBM 400 + L2 200 + shared memory 20 clocks at 1.98 GHz
const LAT = (400 + 200 + 20) / 1.98e9;

describe('GPU hardware from the .arch file', () => {
  it('reads the H100 figures, the L2 bandwidth, latencies and energies', () => {
    expect(h100.smCount).toBe(132);
    expect(h100.peakFlopsPerSecond.bf16).toBe(989e12);
    expect(h100.peakFlopsPerSecond.fp8e4m3).toBe(1979e12);
    expect(h100.hbmBytesPerSecond).toBe(3.35e12);
    expect(h100.source).toBe('targets/h100/h100.arch');
    // 5120 B/clock at 1.98 GHz
    expect(h100.l2BytesPerSecond).toBeCloseTo(5120 * 1.98e9, 0);
    expect(h100.latencyCycles).toEqual({ hbm: 400, l2: 200, smem: 20 });
    expect(h100.sfuPerSmPerClock).toBe(16);
    // 7 nm energies: FP16 mult 0.34 + FP32 add 0.38; BF16 0.21 + 0.38; INT8 0.07 + 0.03
    expect(h100.macEnergyPj.fp16).toBeCloseTo(0.72, 12);
    expect(h100.macEnergyPj.bf16).toBeCloseTo(0.59, 12);
    expect(h100.macEnergyPj.int8).toBeCloseTo(0.1, 12);
    // 3.9 pJ/bit; 100, 20 and 10 pJ per 64-bit access
    expect(h100.energyPjPerByte.hbm!.read).toBeCloseTo(31.2, 12);
    expect(h100.energyPjPerByte.l2!.read).toBeCloseTo(12.5, 12);
    expect(h100.energyPjPerByte.smem!.read).toBeCloseTo(2.5, 12);
    expect(h100.energyPjPerByte.rf!.read).toBeCloseTo(1.25, 12);
  });
  it('A100 has no fp8 peak, so fp8 GEMMs are refused; the 80 GB part differs in HBM only', () => {
    const a100 = gpuHardwareFromSpec(loadBuiltinTarget('a100'));
    const a80 = gpuHardwareFromSpec(loadBuiltinTarget('a100-80gb'));
    expect(a100.smCount).toBe(108);
    expect(a100.hbmBytesPerSecond).toBe(1.555e12);
    expect(a80.hbmBytesPerSecond).toBe(2.039e12);
    expect(a80.l2BytesPerSecond).toBe(a100.l2BytesPerSecond);
    expect(a100.l2BytesPerSecond).toBeCloseTo(5120 * 1.41e9, 0);
    expect(a100.peakFlopsPerSecond.fp8e4m3).toBeUndefined();
    expect(() => predictGemmSeconds(a100, bare, { m: 64, n: 64, k: 64, dtype: 'fp8e4m3' })).toThrow(/no fp8e4m3/);
  });
  it('the mma.sync fraction of the tensor peak: 2/3 on Hopper (FA3 paper), the whole peak on Ampere', () => {
    expect(h100.syncMmaFraction).toBe(0.667);
    expect(gpuHardwareFromSpec(loadBuiltinTarget('a100')).syncMmaFraction).toBe(1);
    expect(gpuHardwareFromSpec(loadBuiltinTarget('a100-80gb')).syncMmaFraction).toBe(1);
  });
  it('an sync_mma_fraction outside (0, 1] is a clear error', () => {
    const spec = loadBuiltinTarget('h100');
    const computes = spec.computes.map((c) => ({ ...c, attrs: { ...c.attrs, sync_mma_fraction: 1.5 } }));
    expect(() => gpuHardwareFromSpec({ ...spec, computes })).toThrow(/sync_mma_fraction/);
  });
  it('a spec without an sm unit is a clear error', () => {
    const spec = loadBuiltinTarget('h100');
    expect(() => gpuHardwareFromSpec({ ...spec, computes: [] })).toThrow(GpuHardwareError);
  });
});

describe('GEMM model', () => {
  it('CTA tiles split the output over M and N: 4096^3 is 512 tiles of 128x256, shared by stream-K', () => {
    const b = gemmBreakdown(h100, bare, { m: 4096, n: 4096, k: 4096, dtype: 'bf16' });
    expect(b.tileM * b.tileN).toBe(128 * 256);
    expect(b.tiles).toBe(512);
    // 512 tiles are 3.88 waves of 132: stream-K spreads their K iterations over all SMs
    expect(b.streamK).toBe(true);
    expect(b.waves).toBeCloseTo(512 / 132, 12);
    // at peak: 512 tiles x 2*128*256*4096 FLOP over 132 SMs at 989/132 TFLOP/s (no tile overhead here)
    expect(b.computeSeconds).toBeCloseTo((512 * 2 * 128 * 256 * 4096) / 989e12, 15);
    const roof = rooflineGemmSeconds(h100, { m: 4096, n: 4096, k: 4096, dtype: 'bf16' });
    expect(b.seconds).toBeGreaterThan(roof);
    expect(b.seconds).toBeLessThan(roof + LAT + 1e-12);
  });
  it('a whole number of waves needs no stream-K; one more tile costs a tile\'s share, not a wave', () => {
    // N = 3072 = 12 tiles of 256; M = 11*128: exactly 132 tiles of 128x256, one wave
    const full = gemmBreakdown(h100, bare, { m: 1408, n: 3072, k: 16384, dtype: 'bf16' });
    expect(full.tiles).toBe(132);
    expect(full.waves).toBe(1);
    expect(full.streamK).toBe(false);
    expect(full.computeSeconds).toBeCloseTo((2 * 128 * 256 * 16384) / (989e12 / 132), 15);
    // 144 tiles: a second wave of 12 would double the time; stream-K costs 144/132
    const over = gemmBreakdown(h100, bare, { m: 1409, n: 3072, k: 16384, dtype: 'bf16' });
    expect(over.tiles).toBe(144);
    expect(over.streamK).toBe(true);
    expect(over.computeSeconds / full.computeSeconds).toBeCloseTo(144 / 132, 12);
  });
  it('splits K when there are fewer tiles than SMs', () => {
    const b = gemmBreakdown(h100, bare, { m: 128, n: 256, k: 12288, dtype: 'bf16' });
    expect(b.splitK).toBeGreaterThan(1);
    expect(b.tiles * b.splitK).toBeLessThanOrEqual(2 * 132);
  });
  it('split-K is two kernels: the GEMM, then a reduction kernel with its own fixed time that reads the partials and writes C', () => {
    const shape = { m: 128, n: 256, k: 12288, dtype: 'bf16' } as const;
    const b0 = gemmBreakdown(h100, bare, shape);
    const b = gemmBreakdown(h100, { ...bare, launchSeconds: 2e-6 }, shape);
    expect(b.splitK).toBeGreaterThan(1);
    expect(b.splitK).toBe(b0.splitK);
    expect(b.partialBytes).toBe(128 * 256 * 4 * b.splitK);
    // fp32 partials read and a bf16 C written at the full HBM rate (hbmEfficiency 1), plus a launch
    expect(b.reductionSeconds).toBeCloseTo(2e-6 + (b.partialBytes + 128 * 256 * 2) / 3.35e12, 15);
    // the GEMM kernel's launch and latency, its time (a perfect overlap here), then the reduction kernel
    expect(b.seconds).toBeCloseTo(2e-6 + LAT + Math.max(b.computeSeconds, b.memorySeconds) + b.reductionSeconds, 15);
    // two kernels pay two launches
    expect(b.seconds - b0.seconds).toBeCloseTo(4e-6, 15);
    // all HBM bytes of both kernels: A, B, C once, the partials written and read
    expect(b.hbmBytes).toBe((128 * 12288 + 12288 * 256 + 128 * 256) * 2 + 2 * b.partialBytes);
    // a GEMM that fills the SMs without a split has no reduction kernel
    const big = gemmBreakdown(h100, { ...bare, launchSeconds: 2e-6 }, { m: 4096, n: 4096, k: 4096, dtype: 'bf16' });
    expect(big.splitK).toBe(1);
    expect(big.reductionSeconds).toBe(0);
  });
  it('decode GEMMs are bounded by HBM: the weights / bandwidth', () => {
    const b = gemmBreakdown(h100, bare, { m: 1, n: 4096, k: 4096, dtype: 'bf16' });
    const weights = 4096 * 4096 * 2;
    expect(b.bound).toBe('hbm');
    expect(b.memorySeconds).toBeGreaterThanOrEqual(weights / 3.35e12);
    expect(b.memorySeconds).toBeLessThan((weights * 1.01) / 3.35e12);
  });
  it('the L2 bound: every CTA loads its A rows and B columns through L2', () => {
    const spec = loadBuiltinTarget('h100');
    const slowL2 = { ...spec, memories: spec.memories.map((m) => (m.name === 'L2' ? { ...m, bandwidthBytesPerSecond: 2e11 } : m)) };
    const hw = gpuHardwareFromSpec(slowL2);
    expect(hw.l2BytesPerSecond).toBe(2e11);
    const b = gemmBreakdown(hw, bare, { m: 4096, n: 4096, k: 4096, dtype: 'bf16' });
    expect(b.bound).toBe('l2');
    // tiles x (rows + cols / 2) x K x 2 bytes (a 2-CTA cluster multicasts the B tile), over 0.2 TB/s
    expect(hw.clusterMulticast).toBe(2);
    expect(b.l2Bytes).toBe(b.tiles * b.splitK * (b.tileM + b.tileN / 2) * Math.ceil(4096 / b.splitK) * 2);
    expect(b.memorySeconds).toBeCloseTo(b.l2Bytes / 2e11, 12);
    // the real H100 L2 (10 TB/s) does not bind this GEMM
    expect(gemmBreakdown(h100, bare, { m: 4096, n: 4096, k: 4096, dtype: 'bf16' }).bound).toBe('compute');
  });
  it('L2 misses: the raster order sweeps one operand every wave; one L2 partition keeps part of it', () => {
    // the .arch files state two L2 partitions; an operand every SM reads has one half of the L2
    expect(h100.l2Partitions).toBe(2);
    expect(gpuHardwareFromSpec(loadBuiltinTarget('a100-80gb')).l2Partitions).toBe(2);
    const half = (50 * 2 ** 20) / 2;
    // a 16 x 86 grid (M = 2048 in 128 rows, N = 22016 in 256 columns): more N blocks, so rasters along
    // M and sweeps A (2048 x 8192 x 2 = 32 MiB) once per wave: ceil(1376 / 132) = 11 waves, 10 more sweeps
    const s = { m: 2048, n: 22016, k: 8192, dtype: 'fp16' as const };
    const a = 2048 * 8192 * 2;
    expect(l2RereadBytes(h100, s, 16, 86)).toBeCloseTo(10 * (a - half), 3);
    // an operand that fits in one partition is read once
    expect(l2RereadBytes(h100, { ...s, k: 4096 }, 16, 86)).toBe(0);
    // more M blocks than N blocks: rasters along N and sweeps B (22016 x 8192 x 2), at most once per row of tiles
    expect(l2RereadBytes(h100, s, 200, 2)).toBeCloseTo((Math.ceil(400 / 132) - 1) * (22016 * 8192 * 2 - half), 3);
    expect(l2RereadBytes(h100, s, 2, 1)).toBe(0);
    // without partitions the whole L2 holds the operand
    const spec = loadBuiltinTarget('h100');
    const one = gpuHardwareFromSpec({ ...spec, memories: spec.memories.map((m) => (m.name === 'L2' ? { ...m, attrs: {} } : m)) });
    expect(one.l2Partitions).toBe(1);
    expect(l2RereadBytes(one, s, 16, 86)).toBe(0);
  });
  it('an L2 partitions attribute that is not a whole number is a clear error', () => {
    const spec = loadBuiltinTarget('h100');
    const bad = { ...spec, memories: spec.memories.map((m) => (m.name === 'L2' ? { ...m, attrs: { partitions: 1.5 } } : m)) };
    expect(() => gpuHardwareFromSpec(bad)).toThrow(/partitions/);
  });
  it('fp8 is faster than bf16 on a large GEMM', () => {
    const s = { m: 8192, n: 8192, k: 8192 };
    expect(predictGemmSeconds(h100, DEFAULT_PARAMS, { ...s, dtype: 'fp8e4m3' })).toBeLessThan(predictGemmSeconds(h100, DEFAULT_PARAMS, { ...s, dtype: 'bf16' }));
  });
  it('roofline: 2*8192^3 FLOP at 989 TFLOP/s', () => {
    expect(rooflineGemmSeconds(h100, { m: 8192, n: 8192, k: 8192, dtype: 'bf16' })).toBeCloseTo((2 * 8192 ** 3) / 989e12, 15);
  });
});

describe('attention model', () => {
  // FlashAttention-2 issues mma.sync, which on Hopper reaches about 2/3 of the tensor peak (FA3 paper
  // sec. 2.2, citing Luo et al.): the h100.arch's sync_mma_fraction = 0.667
  const FA2_PEAK = 989e12 * 0.667;
  const base = { batch: 1, heads: 16, seqQ: 16384, seqKV: 16384, headDim: 128, dtype: 'bf16' as const };
  it('causal: the busiest SM gets its share of the lower-triangle blocks, within one CTA', () => {
    // FA2 at head dim 128: 128 x 64 blocks. 16 heads x query blocks i = 1..128 visiting 2i KV blocks:
    // 16 * 128*129 = 264192 blocks over 132 SMs -> the busiest SM has at least 2002 and at most 2002 + 256.
    const blockSeconds = (128 * 64 * 4 * 128) / (FA2_PEAK / 132);
    const t = attentionBreakdown(h100, bare, { ...base, causal: true }).computeSeconds / blockSeconds;
    expect(t).toBeGreaterThanOrEqual(2002 - 1e-6);
    expect(t).toBeLessThanOrEqual(2002 + 256);
    const full = predictAttentionSeconds(h100, bare, { ...base, causal: false });
    expect(predictAttentionSeconds(h100, bare, { ...base, causal: true }) / full).toBeLessThan(0.56);
  });
  it('non-causal prefill at peak: CTAs in waves x blocks x block FLOPs', () => {
    const b = attentionBreakdown(h100, bare, { ...base, causal: false });
    // 16 heads x 128 query blocks = 2048 CTAs -> ceil(2048/132) = 16 CTAs of 256 KV blocks (64 rows) each
    expect(b.ctas).toBe(2048);
    expect(b.computeSeconds).toBeCloseTo((16 * 256 * 128 * 64 * 4 * 128) / (FA2_PEAK / 132), 12);
  });
  it('FA3 overlaps softmax with the matmuls; FA2 adds them', () => {
    const p = { ...cloneParams(bare), softmaxCostPerScore: 1 };
    p.attention.fa2.overlap = 0;
    p.attention.fa3.overlap = 1;
    const s = { ...base, headDim: 64, causal: false };
    // per 128x128 block at d = 64: matmuls 4*128*128*64 FLOP at 989 x 0.667 / 132 TFLOP/s (mma.sync);
    // softmax 16384 exp at 16/clock
    const mma = (4 * 128 * 128 * 64) / (FA2_PEAK / 132);
    const soft = (128 * 128) / (16 * 1.98e9);
    const fa2 = attentionBreakdown(h100, p, { ...s, kernel: 'fa2' });
    // 32 x 128 CTAs per head group: 16 heads x 128 query blocks = 2048 CTAs, 16 per SM, 128 blocks each
    expect(fa2.computeSeconds).toBeCloseTo(16 * 128 * (mma + soft), 12);
    const fa3 = attentionBreakdown(h100, p, { ...s, kernel: 'fa3' });
    expect(fa3.computeSeconds).toBeLessThan(fa2.computeSeconds);
  });
  it('FA2 runs at the mma.sync rate, FA3 (wgmma) at the whole peak', () => {
    const s = { ...base, headDim: 64, causal: false };
    const full = { ...h100, syncMmaFraction: 1 };
    // bare: softmax negligible and overlapped, so compute is blocks x matmul time, inversely the rate
    const fa2 = attentionBreakdown(h100, bare, { ...s, kernel: 'fa2' }).computeSeconds;
    expect(fa2 / attentionBreakdown(full, bare, { ...s, kernel: 'fa2' }).computeSeconds).toBeCloseTo(1 / 0.667, 9);
    const fa3 = attentionBreakdown(h100, bare, { ...s, kernel: 'fa3' }).computeSeconds;
    expect(attentionBreakdown(full, bare, { ...s, kernel: 'fa3' }).computeSeconds).toBe(fa3);
  });
  it('grouped-query attention reads K and V once per KV head', () => {
    const s = { batch: 64, heads: 64, seqQ: 1, seqKV: 4096, headDim: 128, causal: false, dtype: 'bf16' as const };
    const mha = attentionBreakdown(h100, bare, s);
    const gqa = attentionBreakdown(h100, bare, { ...s, kvHeads: 8 });
    const q = 64 * 64 * 1 * 128 * 2;
    expect(mha.hbmBytes).toBe(2 * q + 2 * 64 * 64 * 4096 * 128 * 2);
    expect(gqa.hbmBytes).toBe(2 * q + 2 * 64 * 8 * 4096 * 128 * 2);
    expect(gqa.seconds).toBeLessThan(mha.seconds / 4);
  });
  it('decode is bounded by reading K and V once', () => {
    const s = { batch: 64, heads: 16, seqQ: 1, seqKV: 32768, headDim: 128, causal: false, dtype: 'bf16' as const };
    const b = attentionBreakdown(h100, bare, s);
    const bytes = 2 * 64 * 16 * (2 * 1 * 128 + 2 * 32768 * 128);
    expect(b.memorySeconds).toBeCloseTo(bytes / 3.35e12, 12);
    expect(rooflineAttentionSeconds(h100, s)).toBeCloseTo(bytes / 3.35e12, 15);
  });
  it('the backward pass costs about 2.5x the forward matmuls', () => {
    const s = { ...base, causal: false, headDim: 64 };
    const f = attentionBreakdown(h100, bare, { ...s, pass: 'fwd' });
    const fb = attentionBreakdown(h100, bare, { ...s, pass: 'fwd+bwd' });
    expect(fb.mmaFlops / f.mmaFlops).toBeCloseTo(3.5, 1);
  });
});
