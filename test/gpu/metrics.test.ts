import { describe, expect, it } from 'vitest';
import { fractionalRanks, mape, maxAbsPctError, pearson, spearman, summarize } from '../../sim/gpu/metrics';

// Oracles computed by hand (shown in the comments).
describe('GPU validation metrics', () => {
  it('MAPE and max error', () => {
    // |110-100|/100 = 0.1, |45-50|/50 = 0.1, |200-200|/200 = 0, |30-20|/20 = 0.5 -> mean 0.7/4 = 0.175
    const p = [110, 45, 200, 30];
    const m = [100, 50, 200, 20];
    expect(mape(p, m)).toBeCloseTo(0.175, 12);
    expect(maxAbsPctError(p, m)).toBeCloseTo(0.5, 12);
  });
  it('Pearson on a hand-worked example', () => {
    // x = 1,2,3,4; y = 2,4,5,9: mx = 2.5, my = 5; dx = -1.5,-.5,.5,1.5; dy = -3,-1,0,4
    // sxy = 4.5+0.5+0+6 = 11; sxx = 5; syy = 26 -> 11/sqrt(130)
    expect(pearson([1, 2, 3, 4], [2, 4, 5, 9])).toBeCloseTo(11 / Math.sqrt(130), 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(Number.isNaN(pearson([1, 1, 1], [1, 2, 3]))).toBe(true);
  });
  it('Spearman: monotone but non-linear is 1; ties take mean ranks', () => {
    expect(spearman([1, 2, 3, 4], [1, 10, 100, 1000])).toBeCloseTo(1, 12);
    expect(Array.from(fractionalRanks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
    // x ranks 1,2,3,4; y = 1,3,2,4 -> d^2 = 0+1+1+0 = 2 -> 1 - 6*2/(4*15) = 0.8
    expect(spearman([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
  });
  it('rejects mismatched or empty inputs', () => {
    expect(() => mape([1], [1, 2])).toThrow(/1 predictions for 2/);
    expect(() => summarize([], [])).toThrow(/no points/);
  });
});
