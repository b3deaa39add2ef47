// The area/energy model (sim/lut/cost.ts) against hand counts on a library of round numbers, and the
// sweep and side-by-side (sim/lut/compare.ts) against what the component counts imply.
import { describe, expect, it } from 'vitest';
import { bestTiles, sideBySide, tileSweep } from '../../sim/lut/compare';
import { cellLibraryFromSpec, checkDesign, densityTflopsPerMm2, topsPerWatt, unitCost, type CellLibrary } from '../../sim/lut/cost';
import { DEFAULT_UNIT } from '../../sim/lut/tile';
import { loadTargetSpec } from '../../targets/registry';

const p = (um2: number, pj: number) => ({ um2, pj });
const LIB: CellLibrary = {
  reg: p(1, 0.1), mux2: p(2, 0.2), xor: p(3, 0.3), addBit: p(5, 0.5), mulBit: p(7, 0.7),
  fpAdd: { fp8: p(100, 10), fp16: p(200, 20), fp32: p(400, 40) }, fpMul: { fp8: p(300, 30), fp16: p(600, 60) }, source: 'test',
};

describe('LUT unit cost by hand', () => {
  it('M1 N1 K2, A_INT8, W1: 18 table bits, 2 weight bits, 9 mux2, 9 xor, a 32-bit accumulator', () => {
    const u = unitCost(LIB, { kind: 'lut', tile: { m: 1, n: 1, k: 2 }, act: 'int8', wbits: 1 });
    // entry bits 8 + ceil(log2 2) = 9; 2^(K-1) = 2 entries
    expect(u.areaUm2).toBe(18 * 1 + 2 * 1 + 9 * 2 + 9 * 3 + 32 * 5 + 32 * 1);
    expect(u.pjPerCycle).toBeCloseTo(18 * 0.1 + 2 * 0.1 + 9 * 0.2 + 9 * 0.3 + 32 * 0.5 + 32 * 0.1, 12);
    expect(u.macsPerCycle).toBe(2);
    // 2 MACs x 2 ops x 1 GHz over 257 um2
    expect(densityTflopsPerMm2(u, 1e9)).toBeCloseTo((4e9 / 1e12) / (257e-6), 9);
    expect(topsPerWatt(u)).toBeCloseTo(4 / 25.7, 12);
  });

  it('W2 on FP16: table and weight registers written every other cycle, an exponent add for the plane, an FP16 accumulator', () => {
    const u = unitCost(LIB, { kind: 'lut', tile: { m: 2, n: 4, k: 3 }, act: 'fp16', wbits: 2, doubleRegs: true });
    const table = 2 * 4 * 16 * 2, weights = 4 * 3 * 2, lanes = 8;
    expect(u.areaUm2).toBe(table + weights + lanes * 3 * 16 * 2 + lanes * 3 + lanes * 5 * 5 + lanes * 200 + lanes * 16);
    expect(u.pjPerCycle).toBeCloseTo((table + weights) * 0.1 / 2 + lanes * 48 * 0.2 + lanes * 0.3 + lanes * 5 * 0.5 + lanes * 20 + lanes * 1.6, 9);
    expect(u.macsPerCycle).toBe(12);
  });

  it('dequantise-then-MAC and bit-serial DP4 lanes: 4 MACs a cycle, and 4 / W', () => {
    const mac = unitCost(LIB, { kind: 'mac', tile: { m: 1, n: 1, k: 4 }, act: 'int8', wbits: 4, dequantReuse: 1 });
    // inputs 4 x 2 x 8, dequantisers 4 x 64 mul bits, multipliers 4 x 64, tree 3 x 16 add bits, acc 32 + 32
    expect(mac.areaUm2).toBe(64 * 1 + 256 * 7 + 256 * 7 + 48 * 5 + 32 * 5 + 32 * 1);
    expect(mac.macsPerCycle).toBe(4);
    expect(unitCost(LIB, { kind: 'bitserial', tile: { m: 1, n: 1, k: 4 }, act: 'int8', wbits: 4 }).macsPerCycle).toBe(1);
  });

  it('refuses what it cannot cost, with a plain message', () => {
    expect(checkDesign({ kind: 'lut', tile: { m: 2, n: 64, k: 9 }, act: 'int8', wbits: 2 })).toMatch(/tile K = 9/);
    expect(checkDesign({ kind: 'lut', tile: { m: 2, n: 64, k: 4 }, act: 'int8', wbits: 5 })).toMatch(/bit width 5/);
    expect(checkDesign({ kind: 'mac', tile: { m: 1, n: 1, k: 3 }, act: 'int8', wbits: 2 })).toMatch(/multiple of 4/);
  });
});

describe('the tile sweep on the lut-tc cell library', () => {
  const lib = cellLibraryFromSpec(loadTargetSpec('lut-tc'));
  if (typeof lib === 'string') throw new Error(lib);
  const pts = tileSweep(lib, ['int8'], [1, 2], 1e9);

  it('the elongated M2 N64 K4 is the smallest INT8 tile at W1 and W2', () => {
    for (const b of bestTiles(pts)) expect([b.m, b.n, b.k]).toEqual([2, 64, 4]);
  });

  it('FP16 activations, with their dearer accumulators, are smallest one step of K further: K = 5', () => {
    const fp = bestTiles(tileSweep(lib, ['fp16'], [2], 1e9));
    expect(fp.map((b) => b.k)).toEqual([5]);
  });

  it('why: at K = 4, table registers grow with M while weight registers shrink with N = 128 / M', () => {
    const k4 = pts.filter((x) => x.k === 4 && x.wbits === 2).sort((a, b) => a.m - b.m);
    for (let i = 1; i < k4.length; i++) expect(k4[i]!.m).toBeGreaterThan(k4[i - 1]!.m);
    const regs = (m: number) => k4.find((x) => x.m === m)!.tableUm2;
    // table 2 x M x 8 x 8 bits, weights (128 / M) x 4 x 2 bits: M = 2 has fewer register bits than M = 1 and M = 8
    expect(regs(2)).toBeLessThan(regs(1));
    expect(regs(2)).toBeLessThan(regs(8));
    // and K trades multiplexers (2^(K-1) - 1 per lane) against accumulators (512 / K lanes)
    const m2 = (k: number) => pts.find((x) => x.m === 2 && x.k === k && x.wbits === 2);
    expect(m2(8)?.muxUm2 ?? Infinity).toBeGreaterThan(m2(4)!.muxUm2);
    expect(m2(2)!.accUm2).toBeGreaterThan(m2(4)!.accUm2);
  });

  it('side by side on a decode GEMM: MAC cycles do not depend on W, bit-serial cycles grow as W, the LUT wins at W1', () => {
    const rows = sideBySide(lib, { M: 1, N: 11008, K: 4096 }, 'fp16', [1, 2, 4, 8], DEFAULT_UNIT, 1e9);
    const of = (k: string, w: number) => rows.find((r) => r.kind === k && r.wbits === w)!;
    // 8 x 4 x 16 units: ceil(1/8) x 2752 x 256 steps
    expect(of('mac', 1).cycles).toBe(2752 * 256);
    expect(of('mac', 8).cycles).toBe(2752 * 256);
    expect(of('bitserial', 4).cycles).toBe(4 * 2752 * 256);
    // M2 N64 K4: 172 x 1024 steps of W cycles, one cycle of table load first and one of add last
    expect(of('lut', 1).cycles).toBe(1 + (172 * 1024 - 1) * 1 + 1 + 1);
    expect(of('lut', 1).cycles).toBeLessThan(of('mac', 1).cycles);
    expect(of('lut', 1).tflopsPerMm2).toBeGreaterThan(of('mac', 1).tflopsPerMm2);
  });
});
