// Level 2 (fast fold engine) against level 3 (per-PE registers): equal cycles and bit-equal values,
// and both equal to an independent triple loop. Property test over array sides 1..16, GEMM sides
// 1..64 (most of which do not divide the array), all three dataflows, fp32 and int32.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATAFLOWS, simulateReference, simulateSystolic } from '../../sim/spatial';
import type { MacDtype } from '../../sim/spatial/mac';
import { randomMatrix, sameBits, tripleLoop } from './helpers';

function check(df: (typeof DATAFLOWS)[number], R: number, C: number, M: number, N: number, K: number, dtype: MacDtype, seed: number): void {
  const A = randomMatrix(dtype, M * K, seed);
  const B = randomMatrix(dtype, K * N, seed + 7);
  const ref = simulateReference(df, { rows: R, cols: C }, { M, N, K }, { dtype, A, B });
  const fast = simulateSystolic({ M, N, K }, { rows: R, cols: C, dataflow: df, wordBytes: 1 }, { operands: { dtype, A, B } });
  expect(fast.totalCycles).toBe(ref.cycles);
  expect(fast.computeCycles).toBe(ref.cycles);
  expect(ref.macs).toBe(M * N * K);
  expect(sameBits(fast.Z!, ref.Z)).toBe(true);
  expect(sameBits(ref.Z, tripleLoop(dtype, A, B, M, N, K))).toBe(true);
}

describe('fast systolic engine equals the per-PE reference', () => {
  for (const df of DATAFLOWS) {
    it(`${df}: random arrays 1..16 and GEMMs 1..64, fp32 and int32`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 16 }),
          fc.integer({ min: 1, max: 16 }),
          fc.integer({ min: 1, max: 64 }),
          fc.integer({ min: 1, max: 64 }),
          fc.integer({ min: 1, max: 64 }),
          fc.constantFrom<MacDtype>('fp32', 'int32'),
          fc.integer({ min: 1, max: 1 << 30 }),
          (R, C, M, N, K, dtype, seed) => check(df, R, C, M, N, K, dtype, seed),
        ),
        { numRuns: 40, seed: 20261122 },
      );
    });

    it(`${df}: corner shapes (1×1 array, exact multiples, one past a multiple, the largest)`, () => {
      check(df, 1, 1, 3, 2, 5, 'fp32', 1);
      check(df, 4, 4, 8, 8, 8, 'int32', 2);
      check(df, 4, 4, 9, 5, 17, 'fp32', 3);
      check(df, 16, 1, 64, 1, 64, 'fp32', 4);
      check(df, 1, 16, 1, 64, 1, 'int32', 5);
      check(df, 16, 16, 64, 64, 64, 'fp32', 6);
    });
  }
});
