// Turns an analytical Mapping into the Result JSON of DESIGN.md (fidelity 'analytic'): totals,
// utilization per unit, traffic per level, one entry per einsum, and the explanation of the mapping.
// The totals are summed over the lowered ops (Mapping.ops): each op's analytic cost is the mapper's,
// unless the target's engine for that op kind has an analytic model of its own (`own`, from
// targets/engines: the same interface the cycle engines use); such an op is one entry in `einsums`.
import type { Result } from '../../sim/core/result';
import type { LoweredOp } from './lowered';
import type { Cost, Mapping } from './mapping';

/** What an analytic engine reports for one op (all its instances). */
export type OpTotals = Pick<Cost, 'latencyCycles' | 'energyPj' | 'busyPeCycles' | 'traffic'> & { unit?: string };

type Entry = Result['einsums'][number];

const roundTraffic = (t: Cost['traffic']) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { readBytes: Math.round(v.readBytes), writeBytes: Math.round(v.writeBytes) }]));

/** Entries in the mapping's einsum order; an op with its own analytic model is one entry, at its first einsum. */
function entries(m: Mapping, own: Map<LoweredOp, OpTotals>): Entry[] {
  const opOf = new Map<string, LoweredOp>();
  for (const op of own.keys()) for (const n of op.einsums) opOf.set(n, op);
  const done = new Set<LoweredOp>();
  const out: Entry[] = [];
  for (const e of m.einsums) {
    const op = opOf.get(e.name);
    if (!op) out.push({ name: e.name, unit: e.unit, latencyCycles: Math.round(e.cost.latencyCycles), energyPj: round(e.cost.energyPj), traffic: roundTraffic(e.cost.traffic) });
    else if (!done.has(op)) {
      done.add(op);
      const t = own.get(op)!;
      out.push({ name: op.name, unit: t.unit ?? op.units.join('+'), latencyCycles: Math.round(t.latencyCycles), energyPj: round(t.energyPj), traffic: roundTraffic(t.traffic) });
    }
  }
  return out;
}

export function analyticResult(m: Mapping, analytic?: (op: LoweredOp) => OpTotals | undefined): Result {
  let latency = 0;
  let energy = 0;
  const busy: Record<string, number> = {};
  const traffic: Record<string, { readBytes: number; writeBytes: number }> = {};
  const addTraffic = (t: Record<string, { readBytes: number; writeBytes: number }>) => {
    for (const [lvl, v] of Object.entries(t)) {
      const cur = (traffic[lvl] ??= { readBytes: 0, writeBytes: 0 });
      cur.readBytes += v.readBytes;
      cur.writeBytes += v.writeBytes;
    }
  };
  const addBusy = (b: Record<string, number>) => {
    for (const [u, v] of Object.entries(b)) busy[u] = (busy[u] ?? 0) + v;
  };
  const own = new Map<LoweredOp, OpTotals>();
  for (const op of m.ops) {
    const mine = analytic?.(op);
    if (mine) own.set(op, mine);
    const t = mine ?? op.cost;
    latency += t.latencyCycles;
    energy += t.energyPj;
    addBusy(t.busyPeCycles);
    addTraffic(t.traffic);
  }
  const utilization: Record<string, number> = {};
  for (const [u, pes] of Object.entries(m.unitPes)) utilization[u] = latency > 0 ? Math.min(1, round((busy[u] ?? 0) / (latency * pes))) : 0;
  for (const t of Object.values(traffic)) {
    t.readBytes = Math.round(t.readBytes);
    t.writeBytes = Math.round(t.writeBytes);
  }
  const explanation = [...m.groups.flatMap((g) => g.explanation), ...m.einsums.filter((e) => !e.group).flatMap((e) => e.explanation)];
  return {
    target: m.target,
    workload: m.workload,
    fidelity: 'analytic',
    latencyCycles: Math.round(latency),
    latencySeconds: latency / m.clockHz,
    energyPj: round(energy),
    utilization,
    traffic,
    einsums: entries(m, own),
    ...(m.schedule !== undefined ? { schedule: m.schedule } : {}),
    warnings: [...new Set(m.warnings)],
    explanation,
    objective: m.objective,
    seed: m.seed,
    mapperEvaluations: m.evaluations,
    mapping: {
      groups: m.groups.map((g) => ({ name: g.name, kind: g.kind, einsums: g.einsums, params: g.params, latencyCycles: g.cost.latencyCycles, boundBy: g.cost.boundBy, fillBytes: fills(g.cost.traffic) })),
      einsums: m.einsums.map((e) => ({ name: e.name, unit: e.unit, spatial: e.spatial, tiles: e.tiles, loopOrder: e.loopOrder, ...(e.group ? { group: e.group } : {}), spatialUtilization: round(e.spatialUtilization), boundBy: e.cost.boundBy, fillBytes: fills(e.cost.traffic) })),
    },
  };
}

/** level -> bytes filled into it from the level above (only levels that are filled) */
function fills(t: Record<string, { fillBytes?: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [lvl, v] of Object.entries(t)) if (v.fillBytes !== undefined) out[lvl] = Math.round(v.fillBytes);
  return out;
}

/** 12 significant digits: keeps JSON stable across platforms' last-bit differences. */
function round(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(12));
}
