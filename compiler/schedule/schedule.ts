// The ILP scheduler end to end: build the model, solve it with a back end, turn the solution into a
// schedule, give the SRAM stays addresses, and run the independent checker on the result.
import { addDrops, assignAddresses, sramStays, trimStays } from './addresses';
import { baselineSchedule } from './baseline';
import { checkSchedule, type CheckResult } from './checker';
import { InfeasibleBudgetError } from './errors';
import { buildIlp, initialState } from './ilp';
import { relativeGap, type MipProgress, type MipStatus } from './mip';
import { getSolver, type SolverName } from './solvers';
import { homeTiers, withSram } from './tiers';
import type { OpGraph, Placement, Schedule, TierChain } from './types';

export interface IlpOptions {
  solver?: SolverName;
  /** Wall-clock limit for the main solve, seconds (default 60). */
  timeLimitSeconds?: number;
  /** 'free' lets the ILP choose the operator order; 'fixed' uses the program order; or give an order. */
  order?: 'free' | 'fixed' | number[];
  onProgress?: (p: MipProgress & { phase: string }) => void;
  /**
   * 'after' (default): solve residency, then place the chosen SRAM stays (falling back to 'joint-step' when
   * they do not fit); 'joint': COSMA's joint model, one base address per tensor; 'joint-step': the joint model
   * with an address per tensor and step, fixed while the tensor stays resident.
   */
  addresses?: 'after' | 'joint' | 'joint-step';
  /** Free order: other good operator orders (e.g. the MPMF order) whose fixed-order schedules may seed the search. */
  hintOrders?: number[][];
}

/**
 * 'optimal': proven optimal. 'time-limit': the solve stopped at its time limit; the schedule is the best found
 * (or the best baseline, see `source`) and `gap` bounds how far from optimal it is. 'feasible': a schedule with
 * a gap for another reason (the SRAM had to be tightened to place addresses, or a baseline was better).
 */
export type ScheduleStatus = 'optimal' | 'time-limit' | 'feasible';

export interface IlpSchedule {
  schedule: Schedule;
  check: CheckResult;
  solver: SolverName;
  status: ScheduleStatus;
  /** Objective (non-compulsory bytes x tier cost) of the schedule and the best proven lower bound. */
  objective: number;
  bound: number;
  gap: number;
  solveSeconds: number;
  order: 'free' | 'fixed';
  addressMethod: string;
  /** SRAM the residency model was solved with; below the budget when first-fit addresses needed slack. */
  solvedSramBytes: number;
  /** 'ilp', or 'baseline' when the solver found no schedule, or none better than the best baseline. */
  source: 'ilp' | 'baseline';
  /** The baseline returned (source 'baseline') or given to the solver as its warm start. */
  baseline?: string;
  /** Why the baseline was returned instead of the solver's schedule. */
  fallbackReason?: string;
  /** Whether the solver was given the baseline as a starting solution. */
  warmStart: boolean;
}

export { InfeasibleBudgetError };

export function opFootprintBytes(g: OpGraph, op: number): number {
  const o = g.ops[op]!;
  return [...new Set([...o.inputs, ...o.outputs])].reduce((a, t) => a + g.tensors[t]!.bytes, 0);
}

/** Throws InfeasibleBudgetError when one operator's inputs and outputs alone exceed the SRAM budget. */
export function checkBudgetFits(g: OpGraph, sramBytes: number, order: number[] = g.ops.map((_, i) => i)): void {
  order.forEach((op, step) => {
    const need = opFootprintBytes(g, op);
    if (need <= sramBytes) return;
    const o = g.ops[op]!;
    const ts = [...new Set([...o.inputs, ...o.outputs])].sort((a, b) => g.tensors[b]!.bytes - g.tensors[a]!.bytes || a - b);
    const big = g.tensors[ts[0]!]!;
    throw new InfeasibleBudgetError(
      `infeasible budget: at step ${step} operator ${o.name} needs ${need} bytes of SRAM at once (${ts.map((t) => `${g.tensors[t]!.name} ${g.tensors[t]!.bytes}`).join(', ')}) but the budget is ${sramBytes}; tensor ${big.name} (${big.bytes} bytes) cannot fit beside the others`,
      big.name,
      step,
    );
  });
}

const resolveOrder = (g: OpGraph, o: IlpOptions['order']) => (Array.isArray(o) ? o : g.ops.map((_, i) => i));

interface BestBaseline {
  name: string;
  schedule: Schedule;
  check: CheckResult;
}

/** The cheaper of Belady and LRU in this order, with drops, checked; null when neither fits. */
export function bestBaseline(g: OpGraph, chain: TierChain, order: number[]): BestBaseline | null {
  let best: BestBaseline | null = null;
  const homes = homeTiers(g, chain);
  for (const policy of ['belady', 'lru'] as const) {
    const b = baselineSchedule(g, chain, policy, order);
    if ('failure' in b) continue;
    addDrops(g, homes, b.schedule.steps);
    const check = checkSchedule(g, chain, b.schedule);
    if (!check.ok) throw new Error(`internal: baseline ${policy} fails the checker: ${check.violations.slice(0, 3).map((v) => v.message).join('; ')}`);
    if (!best || check.traffic.nonCompulsoryCost < best.check.traffic.nonCompulsoryCost) best = { name: `${policy}, ${order.every((op, i) => op === i) ? 'program' : 'given'} order`, schedule: b.schedule, check };
  }
  return best;
}

export async function ilpSchedule(g: OpGraph, chain: TierChain, opts: IlpOptions = {}): Promise<IlpSchedule> {
  const solverName = opts.solver ?? 'highs';
  const solver = getSolver(solverName);
  const limit = opts.timeLimitSeconds ?? 60;
  const budget = chain.tiers[0]!.capacityBytes;
  const order = resolveOrder(g, opts.order);
  const free = opts.order === 'free';
  checkBudgetFits(g, budget, order);
  const homes = homeTiers(g, chain); // throws InfeasibleBudgetError when the homes fit in no tier
  const t0 = performance.now();
  const base = bestBaseline(g, chain, order);
  const common = { solver: solverName, order: free ? ('free' as const) : ('fixed' as const) };
  let bound0 = NaN;
  let status0: MipStatus = 'optimal';
  let timedOut = false;
  let warm = false;
  const fromBaseline = (reason: string, status: ScheduleStatus): IlpSchedule => {
    if (!base) throw new NoScheduleError(`${reason}, and no baseline schedule fits either; ${timedOut ? 'raise --time-limit or use divide and conquer' : 'try a larger budget'}`, g);
    const objective = base.check.traffic.nonCompulsoryCost;
    const bound = Number.isFinite(bound0) ? Math.min(bound0, objective) : 0;
    return { ...common, schedule: base.schedule, check: base.check, status, objective, bound, gap: relativeGap(objective, bound), solveSeconds: (performance.now() - t0) / 1000, addressMethod: 'first-fit (baseline arena)', solvedSramBytes: budget, source: 'baseline', baseline: base.name, fallbackReason: reason, warmStart: warm };
  };
  const attempts = addressAttempts(budget, opts.addresses);
  for (let attempt = 0; attempt < attempts.length; attempt++) {
    const { cap, joint } = attempts[attempt]!;
    if (attempt > 0 && timedOut && limit - (performance.now() - t0) / 1000 <= 1) break;
    const built = buildIlp({ g, chain, sramBytes: cap, budgetBytes: budget, jointAddresses: joint === 'tensor', stepAddresses: joint === 'step', ops: order, order: free ? 'free' : 'fixed', mode: 'traffic', initial: initialState(g, chain), liveAfter: new Set() });
    // glpk takes no starting solution: no warm start for it (its time goes to the search)
    const start = attempt === 0 && solver.name === 'highs' ? await warmStart(g, chain, built, base, free ? [order, ...(opts.hintOrders ?? [])] : [], solver, limit) : null;
    const left = Math.max(1, limit - (performance.now() - t0) / 1000);
    if (start) warm = true;
    const r = await solver.solve(built.model, {
      timeLimitSeconds: joint ? Math.max(left, Math.min(limit, 30)) : left,
      ...(start ? { start } : {}),
      ...(opts.onProgress ? { onProgress: (p: MipProgress) => opts.onProgress!({ ...p, phase: joint ? 'residency + addresses' : 'residency' }) } : {}),
    });
    timedOut ||= r.timedOut === true;
    if (r.status === 'infeasible' || r.status === 'no-solution') {
      if (attempt === 0 && r.status === 'no-solution') {
        bound0 = Number.isFinite(r.bound) ? Math.max(0, built.toCost(r.bound)) : 0;
        return fromBaseline(`${solverName} found no schedule within ${limit} s`, 'time-limit');
      }
      if (attempt > 0) continue;
      // an explicitly requested joint model can be stricter than the baselines (one address per tensor)
      if (base && !opts.addresses) return fromBaseline(`the ILP found no schedule (infeasible) though a baseline fits`, 'feasible');
      throw diagnoseInfeasible(g, chain, order);
    }
    if (attempt === 0) {
      bound0 = Math.max(0, built.toCost(r.bound)); // costs are never negative
      status0 = r.status;
    }
    const x = built.extract(r.values);
    const steps = x.steps;
    trimStays(g, steps);
    addDrops(g, homes, steps);
    const { placements, method } = joint
      ? { placements: jointPlacements(g, steps, x, joint, budget), method: joint === 'tensor' ? 'joint ILP' : 'joint ILP, per-step addresses' }
      : await assignAddresses(sramStays(g, steps), budget, solver, Math.max(1, Math.min(30, limit / 4)));
    if (!placements) continue;
    const schedule: Schedule = { graph: g.name, steps, placements };
    const check = checkSchedule(g, chain, schedule);
    if (!check.ok) throw new Error(`internal: the ILP schedule fails the checker: ${check.violations.map((v) => v.message).join('; ')}`);
    const objective = check.traffic.nonCompulsoryCost;
    if (base && base.check.traffic.nonCompulsoryCost < objective) return fromBaseline(`the solver's best schedule (cost ${objective}) is worse than the baseline's`, timedOut ? 'time-limit' : 'feasible');
    const bound = Math.min(bound0, objective);
    const gap = attempt === 0 && status0 === 'optimal' ? 0 : relativeGap(objective, bound);
    return { ...common, schedule, check, status: gap === 0 ? 'optimal' : timedOut ? 'time-limit' : 'feasible', objective, bound, gap, solveSeconds: (performance.now() - t0) / 1000, addressMethod: method, solvedSramBytes: cap, source: 'ilp', ...(warm && base ? { baseline: base.name } : {}), warmStart: warm };
  }
  return fromBaseline(`could not place the SRAM stays of the solver's schedules at ${budget} bytes`, timedOut ? 'time-limit' : 'feasible');
}

/**
 * The solves to try, in order. Attempt 0: residency only, then addresses for the chosen stays. If those
 * cannot be placed: a uniformly tighter SRAM (operators that need more keep their footprint), then the
 * joint model with addresses. An explicit --addresses asks for the joint model alone.
 */
function addressAttempts(budget: number, addresses: IlpOptions['addresses']): { cap: number; joint: false | 'tensor' | 'step' }[] {
  if (addresses === 'joint') return [{ cap: budget, joint: 'tensor' }];
  if (addresses === 'joint-step') return [{ cap: budget, joint: 'step' }];
  return [...[0, 1, 2, 3].map((i) => ({ cap: Math.floor(budget * (1 - 0.03 * i)), joint: false as const })), { cap: budget, joint: 'step' as const }];
}

function jointPlacements(g: OpGraph, steps: Schedule['steps'], x: ReturnType<ReturnType<typeof buildIlp>['extract']>, joint: 'tensor' | 'step', budget: number): Placement[] | null {
  const placements = sramStays(g, steps).map((st) => ({ tensor: st.tensor, start: st.start, end: st.end, offsetBytes: (joint === 'tensor' ? x.offsets.get(st.tensor) : x.stayOffset(st.tensor, st.start)) ?? 0 }));
  return placements.some((pl) => pl.offsetBytes + g.tensors[pl.tensor]!.bytes > budget) ? null : placements;
}

/**
 * The cheapest of: the best baseline, and (free order) the fixed-order ILP's schedule in each candidate order
 * (the program order, and hints such as the MPMF order), as a column vector of `built`. The fixed-order models
 * are small and solve fast; their optimum is a far better incumbent than a baseline, so the free-order search
 * prunes from the start.
 */
async function warmStart(g: OpGraph, chain: TierChain, built: ReturnType<typeof buildIlp>, base: BestBaseline | null, orders: number[][], solver: ReturnType<typeof getSolver>, limit: number): Promise<Float64Array | null> {
  let best = base ? built.encode(base.schedule.steps) : null;
  const better = (x: Float64Array | null) => x && (!best || built.model.objectiveOf(x) < built.model.objectiveOf(best) - 1e-9);
  for (const order of orders) {
    if (order.length !== g.ops.length) continue;
    const fixed = buildIlp({ g, chain, sramBytes: chain.tiers[0]!.capacityBytes, ops: order, order: 'fixed', mode: 'traffic', initial: initialState(g, chain), liveAfter: new Set() });
    const seed = base ? fixed.encode(base.schedule.steps) : null; // the baseline seeds the first order (there may be none)
    const r = await solver.solve(fixed.model, { timeLimitSeconds: Math.max(0.1, Math.min(5, limit / 10)), ...(seed && order === orders[0] ? { start: seed } : {}) });
    if (r.status !== 'optimal' && r.status !== 'feasible') continue;
    const x = built.encode(fixed.extract(r.values).steps);
    if (better(x)) best = x;
  }
  return best;
}

/** No schedule was found (a time limit, or a fragmented SRAM) and no baseline fits: a plain message, exit 1. */
export class NoScheduleError extends InfeasibleBudgetError {
  constructor(message: string, g: OpGraph) {
    super(`no schedule for ${g.name}: ${message}`, '', -1);
    this.name = 'NoScheduleError';
  }
}

function diagnoseInfeasible(g: OpGraph, chain: TierChain, order: number[]): InfeasibleBudgetError {
  const b = baselineSchedule(g, chain, 'belady', order);
  if ('failure' in b) return new InfeasibleBudgetError(`infeasible budget: at step ${b.failure.step}, ${b.failure.message}`, g.tensors[b.failure.tensor]!.name, b.failure.step);
  const worst = order.reduce((a, op, s) => (opFootprintBytes(g, op) > opFootprintBytes(g, order[a]!) ? s : a), 0);
  const o = g.ops[order[worst]!]!;
  const t = [...o.inputs, ...o.outputs].sort((x, y) => g.tensors[y]!.bytes - g.tensors[x]!.bytes)[0]!;
  return new InfeasibleBudgetError(`infeasible: no schedule fits the tiers; the tightest step is ${worst} (${o.name}), whose largest tensor is ${g.tensors[t]!.name}`, g.tensors[t]!.name, worst);
}

export interface MpmfResult {
  /** Minimum peak memory footprint with addresses (COSMA's M_P). */
  peakBytes: number;
  /** The peak as a sum of resident bytes, before addresses. */
  sumPeakBytes: number;
  order: number[];
  schedule: Schedule;
  gap: number;
  solveSeconds: number;
}

/** Minimum peak memory footprint: no spills, free operator order, minimise SRAM peak (then fit addresses). */
export async function mpmf(g: OpGraph, chain: TierChain, opts: IlpOptions = {}): Promise<MpmfResult> {
  const solver = getSolver(opts.solver ?? 'highs');
  const t0 = performance.now();
  const order = resolveOrder(g, opts.order);
  const built = buildIlp({ g, chain, sramBytes: Infinity, ops: order, order: opts.order === 'fixed' || Array.isArray(opts.order) ? 'fixed' : 'free', mode: 'mpmf', initial: initialState(g, chain), liveAfter: new Set() });
  const r = await solver.solve(built.model, {
    timeLimitSeconds: opts.timeLimitSeconds ?? 60,
    ...(opts.onProgress ? { onProgress: (p: MipProgress) => opts.onProgress!({ ...p, phase: 'mpmf' }) } : {}),
  });
  if (r.status !== 'optimal' && r.status !== 'feasible') throw new Error(`MPMF: ${r.status}`);
  const { steps, peakBytes } = built.extract(r.values);
  trimStays(g, steps);
  addDrops(g, homeTiers(g, chain), steps);
  const stays = sramStays(g, steps);
  let cap = peakBytes;
  for (;;) {
    const a = await assignAddresses(stays, cap, solver, 20);
    if (a.placements) {
      const schedule: Schedule = { graph: g.name, steps, placements: a.placements };
      const check = checkSchedule(g, withSram(chain, cap), schedule);
      if (!check.ok) throw new Error(`internal: the MPMF schedule fails the checker: ${check.violations.map((v) => v.message).join('; ')}`);
      return { peakBytes: cap, sumPeakBytes: peakBytes, order: steps.map((s) => s.op), schedule, gap: r.gap, solveSeconds: (performance.now() - t0) / 1000 };
    }
    cap = Math.ceil(cap * 1.01);
  }
}
