// Divide and conquer: valid schedules (checked), never better than the full ILP's optimum, windows cut where
// little is live.
import { describe, expect, it } from 'vitest';
import { budgetMR, divideAndConquer, ilpSchedule, windowsOf, withSram } from '../../compiler/schedule';
import { randomDag } from '../../compiler/schedule/bench-graphs/random-dag';
import { chainGraph, twoTier } from './fixtures';

describe('divide and conquer', () => {
  it('stitches windows into a valid schedule no better than the full ILP', async () => {
    for (const seed of [31, 32]) {
      const g = randomDag({ seed, ops: 24 });
      const chain = withSram(twoTier(1), budgetMR(g));
      const d = await divideAndConquer(g, chain, { windowOps: 6 });
      expect(d.check.ok).toBe(true);
      expect(d.windows.length).toBeGreaterThanOrEqual(4);
      expect(d.windows.flat()).toEqual(g.ops.map((_, i) => i));
      const full = await ilpSchedule(g, chain, { order: 'fixed', timeLimitSeconds: 20 });
      expect(full.status).toBe('optimal');
      expect(d.check.traffic.nonCompulsoryCost).toBeGreaterThanOrEqual(full.objective);
    }
  });

  it('matches the hand-derived optimum on the chain graph with one-operator windows', async () => {
    const d = await divideAndConquer(chainGraph(), twoTier(50), { windowOps: 1 });
    expect(d.check.ok).toBe(true);
    expect(d.check.traffic.nonCompulsoryBytes).toBe(40);
  });

  it('cuts where the fewest bytes are live', () => {
    // chain graph: live across the cut before B is a (20), before C is a + b (40), before D is a + c (40)
    expect(windowsOf(chainGraph(), [0, 1, 2, 3], 2)).toEqual([[0], [1, 2], [3]]);
  });
});
