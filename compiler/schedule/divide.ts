// Divide and conquer for graphs too large for one ILP: cut the operator order into topological windows, at
// the positions where the fewest bytes are live across the cut (an articulation point of the live set when
// there is one), solve each window's ILP from the tier state the previous window left, and stitch.
import { addDrops, assignAddresses, sramStays, trimStays } from './addresses';
import { checkSchedule, type CheckResult } from './checker';
import { buildIlp, initialState, type TierState } from './ilp';
import { getSolver, type SolverName } from './solvers';
import { bestBaseline, checkBudgetFits, NoScheduleError } from './schedule';
import { homeTiers } from './tiers';
import type { OpGraph, Schedule, ScheduleStep, TierChain } from './types';

export interface DivideOptions {
  solver?: SolverName;
  /** Operators per window at most (default 16); a cut is placed in the last half of each window. */
  windowOps?: number;
  timeLimitPerWindowSeconds?: number;
  order?: number[];
  onWindow?: (done: number, total: number) => void;
}

export interface DivideResult {
  schedule: Schedule;
  check: CheckResult;
  windows: number[][];
  seconds: number;
  /** SRAM the windows were solved with (below the budget when addresses needed slack). */
  solvedSramBytes: number;
  /**
   * Set when the result is the best baseline (Belady or LRU in the same order) rather than the stitched
   * windows: the windows found no schedule, or a costlier one. Says which baseline and why.
   */
  fallback?: { baseline: string; reason: string };
}

/** Bytes live across the cut before position `p` of the order (produced or loaded before, read at or after). */
function cutBytes(g: OpGraph, order: number[]): Float64Array {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  order.forEach((op, s) =>
    [...g.ops[op]!.inputs, ...g.ops[op]!.outputs].forEach((t) => {
      if (!first.has(t)) first.set(t, s);
      last.set(t, s);
    }),
  );
  const cut = new Float64Array(order.length + 1);
  for (const [t, a] of first) {
    const b = last.get(t)!;
    for (let p = a + 1; p <= b; p++) cut[p] += g.tensors[t]!.bytes;
  }
  return cut;
}

export function windowsOf(g: OpGraph, order: number[], windowOps: number): number[][] {
  const cut = cutBytes(g, order);
  const out: number[][] = [];
  let start = 0;
  while (start < order.length) {
    if (order.length - start <= windowOps) {
      out.push(order.slice(start));
      break;
    }
    let best = start + windowOps;
    for (let p = start + Math.ceil(windowOps / 2); p <= start + windowOps; p++) if (cut[p]! < cut[best]!) best = p;
    out.push(order.slice(start, best));
    start = best;
  }
  return out;
}

export async function divideAndConquer(g: OpGraph, chain: TierChain, o: DivideOptions = {}): Promise<DivideResult> {
  const t0 = performance.now();
  const order = o.order ?? g.ops.map((_, i) => i);
  const budget = chain.tiers[0]!.capacityBytes;
  checkBudgetFits(g, budget, order);
  const homes = homeTiers(g, chain); // throws InfeasibleBudgetError when the homes fit in no tier
  const windows = windowsOf(g, order, o.windowOps ?? 16);
  const base = bestBaseline(g, chain, order);
  let reason = 'the windows found no schedule';
  for (let attempt = 0; attempt < 6; attempt++) {
    const cap = Math.floor(budget * (1 - 0.03 * attempt));
    const steps = await solveWindows(g, chain, order, windows, cap, budget, o);
    if (!steps) continue;
    for (const st of steps) st.frees.sort((a, b) => a - b);
    trimStays(g, steps);
    addDrops(g, homes, steps);
    const addr = await assignAddresses(sramStays(g, steps), budget, getSolver(o.solver ?? 'highs'), 20);
    if (!addr.placements) {
      reason = 'the stitched windows could not be given SRAM addresses';
      continue;
    }
    const schedule: Schedule = { graph: g.name, steps, placements: addr.placements };
    const check = checkSchedule(g, chain, schedule);
    if (!check.ok) throw new Error(`internal: the divide-and-conquer schedule fails the checker: ${check.violations.slice(0, 3).map((v) => v.message).join('; ')}`);
    if (base && base.check.traffic.nonCompulsoryCost < check.traffic.nonCompulsoryCost) {
      reason = `the stitched windows cost ${check.traffic.nonCompulsoryCost}, more than the baseline`;
      break;
    }
    return { schedule, check, windows, seconds: (performance.now() - t0) / 1000, solvedSramBytes: cap };
  }
  if (!base) throw new NoScheduleError(`divide and conquer found no schedule at ${budget} bytes of SRAM (${reason}) and no baseline fits either`, g);
  return { schedule: base.schedule, check: base.check, windows, seconds: (performance.now() - t0) / 1000, solvedSramBytes: budget, fallback: { baseline: base.name, reason } };
}

/** Each window's ILP from the state the previous one left; null when a window has no solution. */
async function solveWindows(g: OpGraph, chain: TierChain, order: number[], windows: number[][], cap: number, budget: number, o: DivideOptions): Promise<ScheduleStep[] | null> {
  const solver = getSolver(o.solver ?? 'highs');
  const lastUse = new Map<number, number>();
  order.forEach((op, s) => g.ops[op]!.inputs.forEach((t) => lastUse.set(t, s)));
  let state: TierState = initialState(g, chain);
  const steps: ScheduleStep[] = [];
  for (let w = 0; w < windows.length; w++) {
    const ops = windows[w]!;
    const end = steps.length + ops.length; // first step after this window
    const liveAfter = new Set<number>();
    for (const [t, s] of lastUse) if (s >= end) liveAfter.add(t);
    const built = buildIlp({ g, chain, sramBytes: cap, budgetBytes: budget, ops, order: 'fixed', mode: 'traffic', initial: state, liveAfter });
    const r = await solver.solve(built.model, { timeLimitSeconds: o.timeLimitPerWindowSeconds ?? 10 });
    if (r.status !== 'optimal' && r.status !== 'feasible') return null;
    const x = built.extract(r.values);
    if (x.freedBefore.length > 0) steps[steps.length - 1]!.frees.push(...x.freedBefore);
    if (x.spilledBefore.length > 0) steps[steps.length - 1]!.spills.push(...x.spilledBefore);
    steps.push(...x.steps);
    state = x.final;
    o.onWindow?.(w + 1, windows.length);
  }
  return steps;
}
