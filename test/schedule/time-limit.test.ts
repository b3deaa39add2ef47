// A time limit is a status, not an error: at its limit a solve returns the best schedule it found with its gap,
// or the best baseline when it found none (or a worse one), and says which.
import { describe, expect, it } from 'vitest';
import { baselineSchedule, budgetMR, checkSchedule, homeTiers, ilpSchedule, withSram } from '../../compiler/schedule';
import { addDrops } from '../../compiler/schedule/addresses';
import { randomDag } from '../../compiler/schedule/bench-graphs/random-dag';
import { twoTier } from './fixtures';

/** The cheaper program-order baseline, computed here and checked by the checker. */
function bestBaselineCost(g: ReturnType<typeof randomDag>, chain: ReturnType<typeof twoTier>): number {
  const costs = (['belady', 'lru'] as const).flatMap((policy) => {
    const b = baselineSchedule(g, chain, policy);
    if ('failure' in b) return [];
    addDrops(g, homeTiers(g, chain), b.schedule.steps);
    const c = checkSchedule(g, chain, b.schedule);
    expect(c.ok).toBe(true);
    return [c.traffic.nonCompulsoryCost];
  });
  expect(costs.length).toBeGreaterThan(0);
  return Math.min(...costs);
}

describe('time limits', () => {
  const g = randomDag({ seed: 7, ops: 44 });
  const chain = withSram(twoTier(1), budgetMR(g));

  for (const solver of ['glpk', 'highs'] as const)
    it(`${solver} at a 1-second limit on a 44-operator graph in free order: a checked schedule with a gap, never an error`, async () => {
      const t0 = performance.now();
      const r = await ilpSchedule(g, chain, { solver, order: 'free', timeLimitSeconds: 1 });
      expect((performance.now() - t0) / 1000).toBeLessThan(20);
      // (a machine fast enough to prove optimality within the second would report 'optimal' with no gap)
      expect(['time-limit', 'optimal']).toContain(r.status);
      expect(r.check.ok).toBe(true);
      expect(checkSchedule(g, chain, r.schedule).ok).toBe(true);
      // never worse than the best baseline it could fall back to
      const base = bestBaselineCost(g, chain);
      expect(r.objective).toBeLessThanOrEqual(base);
      expect(r.objective).toBe(r.check.traffic.nonCompulsoryCost);
      if (r.status === 'time-limit') expect(r.gap).toBeGreaterThan(0);
      else expect(r.gap).toBe(0);
      expect(r.gap).toBeLessThanOrEqual(1);
      expect(r.bound).toBeLessThanOrEqual(r.objective);
      if (r.source === 'baseline') {
        expect(r.objective).toBe(base);
        // no schedule within the second, a worse one, or (the limit cutting the retries short) none whose SRAM stays could be placed
        expect(r.fallbackReason).toMatch(/within 1 s|worse than the baseline|could not place the SRAM stays of the solver's schedules at \d+ bytes/);
        expect(r.baseline).toMatch(/^(belady|lru), program order$/);
      }
    });
});
