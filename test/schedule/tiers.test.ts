// Every tier takes part: homes that overflow the nearer tier, spills that go further out when the nearer tier
// is full, and the same capacities honoured by the ILP, divide and conquer and the baselines. The expected
// traffic is derived by hand in the comments; the checker (which replays the schedule) confirms each result.
import { describe, expect, it } from 'vitest';
import { baselineSchedule, checkSchedule, divideAndConquer, homeTiers, ilpSchedule, InfeasibleBudgetError, tierChain } from '../../compiler/schedule';
import { addDrops } from '../../compiler/schedule/addresses';
import { chainGraph, forkGraph, threeTier } from './fixtures';

const tierOf = (r: { check: { traffic: { perTier: { tier: string; readBytes: number; writeBytes: number; compulsoryReadBytes: number; compulsoryWriteBytes: number }[] } } }, name: string) => r.check.traffic.perTier.find((t) => t.tier === name)!;

describe('tier chains with a binding middle tier', () => {
  it('places homes first fit, nearest tier first, and says when none fits', () => {
    // chain graph: x (input, 10) and y (output, 10). HBM 15 holds x; y does not fit beside it and goes to DDR
    expect([...homeTiers(chainGraph(), threeTier(50, 15))].filter((_, i) => i === 0 || i === 4)).toEqual([1, 2]);
    expect([...homeTiers(chainGraph(), threeTier(50, 20))].filter((_, i) => i === 0 || i === 4)).toEqual([1, 1]);
    const tiny = tierChain([
      { name: 'SRAM', capacityBytes: 100, costPerByte: 0 },
      { name: 'HBM', capacityBytes: 5, costPerByte: 1 },
      { name: 'DDR', capacityBytes: 5, costPerByte: 4 },
    ]);
    expect(() => homeTiers(chainGraph(), tiny)).toThrow(InfeasibleBudgetError);
    expect(() => homeTiers(chainGraph(), tiny)).toThrow(/input x \(10 bytes\) fits in no memory tier/);
  });

  it('sends the output home to DDR and the spill of a to DDR when HBM only has room for x (chain graph, fixed order)', async () => {
    // HBM 15: x (10) is home there; y (10) is homed in DDR; a (20) must leave SRAM during C (SRAM 50) and has
    // no room in HBM (5 left): written to DDR and read back, 40 bytes at cost 4 = 160.
    const r = await ilpSchedule(chainGraph(), threeTier(50, 15), { order: 'fixed' });
    expect(r.check.ok).toBe(true);
    expect(r.status).toBe('optimal');
    expect(r.objective).toBe(160);
    expect(tierOf(r, 'HBM')).toEqual({ tier: 'HBM', readBytes: 10, writeBytes: 0, compulsoryReadBytes: 10, compulsoryWriteBytes: 0 });
    expect(tierOf(r, 'DDR')).toEqual({ tier: 'DDR', readBytes: 20, writeBytes: 30, compulsoryReadBytes: 0, compulsoryWriteBytes: 10 });
  });

  it('splits two spills between HBM and DDR by cost when HBM has room for one (fork graph, hand-derived)', async () => {
    // SRAM 80; HBM holds x and y (20) and has `room` more. p (20) and q (30) must both leave SRAM for C.
    // Each spilled tensor costs 2 x bytes x tier cost (one write, one read): HBM 1, DDR 4.
    const cases = [
      { hbm: 80, objective: 2 * 50 * 1, hbmMoved: 50, ddrMoved: 0 }, // room 60: both in HBM
      { hbm: 50, objective: 2 * 30 * 1 + 2 * 20 * 4, hbmMoved: 30, ddrMoved: 20 }, // room 30: q (30) in HBM beats p (20) in HBM (280)
      { hbm: 45, objective: 2 * 20 * 1 + 2 * 30 * 4, hbmMoved: 20, ddrMoved: 30 }, // room 25: only p fits
      { hbm: 20, objective: 2 * 50 * 4, hbmMoved: 0, ddrMoved: 50 }, // room 0: both in DDR
    ];
    for (const c of cases) {
      const chain = threeTier(80, c.hbm);
      const r = await ilpSchedule(forkGraph(), chain, { order: 'fixed' });
      expect(r.check.ok).toBe(true);
      expect(r.status).toBe('optimal');
      expect(r.objective).toBe(c.objective);
      // HBM also serves x's compulsory read (10) and y's compulsory write (10)
      expect(tierOf(r, 'HBM')).toMatchObject({ readBytes: 10 + c.hbmMoved, writeBytes: 10 + c.hbmMoved });
      expect(tierOf(r, 'DDR')).toMatchObject({ readBytes: c.ddrMoved, writeBytes: c.ddrMoved });
      // an independent replay of the same schedule agrees
      expect(checkSchedule(forkGraph(), chain, r.schedule).traffic.nonCompulsoryCost).toBe(c.objective);
    }
  });

  it('needs only one reload of x in free order (fork graph)', async () => {
    // x is read by A, B and C. If A or B runs after C, m (70) is live beside x and an output: over 80. So C
    // is x's last reader, and if A and B run before it, p and q (50) are live at C. Zero traffic is impossible.
    // Order C, D, A, B, E with x freed after C and reloaded from HBM for A: 10 bytes at cost 1.
    const r = await ilpSchedule(forkGraph(), threeTier(80, 20), { order: 'free' });
    expect(r.check.ok).toBe(true);
    expect(r.status).toBe('optimal');
    expect(r.objective).toBe(10);
    expect(tierOf(r, 'HBM')).toMatchObject({ readBytes: 20, compulsoryReadBytes: 10 });
  });

  it('honours HBM in the baselines: Belady spills q to HBM, then p to DDR once HBM is full', () => {
    const g = forkGraph();
    const chain = threeTier(80, 50);
    const b = baselineSchedule(g, chain, 'belady');
    if ('failure' in b) throw new Error(b.failure.message);
    // before C, Belady evicts the tensor read furthest ahead, ties to the larger: q (30) fills HBM's room (30)
    expect(b.schedule.steps[1]!.spills).toEqual([
      { tensor: 2, tier: 1 },
      { tensor: 1, tier: 2 },
    ]);
    const c = checkSchedule(g, chain, b.schedule); // without addDrops: the baseline's own drops
    expect(c.ok).toBe(true);
    // plus a move of x (10, from HBM): at C, m needs 70 contiguous bytes and x sits at offset 20
    expect(c.traffic.nonCompulsoryCost).toBe(2 * 30 + 2 * 20 * 4 + 10);
    addDrops(g, homeTiers(g, chain), b.schedule.steps);
    expect(checkSchedule(g, chain, b.schedule).ok).toBe(true);
  });

  it('honours HBM in divide and conquer, never below the full ILP', async () => {
    for (const hbm of [80, 50, 45, 20]) {
      const chain = threeTier(80, hbm);
      const d = await divideAndConquer(forkGraph(), chain, { windowOps: 2 });
      expect(d.check.ok).toBe(true);
      const full = await ilpSchedule(forkGraph(), chain, { order: 'fixed' });
      expect(d.check.traffic.nonCompulsoryCost).toBeGreaterThanOrEqual(full.objective);
    }
    // one-operator windows on the chain graph with HBM 15 (a must go to DDR): the hand-derived 160
    const d1 = await divideAndConquer(chainGraph(), threeTier(50, 15), { windowOps: 1 });
    expect(d1.check.ok).toBe(true);
    expect(d1.check.traffic.nonCompulsoryCost).toBe(160);
  });

  it('fails with a plain InfeasibleBudgetError when no tier can hold a spill', async () => {
    // DDR too is capped: HBM 20 holds x and y, DDR 10 has no room for p or q
    const chain = tierChain([
      { name: 'SRAM', capacityBytes: 80, costPerByte: 0 },
      { name: 'HBM', capacityBytes: 20, costPerByte: 1 },
      { name: 'DDR', capacityBytes: 10, costPerByte: 4 },
    ]);
    const err = await ilpSchedule(forkGraph(), chain, { order: 'fixed' }).catch((e) => e);
    expect(err).toBeInstanceOf(InfeasibleBudgetError);
    expect(err.message).toMatch(/no outer tier has room/);
    const derr = await divideAndConquer(forkGraph(), chain, { windowOps: 2 }).catch((e) => e);
    expect(derr).toBeInstanceOf(InfeasibleBudgetError);
  });
});
