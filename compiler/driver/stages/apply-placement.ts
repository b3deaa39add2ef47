// Adds a tier schedule's transfers to a Result computed with every operand resident in SRAM (see
// resident.ts): before an einsum runs, its loads come in from their tiers; after it, its spills go out.
// Transfers do not overlap compute (the scheduler's model, docs/SCHEDULER.md): each tier's bytes take
// bytes / bandwidth, and the einsum's latency grows by the sum. Energy adds each tier's per-byte read or
// write energy and the SRAM's write or read energy. Off-chip traffic in the Result is exactly the schedule's.
import type { Result } from '../../../sim/core/result';
import type { MemorySpec, TargetSpec } from '../../../targets/spec/types';
import type { Placement, TierMoves } from './placement';
import { offChipNames } from './resident';

interface TierCost {
  cyclesPerByte: number;
  loadPj: number;
  spillPj: number;
}

function tierCosts(spec: TargetSpec, sram: string): Map<string, TierCost> {
  const s = spec.memories.find((m) => m.name === sram);
  const sramRead = s?.readEnergyPjPerByte ?? 0;
  const sramWrite = s?.writeEnergyPjPerByte ?? sramRead;
  const out = new Map<string, TierCost>();
  for (const m of spec.memories) {
    const bw = totalBandwidth(m);
    out.set(m.name, {
      cyclesPerByte: bw > 0 ? spec.clockHz / bw : 0,
      loadPj: (m.readEnergyPjPerByte ?? 0) + sramWrite,
      spillPj: (m.writeEnergyPjPerByte ?? m.readEnergyPjPerByte ?? 0) + sramRead,
    });
  }
  return out;
}

function totalBandwidth(m: MemorySpec): number {
  const eff = typeof m.attrs.efficiency === 'number' ? m.attrs.efficiency : 1;
  return (m.bandwidthBytesPerSecond ?? 0) * (m.instances ?? 1) * eff;
}

/** One einsum's transfers: cycles, picojoules and the traffic entries, for `batch` instances. */
function costOfMoves(moves: Map<string, TierMoves>, costs: Map<string, TierCost>, batch: number) {
  let cycles = 0;
  let energy = 0;
  let loaded = 0;
  const traffic: Record<string, { readBytes: number; writeBytes: number }> = {};
  for (const [tier, m] of moves) {
    const c = costs.get(tier)!;
    const load = m.loadBytes * batch;
    const spill = m.spillBytes * batch;
    cycles += (load + spill) * c.cyclesPerByte;
    energy += load * c.loadPj + spill * c.spillPj;
    loaded += load;
    if (load || spill) traffic[tier] = { readBytes: load, writeBytes: spill };
  }
  return { cycles: Math.ceil(cycles), energy, loaded, traffic };
}

function withoutOffChip<T>(t: Record<string, T>, off: Set<string>): Record<string, T> {
  return Object.fromEntries(Object.entries(t).filter(([k]) => !off.has(k)));
}

function addTraffic(into: Record<string, { readBytes: number; writeBytes: number }>, t: Record<string, { readBytes: number; writeBytes: number }>): void {
  for (const [k, v] of Object.entries(t)) {
    const cur = (into[k] ??= { readBytes: 0, writeBytes: 0 });
    cur.readBytes += v.readBytes;
    cur.writeBytes += v.writeBytes;
  }
}

/**
 * Moves keyed by the einsums the Result lists: an operator whose first einsum is not simulated on its own
 * (a view, folded into its readers) hands its moves to the next einsum that is, or the last one.
 */
function movesByResultEinsum(p: Placement, present: Set<string>): Map<string, Map<string, TierMoves>> {
  const out = new Map<string, Map<string, TierMoves>>();
  let pending: [string, TierMoves][] = [];
  let last: string | undefined;
  const merge = (name: string, items: Iterable<[string, TierMoves]>) => {
    const at = out.get(name) ?? new Map<string, TierMoves>();
    for (const [tier, m] of items) {
      const cur = at.get(tier) ?? { loadBytes: 0, spillBytes: 0 };
      at.set(tier, { loadBytes: cur.loadBytes + m.loadBytes, spillBytes: cur.spillBytes + m.spillBytes });
    }
    out.set(name, at);
  };
  for (const name of p.order) {
    const own = p.moves.get(name);
    if (!present.has(name)) {
      if (own) pending.push(...own);
      continue;
    }
    merge(name, [...pending, ...(own ?? [])]);
    pending = [];
    last = name;
  }
  if (pending.length && last !== undefined) merge(last, pending);
  return out;
}

/** The Result of the same run with the schedule's transfers in every einsum, tier and total. */
export function applyPlacement(r: Result, p: Placement, spec: TargetSpec, batch: number): Result {
  // an engine that ran the transfers on its own timeline (Result.transfersOnTimeline) already counted their time
  const onTimeline = (r as { transfersOnTimeline?: boolean }).transfersOnTimeline === true;
  const off = offChipNames(spec);
  const costs = tierCosts(spec, p.sram);
  let extraCycles = 0;
  let extraPj = 0;
  let loaded = 0;
  const traffic = withoutOffChip(r.traffic, off);
  const byEinsum = movesByResultEinsum(p, new Set(r.einsums.map((e) => e.name)));
  const einsums = r.einsums.map((e) => {
    const moves = byEinsum.get(e.name);
    const own = withoutOffChip(e.traffic, off);
    if (!moves) return { ...e, traffic: own };
    const x = costOfMoves(moves, costs, batch);
    if (onTimeline) x.cycles = 0;
    extraCycles += x.cycles;
    extraPj += x.energy;
    loaded += x.loaded;
    addTraffic(traffic, x.traffic);
    addTraffic(own, x.traffic);
    return { ...e, latencyCycles: e.latencyCycles + x.cycles, energyPj: e.energyPj === null ? null : e.energyPj + x.energy, traffic: own };
  });
  const latency = r.latencyCycles + extraCycles;
  const scale = latency > 0 ? r.latencyCycles / latency : 1;
  const fills = { ...((r as { fills?: Record<string, number> }).fills ?? {}), [p.sram]: loaded };
  return {
    ...r,
    latencyCycles: latency,
    latencySeconds: latency / spec.clockHz,
    energyPj: r.energyPj === null ? null : r.energyPj + extraPj,
    utilization: Object.fromEntries(Object.entries(r.utilization).map(([u, f]) => [u, f * scale])),
    traffic,
    einsums,
    fills,
    schedule: p.report,
    transferCycles: onTimeline ? ((r as { transferCycles?: number }).transferCycles ?? 0) : extraCycles,
  };
}
