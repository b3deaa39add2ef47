// The schedule stage: places every tensor of the cascade in the target's tiers (SRAM ⇄ HBM ⇄ DDR ...) with
// the ILP (COSMA) or the greedy Belady baseline, and says, per einsum, what is loaded into SRAM from each
// tier before it runs and what is spilled after. applyPlacement turns that into latency, energy and traffic.
import { einsumName, type Cascade } from '../../ir';
import {
  baselineSchedule,
  cascadeToOpGraph,
  checkSchedule,
  InfeasibleBudgetError,
  runSchedule,
  tierChainFromTarget,
  trafficByTier,
  withSram,
  type MipProgress,
  type OpGraph,
  type ScheduleRequest,
  type SolverName,
  type TierChain,
} from '../../schedule';
import type { TargetSpec } from '../../../targets/spec/types';
import { UserError } from '../user-error';

export const SCHEDULE_KINDS = ['none', 'greedy', 'ilp'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

export interface PlacementOptions {
  kind: Exclude<ScheduleKind, 'none'>;
  /** SRAM budget: bytes, or COSMA's MR/MH/MP; default the SRAM tier's capacity on the target */
  budget?: ScheduleRequest['budget'];
  solver?: SolverName;
  timeLimitSeconds?: number;
  /** each solve's progress (phase, elapsed, incumbent, bound): the solver bar on a terminal */
  onProgress?: (p: MipProgress & { phase: string }) => void;
}

/** Bytes moved between SRAM and one outer tier around one einsum. */
export interface TierMoves {
  loadBytes: number;
  spillBytes: number;
}

export interface Placement {
  kind: 'ilp' | 'greedy';
  /** tier 0 (the SRAM operators read and write) */
  sram: string;
  budgetBytes: number;
  /** einsum name -> tier name -> bytes; an operator's moves go to its first einsum in program order */
  moves: Map<string, Map<string, TierMoves>>;
  /** einsum names in the schedule's operator order */
  order: string[];
  /** the schedule's own per-tier totals (the independent checker's count) */
  traffic: Record<string, { readBytes: number; writeBytes: number }>;
  /** what Result.schedule holds */
  report: unknown;
}

interface StepMoves {
  op: string;
  loads: { tensor: string; tier: string }[];
  spills: { tensor: string; tier: string }[];
}

function sramCapacity(spec: TargetSpec, chain: TierChain): number {
  const m = spec.memories.find((x) => x.name === chain.tiers[0]!.name);
  const cap = (m?.capacityBytes ?? Infinity) * (m?.instances ?? 1);
  if (!Number.isFinite(cap)) throw new UserError(`--schedule: ${spec.name}'s SRAM ${chain.tiers[0]!.name} has no capacity; give one in the .arch or pass --budget`);
  return cap;
}

/** The operators' einsums: op name -> einsum names in program order (a loop operator has several). */
function einsumsOfOps(c: Cascade, g: OpGraph): Map<string, string[]> {
  const writer = new Map<string, string[]>();
  c.einsums.forEach((e, i) => {
    const list = writer.get(e.output.tensor) ?? [];
    list.push(einsumName(c, i));
    writer.set(e.output.tensor, list);
  });
  const out = new Map<string, string[]>();
  // an indexed write's op writes the rows it stores, `KC@rows` (compiler/schedule/from-cascade.ts)
  for (const op of g.ops) out.set(op.name, [...new Set(op.outputs.flatMap((t) => writer.get(g.tensors[t]!.name.replace(/@rows$/, '')) ?? []))]);
  return out;
}

function parseMove(s: string, arrow: '<-' | '->'): { tensor: string; tier: string } {
  const [tensor, tier] = s.split(` ${arrow} `);
  return { tensor: tensor!, tier: tier! };
}

function collectMoves(c: Cascade, g: OpGraph, steps: StepMoves[]): Pick<Placement, 'moves' | 'order'> {
  const bytes = new Map(g.tensors.map((t) => [t.name, t.bytes]));
  const ofOp = einsumsOfOps(c, g);
  const moves = new Map<string, Map<string, TierMoves>>();
  const order: string[] = [];
  for (const st of steps) {
    const names = ofOp.get(st.op) ?? [];
    order.push(...names);
    if (names.length === 0) continue;
    const at = moves.get(names[0]!) ?? new Map<string, TierMoves>();
    const add = (tier: string, k: keyof TierMoves, b: number) => {
      const m = at.get(tier) ?? { loadBytes: 0, spillBytes: 0 };
      m[k] += b;
      at.set(tier, m);
    };
    for (const l of st.loads) add(l.tier, 'loadBytes', bytes.get(l.tensor)!);
    for (const s of st.spills) add(s.tier, 'spillBytes', bytes.get(s.tensor)!);
    moves.set(names[0]!, at);
  }
  return { moves, order };
}

async function ilpPlacement(c: Cascade, g: OpGraph, chain: TierChain, budget: ScheduleRequest['budget'], o: PlacementOptions): Promise<Placement> {
  const r = await runSchedule(g, chain, { budget, ...(o.solver ? { solver: o.solver } : {}), ...(o.timeLimitSeconds ? { timeLimitSeconds: o.timeLimitSeconds } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) }, true);
  if (!r.check.ok) throw new UserError(`--schedule ilp: the schedule fails the checker: ${r.check.violations.slice(0, 3).join('; ')}`);
  const steps = r.schedule.steps.map((s) => ({ op: s.op, loads: s.loads.map((x) => parseMove(x, '<-')), spills: s.spills.map((x) => parseMove(x, '->')) }));
  return { kind: 'ilp', sram: chain.tiers[0]!.name, budgetBytes: r.budget.bytes, ...collectMoves(c, g, steps), traffic: r.traffic.byLevel, report: r };
}

function greedyPlacement(c: Cascade, g: OpGraph, chain: TierChain, bytes: number): Placement {
  const b = baselineSchedule(g, withSram(chain, bytes), 'belady');
  if ('failure' in b) throw new UserError(`the cascade does not fit the SRAM budget (${bytes} bytes) with --schedule greedy: ${b.failure.message}`);
  const check = checkSchedule(g, withSram(chain, bytes), b.schedule);
  if (!check.ok) throw new UserError(`--schedule greedy: the schedule fails the checker: ${check.violations.slice(0, 3).map((v) => v.message).join('; ')}`);
  const tn = (t: number) => g.tensors[t]!.name;
  const kn = (k: number) => chain.tiers[k]!.name;
  const steps = b.schedule.steps.map((s) => ({
    op: g.ops[s.op]!.name,
    loads: s.loads.map((l) => ({ tensor: tn(l.tensor), tier: kn(l.tier) })),
    spills: s.spills.map((l) => ({ tensor: tn(l.tensor), tier: kn(l.tier) })),
  }));
  const traffic = trafficByTier(check.traffic);
  const report = { method: 'greedy (Belady replacement, program order)', budget: { bytes }, traffic: { ...check.traffic, byLevel: traffic }, steps: steps.map((s, i) => ({ step: i, op: s.op, loads: s.loads.map((l) => `${l.tensor} <- ${l.tier}`), spills: s.spills.map((l) => `${l.tensor} -> ${l.tier}`) })) };
  return { kind: 'greedy', sram: chain.tiers[0]!.name, budgetBytes: bytes, ...collectMoves(c, g, steps), traffic, report };
}

/** Schedules every tensor, weights included, across the target's tiers; exit-1 errors when nothing fits. */
export async function placeTensors(c: Cascade, spec: TargetSpec, o: PlacementOptions): Promise<Placement> {
  let chain: TierChain;
  try {
    chain = tierChainFromTarget(spec, 1, 'time');
  } catch (e) {
    throw new UserError(`--schedule ${o.kind}: ${(e as Error).message}`);
  }
  const g = cascadeToOpGraph(c, { params: true, name: c.name ?? c.file ?? 'cascade' });
  if (g.ops.length === 0) throw new UserError(`--schedule ${o.kind}: the cascade has no einsums to schedule`);
  const budget = o.budget ?? sramCapacity(spec, chain);
  try {
    if (o.kind === 'ilp') return await ilpPlacement(c, g, chain, budget, o);
    if (typeof budget !== 'number') throw new UserError('--schedule greedy takes a budget in bytes (MR, MH and MP are the ILP\'s)');
    return greedyPlacement(c, g, chain, budget);
  } catch (e) {
    if (e instanceof InfeasibleBudgetError) throw new UserError(`the cascade does not fit ${spec.name}'s tiers: ${e.message}`);
    throw e;
  }
}
