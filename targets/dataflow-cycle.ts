// Fidelity 'cycle' for dataflow chips with several memory tiers (the SN40L: PCUs and PMUs, SRAM ⇄
// HBM ⇄ DDR): turns a Mapping into pipelined sections (sim/dataflow/plan.ts) and runs each on the
// per-tile engine (sim/dataflow/section.ts), one after another.
//   - every operator's bytes to and from each off-chip tier are the mapper's (the tier it placed
//     each tensor in), or, with a tier schedule (--schedule ilp|greedy), the schedule's loads and
//     spills: then they stream on the tiers' channels while the section computes, and the Result
//     says `transfersOnTimeline` so the pipeline does not add them again;
//   - an operator's latency in the Result is its share of its section's span, in proportion to
//     its demand (the larger of its compute cycles on the PCUs its mapping uses and its transfer
//     cycles): the einsums add up to the total;
//   - energy is left to the energy stage (compiler/driver/stages/energy.ts).
import { analyticResult, hwModel, type EinsumWorkload } from '../compiler/map';
import type { EinsumResult, Result } from '../sim/core/result';
import { fraction } from '../sim/core/stats';
import { occupancy, planSections, runSection, sectionClosedForm, type DataflowTier, type PlannedOp, type SectionSpan } from '../sim/dataflow';
import type { CycleSimulator, Mapping, SimOptions } from './target';
import type { MemorySpec, TargetSpec } from './spec/types';

const OFF_CHIP = new Set<MemorySpec['kind']>(['hbm', 'dram', 'ddr', 'flash']);

/** Null when the engine can simulate the spec, else why not. */
export function dataflowUnsupported(s: TargetSpec): string | null {
  const units = s.computes.filter((c) => c.kind === 'vector' && (c.count ?? 1) >= 1 && c.lanes);
  if (units.length !== 1 || s.computes.length !== 1) return 'it needs exactly one compute unit, of kind vector with lanes (PCUs: count)';
  if (!s.memories.some((m) => OFF_CHIP.has(m.kind) && m.bandwidthBytesPerSecond)) return 'it needs an off-chip memory with a bandwidth';
  const ops = s.attrs.section_ops;
  if (ops !== undefined && !(typeof ops === 'number' && Number.isInteger(ops) && ops >= 1)) return `attr section_ops = ${String(ops)}: expected a positive whole number of operators per pipelined section`;
  return null;
}

/** What a tier schedule passes to the engine through Mapping.schedule (compiler/driver/pipeline.ts). */
interface ScheduledMoves {
  moves: Map<string, Map<string, { loadBytes: number; spillBytes: number }>>;
  tierBytesPerSecond: Record<string, number>;
}

function scheduledMoves(m: Mapping): ScheduledMoves | undefined {
  const s = m.schedule as Partial<ScheduledMoves> | undefined;
  return s && s.moves instanceof Map && s.tierBytesPerSecond ? (s as ScheduledMoves) : undefined;
}

function tiersOf(spec: TargetSpec, sched: ScheduledMoves | undefined): DataflowTier[] {
  return spec.memories
    .filter((x) => OFF_CHIP.has(x.kind))
    .map((x) => {
      const eff = typeof x.attrs.efficiency === 'number' ? x.attrs.efficiency : 1;
      const bps = sched?.tierBytesPerSecond[x.name] ?? (x.bandwidthBytesPerSecond ?? Infinity) * (x.instances ?? 1) * eff;
      return { name: x.name, bytesPerCycle: bps / spec.clockHz, latencyCycles: x.latencyCycles ?? 0 };
    });
}

/** The einsums (in m.einsums) whose outputs an einsum reads, looking through views the mapper folded away. */
function producerNames(ws: EinsumWorkload[], w: EinsumWorkload, mapped: Set<string>): string[] {
  const writer = new Map<string, number>();
  for (const x of ws) for (const t of x.tensors) if (t.write && x.index < w.index) writer.set(t.name, x.index);
  const out: string[] = [];
  const seen = new Set<number>();
  const visit = (tensor: string) => {
    const i = writer.get(tensor);
    if (i === undefined || seen.has(i)) return;
    seen.add(i);
    if (mapped.has(ws[i]!.name)) out.push(ws[i]!.name);
    else for (const t of ws[i]!.tensors) if (!t.write) visit(t.name);
  };
  for (const t of w.tensors) if (!t.write) visit(t.name);
  return out;
}

function plannedOps(m: Mapping, tiers: DataflowTier[], sched: ScheduledMoves | undefined): PlannedOp[] {
  const ws = m.workloads;
  const mapped = new Set(m.einsums.map((e) => e.name));
  const batch = m.batch ?? 1;
  const ops: PlannedOp[] = [];
  const groups = new Map(m.groups.map((g) => [g.name, g]));
  for (const e of m.einsums) {
    if (e.group) {
      // a fused group (none on the SN40L) runs as one operator, where its first einsum runs
      const g = groups.get(e.group);
      if (g && !ops.some((o) => o.name === g.name)) ops.push({ name: g.name, computeCycles: Math.round(g.cost.computeCycles), usedUnits: 1, readBytes: tiers.map((t) => Math.round(g.cost.traffic[t.name]?.readBytes ?? 0)), writeBytes: tiers.map((t) => Math.round(g.cost.traffic[t.name]?.writeBytes ?? 0)), inputsFrom: [] });
      continue;
    }
    const moves = sched?.moves.get(e.name);
    const bytes = (t: DataflowTier, dir: 'read' | 'write') =>
      sched ? Math.round((dir === 'read' ? moves?.get(t.name)?.loadBytes : moves?.get(t.name)?.spillBytes) ?? 0) * batch : Math.round((dir === 'read' ? e.cost.traffic[t.name]?.readBytes : e.cost.traffic[t.name]?.writeBytes) ?? 0);
    const used = e.spatial.filter((s) => s.dim === 'cols').reduce((p, s) => p * s.factor, 1);
    ops.push({ name: e.name, computeCycles: Math.round(e.cost.computeCycles), usedUnits: used, readBytes: tiers.map((t) => bytes(t, 'read')), writeBytes: tiers.map((t) => bytes(t, 'write')), inputsFrom: producerNames(ws, ws[e.index]!, mapped) });
  }
  return ops;
}

/** Integer shares of `total` in proportion to `weights` (largest remainder), summing to `total`. */
function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (sum <= 0) return weights.map((_, i) => (i === weights.length - 1 ? total : 0));
  const raw = weights.map((w) => (w / sum) * total);
  const out = raw.map(Math.floor);
  let left = total - out.reduce((s, x) => s + x, 0);
  const order = [...raw.keys()].sort((a, b) => raw[b]! - out[b]! - (raw[a]! - out[a]!) || a - b);
  for (const i of order) if (left-- > 0) out[i]!++;
  return out;
}

export const dataflowCycleSimulator: CycleSimulator = (m: Mapping, spec: TargetSpec, o: SimOptions): Result => simulateSections(m, spec, o, false);

/**
 * Fidelity analytic on a dataflow chip: the mapper's costs, with the operators of each section
 * overlapped as the cycle engine pipelines them, in closed form (sim/dataflow/closed-form.ts) on the
 * same plan: one answer with the cycle engine, not a sum of per-einsum times.
 */
export function dataflowAnalytic(m: Mapping, spec: TargetSpec): Result {
  const base = analyticResult(m);
  const piped = simulateSections(m, spec, { fidelity: 'analytic' }, true);
  const lat = new Map(piped.einsums.map((e) => [e.name, e.latencyCycles]));
  return {
    ...base,
    latencyCycles: piped.latencyCycles,
    latencySeconds: piped.latencySeconds,
    utilization: piped.utilization,
    einsums: base.einsums.map((e) => ({ ...e, latencyCycles: lat.get(e.name) ?? e.latencyCycles })),
    sections: piped.sections,
    tierBusyCycles: piped.tierBusyCycles,
  };
}

function simulateSections(m: Mapping, spec: TargetSpec, o: SimOptions, closed: boolean): Result {
  const sched = scheduledMoves(m);
  const tiers = tiersOf(spec, sched);
  const ops = plannedOps(m, tiers, sched);
  const unit = spec.computes[0]!;
  const hw = hwModel(spec);
  const pmu = hw.levels[hw.glb]!;
  const pmuBytes = pmu.capacityBytes * pmu.instances;
  const maxOps = typeof spec.attrs.section_ops === 'number' ? spec.attrs.section_ops : (unit.count ?? 1);
  const sections = planSections(ops, unit.count ?? 1, pmuBytes, maxOps);
  const latencyOf = new Map<string, number>();
  const traffic: Record<string, { readBytes: number; writeBytes: number }> = {};
  let now = 0;
  let transferCycles = 0;
  const tierBusy = new Map<string, number>();
  for (const sec of sections) {
    const spans: SectionSpan[] | undefined = o.trace ? [] : undefined;
    const stages = sec.stages.map((st) => ({ name: ops[st.op]!.name, computeCycles: st.computeCycles, readBytes: ops[st.op]!.readBytes, writeBytes: ops[st.op]!.writeBytes, producers: st.producers, buffers: st.buffers }));
    const run = closed ? sectionClosedForm({ tiers, stages, tiles: sec.tiles, startCycle: now }) : runSection({ tiers, stages, tiles: sec.tiles, startCycle: now }, spans);
    for (const s of spans ?? []) o.trace!.span(s.track, s.name, s.start, s.end);
    tiers.forEach((t, k) => {
      const cur = (traffic[t.name] ??= { readBytes: 0, writeBytes: 0 });
      cur.readBytes += run.tierReadBytes[k]!;
      cur.writeBytes += run.tierWriteBytes[k]!;
      transferCycles += run.tierBusyCycles[k]!;
      tierBusy.set(t.name, (tierBusy.get(t.name) ?? 0) + run.tierBusyCycles[k]!);
    });
    const demand = sec.stages.map((st) => Math.max(ops[st.op]!.computeCycles, ...tiers.map((t, k) => occupancy(ops[st.op]!.readBytes[k]! + ops[st.op]!.writeBytes[k]!, t.bytesPerCycle))));
    const shares = apportion(run.endCycle - now, demand);
    stages.forEach((st, i) => latencyOf.set(st.name, shares[i]!));
    now = run.endCycle;
  }
  const busy: Record<string, number> = {};
  const einsums: EinsumResult[] = [];
  const onChip = (t: Record<string, { readBytes: number; writeBytes: number }>) => Object.fromEntries(Object.entries(t).filter(([k]) => !tiers.some((x) => x.name === k)).map(([k, v]) => [k, { readBytes: Math.round(v.readBytes), writeBytes: Math.round(v.writeBytes) }]));
  const entry = (name: string, unitName: string, cost: Mapping['einsums'][number]['cost'], op: PlannedOp) => {
    for (const [u, v] of Object.entries(cost.busyPeCycles)) busy[u] = (busy[u] ?? 0) + v;
    const t = onChip(cost.traffic);
    tiers.forEach((x, k) => {
      if (op.readBytes[k]! + op.writeBytes[k]! > 0) t[x.name] = { readBytes: op.readBytes[k]!, writeBytes: op.writeBytes[k]! };
    });
    einsums.push({ name, unit: unitName, latencyCycles: latencyOf.get(name) ?? 0, energyPj: cost.energyPj, traffic: t });
  };
  const opByName = new Map(ops.map((x) => [x.name, x]));
  for (const g of m.groups) entry(g.name, Object.keys(g.cost.busyPeCycles).join('+') || unit.name, g.cost, opByName.get(g.name)!);
  for (const e of m.einsums) if (!e.group) entry(e.name, e.unit, e.cost, opByName.get(e.name)!);
  for (const e of m.einsums) if (!e.group) for (const [k, v] of Object.entries(onChip(e.cost.traffic))) {
    const cur = (traffic[k] ??= { readBytes: 0, writeBytes: 0 });
    cur.readBytes += v.readBytes;
    cur.writeBytes += v.writeBytes;
  }
  const utilization: Record<string, number> = {};
  for (const [u, pes] of Object.entries(m.unitPes)) utilization[u] = fraction(busy[u] ?? 0, now * pes);
  return {
    target: m.target,
    workload: m.workload,
    fidelity: closed ? 'analytic' : 'cycle',
    latencyCycles: now,
    latencySeconds: now / m.clockHz,
    energyPj: [...m.groups.map((g) => g.cost.energyPj), ...m.einsums.filter((e) => !e.group).map((e) => e.cost.energyPj)].reduce((s, x) => s + x, 0),
    utilization,
    traffic,
    einsums,
    ...(m.schedule !== undefined ? { schedule: m.schedule } : {}),
    warnings: [...new Set(m.warnings)],
    sections: sections.map((s) => ({ operators: s.ops.length, tiles: s.tiles })),
    // cycles each off-chip tier's channels moved data (reads and writes): with DDR-homed experts, the
    // DDR channel's time is the model-switch time
    tierBusyCycles: Object.fromEntries(tiers.map((t) => [t.name, Math.ceil(tierBusy.get(t.name) ?? 0)])),
    ...(sched ? { transfersOnTimeline: true, transferCycles } : {}),
  };
}
