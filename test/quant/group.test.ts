// Group quantisation: the error bound |x - x̂| ≤ s/2 for integer elements (s the group's scale, derived
// by hand from the group's extreme), exact dequantisation, and footprints counted by hand.
import { describe, expect, it } from 'vitest';
import { dequantise, kiviFootprint, kvCacheBytes, parseFormat, quantisedSize, quantiseGroups, type FloatFormat } from '../../compiler/quant';
import { mulberry } from './rng';

function randomData(n: number, seed: number): Float64Array {
  const r = mulberry(seed);
  return Float64Array.from({ length: n }, () => (r() * 2 - 1) * (1 + 10 * r()));
}

describe('group quantisation', () => {
  it('a hand-worked group: [-1, 0.3, 0.5, 2] in int4 has scale 2/7 rounded up in fp16, q = [-3, 1, 2, 7]', () => {
    const t = quantiseGroups(Float64Array.from([-1, 0.3, 0.5, 2]), [4], { format: parseFormat('int4'), group: 4, axis: 0 });
    // 2/7 = 0.285714...; fp16 steps are 2^-12 in [0.25, 0.5): 1170·2^-12 = 0.28564453125 is nearest, but 2/that = 7.0017 > 7, so one step up: 1171·2^-12
    expect(t.scales[0]).toBe(0.285888671875);
    expect([...t.q]).toEqual([-3, 1, 2, 7]);
    expect([...dequantise(t)]).toEqual([-3, 1, 2, 7].map((q) => q * 0.285888671875));
  });
  for (const fmt of ['int2', 'int3', 'int4', 'int8'])
    for (const group of [1, 32, 128])
      it(`${fmt}, group ${group}: every element within s/2 of its value, along either axis`, () => {
        const shape = [256, 12];
        const x = randomData(256 * 12, group * 31 + fmt.length);
        for (const axis of [0, 1]) {
          const t = quantiseGroups(x, shape, { format: parseFormat(fmt), group, axis });
          const y = dequantise(t);
          const f = parseFormat(fmt);
          for (let i = 0; i < 256; i++)
            for (let j = 0; j < 12; j++) {
              const k = axis === 0 ? i : j;
              const gi = axis === 0 ? Math.floor(i / group) * 12 + j : i * Math.ceil(12 / group) + Math.floor(j / group);
              const s = t.scales[gi]!;
              const at = i * 12 + j;
              expect(Math.abs(x[at]! - y[at]!)).toBeLessThanOrEqual(s / 2);
              expect(Number.isInteger(t.q[at]!) && t.q[at]! >= (f as { min: number }).min && t.q[at]! <= (f as { max: number }).max).toBe(true);
              void k;
            }
        }
      });
  for (const fmt of ['fp4e2m1', 'fp6e2m3', 'fp6e3m2', 'fp8e4m3', 'fp8e5m2'])
    it(`${fmt}, group 32: within half an ulp of q, times s (relative 2^-(m+1), or half a subnormal)`, () => {
      const f = parseFormat(fmt) as FloatFormat;
      const x = randomData(64 * 32, fmt.length * 7);
      const t = quantiseGroups(x, [64, 32], { format: f, group: 32, axis: 1 });
      const y = dequantise(t);
      for (let i = 0; i < x.length; i++) {
        const s = t.scales[Math.floor(i / 32)]!;
        const bound = s * Math.max(Math.abs(x[i]! / s) * 2 ** -(f.mbits + 1), f.minSubnormal / 2);
        expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(bound * (1 + 1e-12));
        expect(Math.abs(t.q[i]!)).toBeLessThanOrEqual(f.maxFinite);
      }
    });
  it('asymmetric uint2 with an offset (KIVI): within s/2, and a constant group is exact', () => {
    const x = randomData(32 * 64, 5);
    const t = quantiseGroups(x, [32, 64], { format: parseFormat('uint2'), group: 32, axis: 0, offset: true });
    const y = dequantise(t);
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(t.scales[i % 64]! / 2);
    const c = quantiseGroups(Float64Array.from([0.5, 0.5, 0.5]), [3], { format: parseFormat('uint2'), group: 3, axis: 0, offset: true });
    expect([...dequantise(c)]).toEqual([0.5, 0.5, 0.5]);
  });
  it('refuses a signed format with an offset, and an unsigned one without', () => {
    expect(() => quantiseGroups(new Float64Array(4), [4], { format: parseFormat('int4'), group: 2, axis: 0, offset: true })).toThrow(/unsigned/);
    expect(() => quantiseGroups(new Float64Array(4), [4], { format: parseFormat('uint4'), group: 2, axis: 0 })).toThrow(/signed/);
  });
});

describe('footprints', () => {
  it('LLaMA-2-7B q_proj 4096×4096, int4, group 128 along the input: 8 MiB of elements + 4096·32 fp16 scales (256 KiB)', () => {
    const s = quantisedSize([4096, 4096], { format: parseFormat('int4'), group: 128, axis: 0 });
    expect(s.elementBits).toBe(4096 * 4096 * 4);
    expect(s.scaleBits).toBe(32 * 4096 * 16);
    expect(s.bytes).toBe(8 * 2 ** 20 + 256 * 1024);
  });
  it('KIVI 2-bit, group 32, residual 128, LLaMA-2-7B (32 layers, 4096 channels) at kv = 4096, batch 1', () => {
    // per layer: 3968 quantised tokens; keys 3968·4096·2 bits + (3968/32)·4096 groups × (scale + min) × 16 bits;
    // values the same count (4096/32 groups per token); residual 2·128·4096·16 bits
    const q = 3968 * 4096 * 2, sz = 124 * 4096 * 2 * 16;
    const perLayerBits = 2 * (q + sz) + 2 * 128 * 4096 * 16;
    expect(perLayerBits).toBe(114_294_784);
    const f = kiviFootprint({ batch: 1, layers: 32, channels: 4096, tokens: 4096 }, { bits: 2, group: 32, residual: 128 });
    expect(f.bytes).toBe((32 * perLayerBits) / 8); // 457.2 MB
    expect(kvCacheBytes({ batch: 1, layers: 32, channels: 4096, tokens: 4096 })).toBe(2 * 32 * 4096 * 4096 * 2); // 2.15 GB in fp16
    expect(kvCacheBytes({ batch: 32, layers: 32, channels: 4096, tokens: 4096 }) / 1e9).toBeCloseTo(68.72, 2); // the "about 69 GB"
  });
});

describe('along a named rank', () => {
  it('axisOfRank finds the dimension, or says which ranks there are', async () => {
    const { axisOfRank } = await import('../../compiler/quant');
    expect(axisOfRank([{ rank: 'D' }, { rank: 'H' }, { rank: 'E' }], 'H')).toBe(1);
    expect(() => axisOfRank([{ rank: 'D' }], 'K')).toThrow('no dimension over rank K (the tensor\'s ranks: D)');
  });
});
