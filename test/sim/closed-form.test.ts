// Cycle counts with unlimited bandwidth against hand-derived closed forms (docs/SIMULATOR.md):
//   os fold: T + r + c − 2 (skewed fill and steady state) + R (drain)
//   ws/is fold: r (stationary load) + T + R + c − 2 (skewed stream; psums traverse all R rows)
// The expected numbers below are worked by hand, not produced by the code.
import { describe, expect, it } from 'vitest';
import { simulateReference, simulateSystolic } from '../../sim/spatial';
import { randomMatrix } from './helpers';

const dims = { rows: 4, cols: 4 };

function cycles(df: 'os' | 'ws' | 'is', M: number, N: number, K: number): number {
  return simulateSystolic({ M, N, K }, { ...dims, dataflow: df, wordBytes: 1 }).totalCycles;
}

function refCycles(df: 'os' | 'ws' | 'is', M: number, N: number, K: number): number {
  const A = randomMatrix('int32', M * K, 1);
  const B = randomMatrix('int32', K * N, 2);
  return simulateReference(df, dims, { M, N, K }, { dtype: 'int32', A, B }).cycles;
}

describe('closed-form fold cycles on a 4×4 array, GEMM M=10, N=6, K=9', () => {
  it('ws: K→rows in folds of 4,4,1; N→cols in folds of 4,2; T = M = 10', () => {
    // c=4: (4+10+4+4−2)=20, 20, (1+10+4+4−2)=17 → 57;  c=2: 18, 18, 15 → 51;  total 108
    expect(cycles('ws', 10, 6, 9)).toBe(108);
    expect(refCycles('ws', 10, 6, 9)).toBe(108);
  });
  it('is: K→rows (4,4,1); M→cols (4,4,2); T = N = 6', () => {
    // c=4: (4+6+4+4−2)=16, 16, (1+6+4+4−2)=13 → 45, twice → 90;  c=2: 14, 14, 11 → 39;  total 129
    expect(cycles('is', 10, 6, 9)).toBe(129);
    expect(refCycles('is', 10, 6, 9)).toBe(129);
  });
  it('os: M→rows (4,4,2); N→cols (4,2); T = K = 9', () => {
    // fold = 9 + r + c − 2 + 4:  r=4,c=4: 19 (×2);  r=2,c=4: 17;  r=4,c=2: 17 (×2);  r=2,c=2: 15
    // → 38 + 17 + 34 + 15 = 104
    expect(cycles('os', 10, 6, 9)).toBe(104);
    expect(refCycles('os', 10, 6, 9)).toBe(104);
  });
  it('full folds reduce to the SCALE-Sim paper formula 2R + C + T − 2 per fold', () => {
    // 8×8 GEMM with K=8 on 4×4: ws has 2×2 full folds, T = 8: 4 × (8 + 4 + 8 − 2) = 72
    expect(cycles('ws', 8, 8, 8)).toBe(4 * (2 * 4 + 4 + 8 - 2));
    expect(cycles('os', 8, 8, 8)).toBe(4 * (2 * 4 + 4 + 8 - 2));
    expect(cycles('is', 8, 8, 8)).toBe(4 * (2 * 4 + 4 + 8 - 2));
  });
  it('unlimited memory settings give the same cycles as no memory model', () => {
    const memory = {
      dram: { name: 'DRAM', kind: 'dram' as const, bytesPerCycle: Infinity, latencyCycles: 0 },
      ifmapSram: { name: 'IFMAP', capacityBytes: 1 << 30 },
      filterSram: { name: 'FILTER', capacityBytes: 1 << 30 },
      ofmapSram: { name: 'OFMAP', capacityBytes: 1 << 30 },
    };
    const run = simulateSystolic({ M: 10, N: 6, K: 9 }, { ...dims, dataflow: 'ws', wordBytes: 1, memory });
    expect(run.totalCycles).toBe(108);
    expect(run.stallCycles).toBe(0);
    // traffic: A (90 words) and B (54) read once from DRAM; Z (60) written once
    expect(run.dram).toEqual({ ifmapReadBytes: 90, filterReadBytes: 54, ofmapReadBytes: 0, ofmapWriteBytes: 60 });
  });
});
