// The ILP on instances whose optimum is derived by hand, on tier chains, and against the baselines.
import { describe, expect, it } from 'vitest';
import { baselineSchedule, budgetMR, checkSchedule, computeBudgets, ilpSchedule, InfeasibleBudgetError, withSram } from '../../compiler/schedule';
import { addDrops } from '../../compiler/schedule/addresses';
import { randomDag } from '../../compiler/schedule/bench-graphs/random-dag';
import { chainGraph, threeTier, twoTier } from './fixtures';

describe('ILP schedule', () => {
  it('keeps everything at M_P and spills exactly a once below it (chain graph, hand-derived)', async () => {
    const g = chainGraph();
    for (const order of ['fixed', 'free'] as const) {
      const at60 = await ilpSchedule(g, twoTier(60), { order });
      expect(at60.check.ok).toBe(true);
      expect(at60.check.traffic.nonCompulsoryBytes).toBe(0);
      const at50 = await ilpSchedule(g, twoTier(50), { order });
      expect(at50.status).toBe('optimal');
      expect(at50.check.ok).toBe(true);
      // a (20 bytes) must leave SRAM before C and come back for D: 20 written + 20 read
      expect(at50.check.traffic.nonCompulsoryBytes).toBe(40);
      const spilled = at50.schedule.steps.flatMap((s) => s.spills.map((x) => g.tensors[x.tensor]!.name));
      expect(spilled).toContain('a');
    }
  });

  it('solves the joint models: one base address per tensor (COSMA, stricter) and per step (exact)', async () => {
    // At 50 bytes a must leave SRAM and come back. With one address per tensor, a, b and c are pairwise
    // co-resident at some step (a-b at B, b-c at C, a-c at D), so they need 60 bytes of disjoint addresses:
    // infeasible. Placing each stay on its own (the default) allows it at 40 bytes of traffic.
    await expect(ilpSchedule(chainGraph(), twoTier(50), { order: 'fixed', addresses: 'joint' })).rejects.toBeInstanceOf(InfeasibleBudgetError);
    const st = await ilpSchedule(chainGraph(), twoTier(50), { order: 'fixed', addresses: 'joint-step' });
    expect(st.check.ok).toBe(true);
    expect(st.check.traffic.nonCompulsoryBytes).toBe(40);
    expect(st.addressMethod).toBe('joint ILP, per-step addresses');
    const j = await ilpSchedule(chainGraph(), twoTier(60), { order: 'fixed', addresses: 'joint' });
    expect(j.addressMethod).toBe('joint ILP');
    expect(j.check.ok).toBe(true);
    expect(j.check.traffic.nonCompulsoryBytes).toBe(0);
    for (const seed of [41, 42]) {
      const g = randomDag({ seed, ops: 8 });
      const chain = withSram(twoTier(1), Math.round(budgetMR(g) * 1.2));
      const a = await ilpSchedule(g, chain, { order: 'fixed' });
      const b = await ilpSchedule(g, chain, { order: 'fixed', addresses: 'joint', timeLimitSeconds: 30 });
      expect(b.check.ok).toBe(true);
      expect(b.objective).toBeGreaterThanOrEqual(a.objective);
      // addresses per step are exact: the same optimum as residency-then-addresses when those fit
      const c = await ilpSchedule(g, chain, { order: 'fixed', addresses: 'joint-step', timeLimitSeconds: 30 });
      expect(c.check.ok).toBe(true);
      expect(c.objective).toBe(a.objective);
    }
  });

  it('computes COSMA budgets: M_R from the largest operator, M_P from MPMF, M_H halfway', async () => {
    const b = await computeBudgets(chainGraph(), twoTier(1));
    expect(b.MR).toBe(50); // D: a 20 + c 20 + y 10
    expect(b.MP).toBe(60); // step C: a, b, c live
    expect(b.MH).toBe(55);
  });

  it('spills to the next tier when the nearer one is full, and weights traffic by tier cost', async () => {
    // HBM (cost 1) holds x's home copy (10) and y (10); at 25 bytes it has no room for a (20): a goes to DDR (cost 4)
    const full = await ilpSchedule(chainGraph(), threeTier(50, 25), { order: 'fixed' });
    expect(full.check.ok).toBe(true);
    expect(full.check.traffic.perTier[2]).toMatchObject({ tier: 'DDR', readBytes: 20, writeBytes: 20 });
    expect(full.objective).toBe(4 * 40);
    const roomy = await ilpSchedule(chainGraph(), threeTier(50, 40), { order: 'fixed' });
    expect(roomy.check.traffic.perTier[2]).toMatchObject({ readBytes: 0, writeBytes: 0 });
    expect(roomy.objective).toBe(40);
  });

  it('names the tensor and the step when a budget cannot fit', async () => {
    const err = await ilpSchedule(chainGraph(), twoTier(45)).catch((e) => e);
    expect(err).toBeInstanceOf(InfeasibleBudgetError);
    expect(err.step).toBe(3); // D needs 50 bytes
    expect(['a', 'c']).toContain(err.tensor);
    expect(err.message).toMatch(/step 3/);
  });

  it('never does worse than the program-order baselines it could have chosen (seeded random DAGs)', async () => {
    for (const seed of [11, 12, 13, 14]) {
      const g = randomDag({ seed, ops: 9 });
      const chain = withSram(twoTier(1), budgetMR(g));
      const ilp = await ilpSchedule(g, chain, { order: 'fixed', timeLimitSeconds: 20 });
      expect(ilp.check.ok).toBe(true);
      for (const policy of ['belady', 'lru'] as const) {
        const base = baselineSchedule(g, chain, policy);
        if ('failure' in base) continue;
        addDrops(g, 1, base.schedule.steps);
        const c = checkSchedule(g, chain, base.schedule);
        expect(c.ok).toBe(true);
        expect(ilp.check.traffic.nonCompulsoryBytes).toBeLessThanOrEqual(c.traffic.nonCompulsoryBytes);
      }
    }
  });

  it('returns the same schedule every time for the same inputs', async () => {
    const g = randomDag({ seed: 5, ops: 10 });
    const chain = withSram(twoTier(1), budgetMR(g));
    const a = await ilpSchedule(g, chain, { order: 'fixed' });
    const c = await ilpSchedule(g, chain, { order: 'fixed' });
    expect(JSON.stringify(c.schedule)).toBe(JSON.stringify(a.schedule));
    const f1 = await ilpSchedule(chainGraph(), twoTier(50), { order: 'free' });
    const f2 = await ilpSchedule(chainGraph(), twoTier(50), { order: 'free' });
    expect(JSON.stringify(f2.schedule)).toBe(JSON.stringify(f1.schedule));
  });
});
