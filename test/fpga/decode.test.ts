import { describe, expect, it } from 'vitest';
import { decodeStep, type DecodeConfig } from '../../sim/fpga/decode';
import { reproFlightllm } from '../../compiler/driver/commands/repro-flightllm';

const hbm = { channels: 32, channelBytesPerSecond: 14.375e9, efficiencyInChannel: 0.7, efficiencyCrossChannel: 0.35 };
const cfg = (alwaysOnChip: boolean): DecodeConfig => ({ clockHz: 225e6, cores: 1, mv: { n: 64, k: 16, m: 1 }, hbm, weightBits: 4, sparsity: {}, kvBits: 8, actBits: 8, alwaysOnChip, normElementsPerCycle: 16 });
// the RMSNorms: 2 a block and the final one, each 2 x 64 / 16 = 8 cycles (the row read twice), in series
const norms = (3 * 8) / 225e6;

describe('FPGA decode step, hand-derived', () => {
  // one layer, hidden 64, intermediate 64, vocab 64, kv 16: 8 GEMVs of 64x64 (7 weights + LM head ... ) by hand below
  const m = { layers: 1, hidden: 64, intermediate: 64, heads: 1, vocab: 64 };
  it('always-on-chip: sum of max(compute, memory) per op', () => {
    const s = decodeStep(m, 16, cfg(true));
    // weight ops 64x64 (q, k, v, o, gate, up, down, head = 8): 1 column tile x (64/16 + 16) = 20 cycles; 64*64*4/8 = 2048 B
    const tcW = 20 / 225e6;
    const tmW = 2048 / (460e9 * 0.7);
    // QK: K=64, N=16: 1 tile x (4 + 16) = 20 cycles, 64*16 B; SV: K=16, N=64: 1 tile x (1 + 16) = 17 cycles, 1024 B
    const tmKV = 1024 / (460e9 * 0.7);
    const expected = 8 * Math.max(tcW, tmW) + Math.max(20 / 225e6, tmKV) + Math.max(17 / 225e6, tmKV) + norms;
    expect(s.seconds).toBeCloseTo(expected, 15);
    expect(s.normSeconds).toBeCloseTo(norms, 18);
    expect(s.hbmBytes).toBe(8 * 2048 + 2 * 1024);
  });
  it('without it: compute and transfers serialise and activations cross channels', () => {
    const s = decodeStep(m, 16, cfg(false));
    const act = (k: number, n: number) => ((k + n) * 8) / 8 / (460e9 * 0.35);
    const expected = 8 * (20 / 225e6 + 2048 / (460e9 * 0.7) + act(64, 64)) + (20 / 225e6 + 1024 / (460e9 * 0.7) + act(64, 16)) + (17 / 225e6 + 1024 / (460e9 * 0.7) + act(16, 64)) + norms;
    expect(s.seconds).toBeCloseTo(expected, 15);
  });
  it('repro flightllm: every point, both devices; always-on-chip raises HBM utilisation', () => {
    const r = reproFlightllm();
    expect(r.tokensPerSecond.length).toBe(12);
    expect(r.hbmUtilisation.on).toBeGreaterThan(r.hbmUtilisation.off);
    // 8:16 on a 4096x11008 GEMV, 3 cores do not enter the ratio: 172 column tiles x (256+16) vs (128+16)
    expect(r.sparseChainGain.ours).toBeCloseTo(272 / 144, 12);
    expect(r.dsp.ours).toBe(3 * 2048);
  });
  it('energy per token: the board\'s measured 45 W over the time per token, and the activity\'s dynamic energy by hand', () => {
    const r = reproFlightllm();
    const u = r.energyPerToken.find((e) => e.target === 'u280')!;
    const rate = r.tokensPerSecond.find((x) => x.target === 'u280' && x.prefill === 128 && x.decode === 512)!.ours;
    expect(u.joules!).toBeCloseTo(45 / rate, 9);
    expect(u.paperJoules!).toBeCloseTo(45 / 55, 12);
    // lower --sparsity 8:16 prunes the seven projections of each block, half kept (each 3.5 bits plus a 4-bit
    // index); the LM head stays dense at 3.5 bits; INT8 KV read in QK and SV; kv = 128 ... 639
    const h = 4096;
    const pruned = 32 * (4 * h * h + 3 * h * 11008);
    const head = h * 32000;
    let macs = 0;
    let bytes = 0;
    for (let kv = 128; kv < 640; kv++) {
      macs += pruned / 2 + head + 32 * 2 * h * kv;
      bytes += (pruned / 2) * (7.5 / 8) + head * (3.5 / 8) + 32 * 2 * h * kv;
    }
    const dynamic = (macs * (0.2 + 0.03) + bytes * 3.9 * 8) / 1e12 / 512;
    expect(u.dynamicJoules).toBeCloseTo(dynamic, 9);
    // no board power in the vhk158's sources: not modelled, never 0
    expect(r.energyPerToken.find((e) => e.target === 'vhk158')!.joules).toBeNull();
  });
});
