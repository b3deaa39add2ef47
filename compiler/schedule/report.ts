// One scheduling request end to end (what `tessera schedule` and `tessera repro cosma` run): budgets, the ILP
// (or divide and conquer), the baselines on the same tiers, and a JSON-ready report. Timings are kept apart
// (`timings`) so that the rest of the report is byte-identical from run to run.
import { addDrops } from './addresses';
import { baselineSchedule, type ReplacementPolicy } from './baseline';
import { computeBudgets, type BudgetName, type Budgets } from './budgets';
import { checkSchedule, trafficByTier } from './checker';
import { divideAndConquer } from './divide';
import type { MipProgress } from './mip';
import { ilpSchedule } from './schedule';
import type { SolverName } from './solvers';
import { hasHome, homeTiers, withSram } from './tiers';
import type { OpGraph, Schedule, TierChain, TrafficSummary } from './types';

export interface ScheduleRequest {
  budget: BudgetName | number;
  solver?: SolverName;
  order?: 'free' | 'fixed';
  timeLimitSeconds?: number;
  /** 'auto' uses divide and conquer above `maxIlpOps` operators. */
  method?: 'ilp' | 'divide' | 'auto';
  maxIlpOps?: number;
  windowOps?: number;
  onProgress?: (p: MipProgress & { phase: string }) => void;
}

export interface BaselineResult {
  name: string;
  nonCompulsoryBytes: number | null;
  nonCompulsoryCost: number | null;
  failure?: string;
}

export interface ScheduleReport {
  graph: string;
  params: boolean;
  costKind: string;
  costUnit: string;
  tiers: { name: string; capacityBytes: number | null; costPerByte: number }[];
  homeTier: string;
  budgets: { MR: number; MH: number; MP: number; mpMethod: string };
  budget: { name: string; bytes: number };
  method: 'ilp' | 'divide-and-conquer';
  /** Where the schedule came from: the method's own, or the best baseline (see `fallback`). */
  source: 'ilp' | 'divide-and-conquer' | 'baseline';
  /** Set when the best baseline was returned instead: which one, and why (a time limit, no solution, ...). */
  fallback?: { baseline: string; reason: string };
  /** Home tier of each input, parameter and output that is not in `homeTier` (the nearer tier is full). */
  homeOverflow: { tensor: string; tier: string }[];
  solver: SolverName;
  order: 'free' | 'fixed';
  /** 'optimal', 'time-limit' (best found within the limit, with its gap), 'feasible', or 'heuristic' (divide and conquer). */
  status: string;
  gap: number | null;
  objectiveCost: number;
  boundCost: number | null;
  traffic: TrafficSummary & { byLevel: Record<string, { readBytes: number; writeBytes: number }> };
  baselines: BaselineResult[];
  bestBaseline: string | null;
  /** 1 - ilp / best baseline, on non-compulsory bytes (null when no baseline ran or both are zero). */
  reductionVsBestBaseline: number | null;
  check: { ok: boolean; violations: string[] };
  schedule: {
    steps: { step: number; op: string; loads: string[]; spills: string[]; frees: string[]; drops: string[] }[];
    placements: { tensor: string; start: number; end: number; offsetBytes: number }[];
  };
  /** every tensor of the graph with its size (for the address map of a report) */
  tensors: { name: string; bytes: number; kind: string }[];
  timings: { budgetsSeconds: number; solveSeconds: number; baselinesSeconds: number };
}

export function baselines(g: OpGraph, chain: TierChain, mpOrder?: number[]): BaselineResult[] {
  const orders: [string, number[]][] = [['program order', g.ops.map((_, i) => i)]];
  if (mpOrder && mpOrder.some((op, i) => op !== i)) orders.push(['MPMF order', mpOrder]);
  const out: BaselineResult[] = [];
  for (const [oname, order] of orders)
    for (const policy of ['belady', 'lru'] as ReplacementPolicy[]) {
      const name = `${policy}, ${oname}`;
      const b = baselineSchedule(g, chain, policy, order);
      if ('failure' in b) {
        out.push({ name, nonCompulsoryBytes: null, nonCompulsoryCost: null, failure: b.failure.message });
        continue;
      }
      addDrops(g, homeTiers(g, chain), b.schedule.steps);
      const c = checkSchedule(g, chain, b.schedule);
      if (!c.ok) throw new Error(`internal: baseline ${name} fails the checker: ${c.violations.slice(0, 3).map((v) => v.message).join('; ')}`);
      out.push({ name, nonCompulsoryBytes: c.traffic.nonCompulsoryBytes, nonCompulsoryCost: c.traffic.nonCompulsoryCost });
    }
  return out;
}

export function reduction(ilpBytes: number, bl: BaselineResult[]): { best: string | null; reduction: number | null } {
  const ok = bl.filter((b) => b.nonCompulsoryBytes !== null).sort((a, b) => a.nonCompulsoryBytes! - b.nonCompulsoryBytes!);
  if (ok.length === 0) return { best: null, reduction: null };
  const best = ok[0]!;
  if (best.nonCompulsoryBytes === 0) return { best: best.name, reduction: ilpBytes === 0 ? null : -Infinity };
  return { best: best.name, reduction: 1 - ilpBytes / best.nonCompulsoryBytes! };
}

function describe(g: OpGraph, chain: TierChain, s: Schedule): ScheduleReport['schedule'] {
  const tn = (t: number) => g.tensors[t]!.name;
  const kn = (k: number) => chain.tiers[k]!.name;
  return {
    steps: s.steps.map((st, i) => ({
      step: i,
      op: g.ops[st.op]!.name,
      loads: st.loads.map((l) => `${tn(l.tensor)} <- ${kn(l.tier)}`),
      spills: st.spills.map((l) => `${tn(l.tensor)} -> ${kn(l.tier)}`),
      frees: st.frees.map(tn),
      drops: st.drops.map((l) => `${tn(l.tensor)} @ ${kn(l.tier)}`),
    })),
    placements: s.placements.map((p) => ({ tensor: tn(p.tensor), start: p.start, end: p.end, offsetBytes: p.offsetBytes })),
  };
}

export async function runSchedule(g: OpGraph, chain0: TierChain, req: ScheduleRequest, params: boolean, known?: Budgets): Promise<ScheduleReport> {
  const solver = req.solver ?? 'highs';
  const maxIlpOps = req.maxIlpOps ?? 60;
  const method = req.method === 'divide' || (req.method !== 'ilp' && g.ops.length > maxIlpOps) ? 'divide-and-conquer' : 'ilp';
  let t = performance.now();
  const budgets = known ?? (await computeBudgets(g, chain0, { solver, maxIlpOps, timeLimitSeconds: Math.min(60, req.timeLimitSeconds ?? 60), ...(req.onProgress ? { onProgress: req.onProgress } : {}) }));
  const budgetsSeconds = (performance.now() - t) / 1000;
  const bytes = typeof req.budget === 'number' ? req.budget : budgets[req.budget];
  const chain = withSram(chain0, bytes);
  t = performance.now();
  let schedule: Schedule;
  let status: string;
  let gap: number | null;
  let boundCost: number | null;
  let order: 'free' | 'fixed' = req.order ?? (g.ops.length <= 40 ? 'free' : 'fixed');
  let source: ScheduleReport['source'];
  let fallback: ScheduleReport['fallback'];
  if (method === 'ilp') {
    const r = await ilpSchedule(g, chain, { solver, order, timeLimitSeconds: req.timeLimitSeconds ?? 60, hintOrders: [budgets.mpOrder], ...(req.onProgress ? { onProgress: req.onProgress } : {}) });
    schedule = r.schedule;
    status = r.status;
    gap = r.gap;
    boundCost = r.bound;
    source = r.source;
    if (r.source === 'baseline') fallback = { baseline: r.baseline!, reason: r.fallbackReason! };
  } else {
    order = 'fixed';
    const r = await divideAndConquer(g, chain, { solver, windowOps: req.windowOps ?? 16, ...(req.timeLimitSeconds ? { timeLimitPerWindowSeconds: Math.min(10, req.timeLimitSeconds) } : {}), ...(budgets.mpOrder ? { order: budgets.mpOrder } : {}) });
    schedule = r.schedule;
    status = 'heuristic';
    gap = null;
    boundCost = null;
    source = r.fallback ? 'baseline' : 'divide-and-conquer';
    fallback = r.fallback;
  }
  const homes = homeTiers(g, chain);
  const homeOverflow = g.tensors.flatMap((x, i) => (hasHome(g, i) && homes[i] !== chain.homeTier ? [{ tensor: x.name, tier: chain.tiers[homes[i]!]!.name }] : []));
  const solveSeconds = (performance.now() - t) / 1000;
  const check = checkSchedule(g, chain, schedule);
  t = performance.now();
  const bl = baselines(g, chain, budgets.mpOrder);
  const baselinesSeconds = (performance.now() - t) / 1000;
  const red = reduction(check.traffic.nonCompulsoryBytes, bl);
  return {
    graph: g.name,
    params,
    costKind: chain.costKind,
    costUnit: chain.costUnit,
    tiers: chain.tiers.map((x) => ({ name: x.name, capacityBytes: Number.isFinite(x.capacityBytes) ? x.capacityBytes : null, costPerByte: x.costPerByte })),
    homeTier: chain.tiers[chain.homeTier]!.name,
    budgets: { MR: budgets.MR, MH: budgets.MH, MP: budgets.MP, mpMethod: budgets.mpMethod },
    budget: { name: typeof req.budget === 'number' ? 'bytes' : req.budget, bytes },
    method,
    source,
    ...(fallback ? { fallback } : {}),
    homeOverflow,
    solver,
    order,
    status,
    gap,
    objectiveCost: check.traffic.nonCompulsoryCost,
    boundCost,
    traffic: { ...check.traffic, byLevel: trafficByTier(check.traffic) },
    baselines: bl,
    bestBaseline: red.best,
    reductionVsBestBaseline: red.reduction,
    check: { ok: check.ok, violations: check.violations.map((v) => v.message) },
    schedule: describe(g, chain, schedule),
    tensors: g.tensors.map((x) => ({ name: x.name, bytes: x.bytes, kind: x.kind })),
    timings: { budgetsSeconds, solveSeconds, baselinesSeconds },
  };
}
