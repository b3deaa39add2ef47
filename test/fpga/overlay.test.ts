import { describe, expect, it } from 'vitest';
import { checkSparsity, gemmCycles, hbmSeconds, nonzerosAlongK, type EngineMode, type Sparsity } from '../../sim/fpga/overlay';
import { runChains } from '../../sim/fpga/overlay-chain';

// a deterministic generator (LCG), so the data is independent of the code under test
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function problem(rows: number, K: number, cols: number, sp: Sparsity, seed: number) {
  const rnd = lcg(seed);
  const X = new Int8Array(rows * K).map(() => Math.floor(rnd() * 256) - 128);
  const W = new Int8Array(K * cols);
  const mask = new Uint8Array(K * cols);
  for (let c = 0; c < cols; c++) {
    for (let g = 0; g < K; g += sp.m) {
      const len = Math.min(sp.m, K - g);
      // keep min(n, len) distinct positions of the group, chosen at random
      const pos = Array.from({ length: len }, (_, i) => i).sort(() => rnd() - 0.5).slice(0, Math.min(sp.n, len));
      for (const p of pos) {
        mask[(g + p) * cols + c] = 1;
        W[(g + p) * cols + c] = Math.floor(rnd() * 256) - 128;
      }
    }
  }
  return { X, W, mask };
}

const MM: EngineMode = { n: 2, k: 16, m: 128 };
const MV: EngineMode = { n: 64, k: 16, m: 1 };
const SMALL: EngineMode = { n: 3, k: 4, m: 2 };

describe('FlightLLM overlay: level 2 equals the per-DSP-chain level 3', () => {
  const cases: [number, number, number, EngineMode, Sparsity][] = [
    [1, 64, 130, MV, { n: 16, m: 16 }],
    [1, 100, 70, MV, { n: 8, m: 16 }],
    [1, 96, 64, MV, { n: 2, m: 16 }],
    [130, 48, 5, MM, { n: 4, m: 16 }],
    [5, 37, 7, SMALL, { n: 8, m: 16 }],
    [7, 33, 11, SMALL, { n: 16, m: 16 }],
    [3, 50, 4, SMALL, { n: 2, m: 16 }],
  ];
  for (const [rows, K, cols, mode, sp] of cases) {
    it(`${rows}x${K}x${cols}, mode N${mode.n} K${mode.k} M${mode.m}, ${sp.n}:${sp.m}`, () => {
      const { X, W, mask } = problem(rows, K, cols, sp, rows * 7919 + K * 31 + cols);
      const l3 = runChains(X, W, mask, rows, K, cols, mode);
      expect(l3.cycles).toBe(gemmCycles(rows, K, cols, mode, sp));
      // the chains compute the matmul (oracle: a plain triple loop)
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += X[r * K + k] * W[k * cols + c];
          expect(l3.y[r * cols + c]).toBe(s);
        }
    });
  }
});

describe('overlay formulas, hand-derived', () => {
  it('MV mode decode GEMV 4096x4096 dense: 64 column tiles x (256 + 16) cycles', () => {
    expect(gemmCycles(1, 4096, 4096, MV, { n: 16, m: 16 })).toBe(64 * (4096 / 16 + 16));
    // 8:16 halves the reduction steps
    expect(gemmCycles(1, 4096, 4096, MV, { n: 8, m: 16 })).toBe(64 * (2048 / 16 + 16));
  });
  it('N:M nonzeros, with a partial last group', () => {
    expect(nonzerosAlongK(4096, { n: 4, m: 16 })).toBe(1024);
    expect(nonzerosAlongK(20, { n: 8, m: 16 })).toBe(8 + 4);
  });
  it('HBM: 460 GB/s at 0.7 in-channel, 0.35 across', () => {
    const hbm = { channels: 32, channelBytesPerSecond: 14.375e9, efficiencyInChannel: 0.7, efficiencyCrossChannel: 0.35 };
    expect(hbmSeconds(322e9, hbm, false)).toBeCloseTo(1, 9);
    expect(hbmSeconds(161e9, hbm, true)).toBeCloseTo(1, 9);
  });
  it('patterns the sparse chain cannot run are refused plainly', () => {
    expect(checkSparsity({ n: 3, m: 16 })).toMatch(/N must be one of them/);
    expect(checkSparsity({ n: 2, m: 8 })).toMatch(/M must be 16/);
    expect(checkSparsity({ n: 4, m: 16 })).toBeUndefined();
  });
});
