// The free-order model's reductions (windows from ancestor/descendant counts, dead tensors not kept, spills
// only after a touch) must not cut off optimal schedules, and the warm start must be a feasible point.
import { describe, expect, it } from 'vitest';
import { budgetMR, checkSchedule, ilpSchedule, withSram, type OpGraph } from '../../compiler/schedule';
import { buildIlp, initialState } from '../../compiler/schedule/ilp';
import { bestBaseline } from '../../compiler/schedule/schedule';
import { randomDag } from '../../compiler/schedule/bench-graphs/random-dag';
import { threeTier, twoTier } from './fixtures';

/** Every topological order of g (brute force; small graphs only). */
function topoOrders(g: OpGraph): number[][] {
  const prod = new Map<number, number>();
  g.ops.forEach((o, i) => o.outputs.forEach((t) => prod.set(t, i)));
  const preds = g.ops.map((o) => o.inputs.map((t) => prod.get(t)).filter((p): p is number => p !== undefined));
  const out: number[][] = [];
  const walk = (done: number[]) => {
    if (done.length === g.ops.length) return void out.push([...done]);
    for (let i = 0; i < g.ops.length; i++) if (!done.includes(i) && preds[i]!.every((p) => done.includes(p))) walk([...done, i]);
  };
  walk([]);
  return out;
}

describe('free-order model', () => {
  it('reaches the minimum over all topological orders of the fixed-order optimum (brute force)', async () => {
    for (const seed of [61, 62, 63]) {
      const g = randomDag({ seed, ops: 6 });
      const chain = withSram(twoTier(1), budgetMR(g));
      const orders = topoOrders(g);
      expect(orders.length).toBeGreaterThan(1);
      let best = Infinity;
      for (const order of orders) {
        const r = await ilpSchedule(g, chain, { order, timeLimitSeconds: 20 });
        expect(r.status).toBe('optimal');
        best = Math.min(best, r.check.traffic.nonCompulsoryCost);
      }
      const free = await ilpSchedule(g, chain, { order: 'free', timeLimitSeconds: 30 });
      expect(free.status).toBe('optimal');
      expect(free.check.ok).toBe(true);
      expect(free.objective).toBe(best);
    }
  }, 120_000);

  it('encodes the best baseline as a feasible point whose objective is the checker’s cost', () => {
    for (const seed of [1, 2, 3]) {
      for (const [params, chain0] of [
        [false, twoTier(1)],
        [true, threeTier(1, 3e6)],
      ] as const) {
        const g = randomDag({ seed, ops: 12, params });
        const chain = withSram(chain0, budgetMR(g));
        const order = g.ops.map((_, i) => i);
        const base = bestBaseline(g, chain, order)!;
        expect(checkSchedule(g, chain, base.schedule).ok).toBe(true);
        for (const mode of ['free', 'fixed'] as const) {
          const built = buildIlp({ g, chain, sramBytes: budgetMR(g), ops: order, order: mode, mode: 'traffic', initial: initialState(g, chain), liveAfter: new Set() });
          const x = built.encode(base.schedule.steps)!;
          expect(x).not.toBeNull();
          expect(built.model.violatedRows(x)).toEqual([]);
          // a baseline's moves (free and reload of a fragmented tensor) are dropped: never more than its cost
          expect(built.toCost(built.model.objectiveOf(x))).toBeLessThanOrEqual(base.check.traffic.nonCompulsoryCost * (1 + 1e-9));
        }
      }
    }
  });
});
