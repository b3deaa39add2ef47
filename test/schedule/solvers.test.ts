// glpk.js and HiGHS behind one interface: the same optimum on every test instance.
import { describe, expect, it } from 'vitest';
import { budgetMR, ilpSchedule, withSram } from '../../compiler/schedule';
import { randomDag } from '../../compiler/schedule/bench-graphs/random-dag';
import { MipModel } from '../../compiler/schedule/mip';
import { getSolver } from '../../compiler/schedule/solvers';
import { chainGraph, threeTier, twoTier } from './fixtures';

describe('MIP back ends', () => {
  it('solve a small knapsack to its hand-computed optimum', async () => {
    // max 6a + 5b + 4c s.t. 3a + 2b + 2c <= 4 (binary): best is b + c = 9; as a minimisation, -9
    for (const name of ['highs', 'glpk'] as const) {
      const m = new MipModel();
      const a = m.addBinary('a', -6);
      const b = m.addBinary('b', -5);
      const c = m.addBinary('c', -4);
      m.addRow([[a, 3], [b, 2], [c, 2]], -Infinity, 4);
      const r = await getSolver(name).solve(m, { timeLimitSeconds: 10 });
      expect(r.status).toBe('optimal');
      expect(r.objective).toBe(-9);
      expect(r.gap).toBe(0);
      expect([...r.values].map(Math.round)).toEqual([0, 1, 1]);
    }
  });

  it('report infeasibility', async () => {
    for (const name of ['highs', 'glpk'] as const) {
      const m = new MipModel();
      const a = m.addBinary('a');
      m.addRow([[a, 1]], 2, Infinity);
      expect((await getSolver(name).solve(m, { timeLimitSeconds: 5 })).status).toBe('infeasible');
    }
  });

  it('reach the same optimum on every scheduling test instance', async () => {
    const instances = [
      { g: chainGraph(), chain: twoTier(50), order: 'free' as const },
      { g: chainGraph(), chain: threeTier(50, 25), order: 'fixed' as const },
      ...[21, 22, 23].map((seed) => ({ g: randomDag({ seed, ops: 8 }), chain: twoTier(1), order: 'fixed' as const })),
      ...[24, 25].map((seed) => ({ g: randomDag({ seed, ops: 7, params: true }), chain: twoTier(1), order: 'free' as const })),
    ];
    for (const inst of instances) {
      let chain = inst.chain;
      if (chain.tiers[0]!.capacityBytes === 1) chain = withSram(chain, budgetMR(inst.g));
      const h = await ilpSchedule(inst.g, chain, { solver: 'highs', order: inst.order, timeLimitSeconds: 20 });
      const k = await ilpSchedule(inst.g, chain, { solver: 'glpk', order: inst.order, timeLimitSeconds: 20 });
      expect(h.status).toBe('optimal');
      expect(k.status).toBe('optimal');
      expect(k.check.ok && h.check.ok).toBe(true);
      expect(k.objective).toBe(h.objective);
    }
  });
});
