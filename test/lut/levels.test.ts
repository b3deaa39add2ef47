// Level 2 (sim/lut/tile.ts: closed-form cycles, per-tile arithmetic) against level 3 (sim/lut/reference.ts:
// every lane, every clock): equal in cycles and in every output bit on random small mpGEMMs, tile shapes
// (the paper's M2 N64 K4 and others), bit widths, table formats, accumulators, table-load rates and
// with and without the double buffer. Also the functional model (no rounding in the accumulator) and a
// hand count of one case.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lutMpGemm, type MpGemm } from '../../sim/lut/functional';
import { runLutReference } from '../../sim/lut/reference';
import { lutCycles, runLutTiles, type LutUnitConfig } from '../../sim/lut/tile';

function gemm(r: () => number, M: number, N: number, Kdim: number, wbits: number, group: number): MpGemm {
  const qg = Kdim / group;
  return {
    M, N, Kdim, wbits, group,
    a: new Float64Array(M * Kdim).map(() => Math.round((r() * 2 - 1) * 2048) / 256),
    q: new Uint8Array(N * Kdim).map(() => Math.floor(r() * 2 ** wbits)),
    s: new Float64Array(N * qg).map(() => 1 + Math.floor(r() * 8) / 8),
    z: new Float64Array(N * qg).map(() => Math.floor(r() * 2 ** wbits)),
  };
}

const arb = fc.record({
  seed: fc.integer({ min: 1, max: 1e9 }),
  tm: fc.integer({ min: 1, max: 4 }),
  tn: fc.integer({ min: 1, max: 9 }),
  tk: fc.integer({ min: 1, max: 5 }),
  M: fc.integer({ min: 1, max: 6 }),
  N: fc.integer({ min: 1, max: 12 }),
  kgroups: fc.integer({ min: 1, max: 3 }),
  qgroups: fc.integer({ min: 1, max: 3 }),
  wbits: fc.constantFrom(1, 2, 3, 4, 8),
  table: fc.constantFrom('exact', 'fp16', 'fp32', 'int8q' as const),
  acc: fc.constantFrom('exact', 'fp16', 'fp32' as const),
  tableLoad: fc.integer({ min: 1, max: 20 }),
  doubleBuffered: fc.boolean(),
});

describe('LUT level 2 equals level 3', () => {
  it('in cycles and values on random small cases', () => {
    fc.assert(
      fc.property(arb, (p) => {
        let s = p.seed;
        const r = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        const group = p.tk * p.kgroups;
        const g = gemm(r, p.M, p.N, group * p.qgroups, p.wbits, group);
        const u: LutUnitConfig = { tile: { m: p.tm, n: p.tn, k: p.tk }, table: p.table, acc: p.acc, tableLoad: p.tableLoad, doubleBuffered: p.doubleBuffered };
        const l3 = runLutReference(g, u);
        const l2 = runLutTiles(g, u);
        expect(l2.cycles).toBe(l3.cycles);
        expect(Array.from(l2.y)).toEqual(Array.from(l3.y));
      }),
      { numRuns: 300, seed: 4 },
    );
  });

  it('on the paper tile M2 N64 K4 with FP16 tables and FP16 partial sums (the RTL), W2', () => {
    let s = 99;
    const r = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const g = gemm(r, 3, 70, 32, 2, 16);
    const u: LutUnitConfig = { tile: { m: 2, n: 64, k: 4 }, table: 'fp16', acc: 'fp16', tableLoad: 16, doubleBuffered: true };
    const l3 = runLutReference(g, u);
    const l2 = runLutTiles(g, u);
    expect(l2.cycles).toBe(l3.cycles);
    expect(Array.from(l2.y)).toEqual(Array.from(l3.y));
    // by hand: 2 m-tiles x 2 n-tiles x 8 k-steps = 32 steps; a step's tables are 2 x 8 = 16 entries,
    // one cycle at 16 a cycle, hidden under its 2 planes: 1 + 31 x 2 + 2 + 1 = 66
    expect(l2.cycles).toBe(66);
  });

  it('with an exact accumulator equals the functional model', () => {
    let s = 5;
    const r = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const g = gemm(r, 5, 7, 24, 4, 8);
    const u: LutUnitConfig = { tile: { m: 2, n: 4, k: 4 }, table: 'exact', acc: 'exact', tableLoad: 4, doubleBuffered: false };
    expect(Array.from(runLutTiles(g, u).y)).toEqual(Array.from(lutMpGemm(g, { k: 4 })));
  });

  it('stalls on table loads when the double buffer is off (closed form by hand)', () => {
    const u: LutUnitConfig = { tile: { m: 2, n: 64, k: 4 }, table: 'exact', acc: 'exact', tableLoad: 4, doubleBuffered: false };
    // one step: 16 entries at 4 a cycle = 4 cycles of load, then W = 1 plane, then the add: 6
    expect(lutCycles(2, 64, 4, 1, u).cycles).toBe(6);
    // 3 steps: 3 x (4 + 1) + 1
    expect(lutCycles(2, 64, 12, 1, u).cycles).toBe(16);
  });
});
