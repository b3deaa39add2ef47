// Runs a lowered mapping through a family's per-op engines: each op, in execution order, goes to the
// first engine of the family registered for its kind that can run it; an op none can run keeps its
// analytic cost and the Result says so. Ops run back to back: each starts where the previous ended
// (its `startCycle`, which shifts its trace spans). Totals: latency and energy summed, busy
// PE-cycles per unit over latency x PEs for utilization, traffic merged per level (bytes rounded).
import type { Mapping } from '../../compiler/map/mapping';
import type { OpTotals } from '../../compiler/map/result';
import type { EinsumResult, Result } from '../../sim/core/result';
import { fraction } from '../../sim/core/stats';
import type { TraceWriter } from '../../sim/core/trace';
import { TrafficLedger } from '../../sim/memory/traffic';
import type { TargetSpec } from '../spec/types';
import { analyticRun, type EngineContext, type EngineFamily, type LoweredOp, type OpEngine, type OpRun } from './contract';

const rounded = (t: OpRun['traffic']) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { readBytes: Math.round(v.readBytes), writeBytes: Math.round(v.writeBytes) }]));

/** The op's cycle run from the first engine of `engines` that runs its kind, or its analytic cost with a warning. */
export function cycleRun(op: LoweredOp, engines: readonly OpEngine[], ctx: EngineContext): OpRun {
  const why: string[] = [];
  for (const e of engines) {
    if (!e.cycle || !e.kinds.includes(op.kind)) continue;
    const r = e.cycle(op, ctx);
    if (typeof r !== 'string') return r;
    why.push(r);
  }
  const run = analyticRun(op);
  run.warnings = [why.length ? `${op.name}: ${why.join('; ')}; its analytic cost is used` : `${op.name}: no cycle-level engine for this ${op.kind} on ${op.units.join('+')}; its analytic cost is used`];
  return run;
}

/** The cycle Result of a mapping on a family of per-op engines. */
export function composeCycle(m: Mapping, spec: TargetSpec, family: EngineFamily, o: { trace?: TraceWriter; onProgress?: (done: number, total: number) => void }): Result {
  const warnings = family.warnings ? family.warnings(m) : [...new Set(m.warnings)];
  const traffic = new TrafficLedger();
  const busy: Record<string, number> = {};
  const einsums: EinsumResult[] = [];
  const runs: OpRun[] = [];
  let latency = 0;
  let energy = 0;
  let stalls = 0;
  for (const op of m.ops) {
    const ctx: EngineContext = { spec, mapping: m, fidelity: 'cycle', ...(o.trace ? { trace: o.trace } : {}), startCycle: latency };
    const r = cycleRun(op, family.ops, ctx);
    o.trace?.op({ name: op.name, unit: r.unit ?? op.units.join('+'), startCycle: latency, cycles: r.latencyCycles, traffic: r.traffic, busyPeCycles: r.busyPeCycles, unitPes: m.unitPes, ...(op.cost.occupancyBytes ? { occupancyBytes: op.cost.occupancyBytes } : {}) });
    runs.push(r);
    latency += r.latencyCycles;
    const e = r.energyPj ?? op.cost.energyPj;
    energy += e;
    stalls += r.stallCycles ?? 0;
    for (const [u, v] of Object.entries(r.busyPeCycles)) busy[u] = (busy[u] ?? 0) + v;
    traffic.merge(r.traffic);
    if (r.warnings) warnings.push(...r.warnings);
    einsums.push({ name: op.name, unit: r.unit ?? op.units.join('+'), latencyCycles: r.latencyCycles, energyPj: e, traffic: rounded(r.traffic), ...(r.extra ?? {}) } as EinsumResult);
    o.onProgress?.(einsums.length, m.ops.length);
  }
  const utilization: Record<string, number> = {};
  for (const [u, pes] of Object.entries(m.unitPes)) utilization[u] = fraction(busy[u] ?? 0, latency * pes);
  const r: Result = {
    target: m.target,
    workload: m.workload,
    fidelity: 'cycle',
    latencyCycles: latency,
    latencySeconds: latency / m.clockHz,
    energyPj: energy,
    utilization,
    traffic: rounded(traffic.toTraffic()),
    einsums,
    ...(m.schedule !== undefined ? { schedule: m.schedule } : {}),
    warnings: [...new Set(warnings)],
    stallCycles: stalls,
  };
  return family.finish ? family.finish(r, m, spec, runs) : r;
}

/**
 * The analytic models a family's engines bring for some op kinds (the default is the mapper's cost):
 * what compiler/map/result.ts analyticResult asks for each op. Undefined when the family has none.
 */
export function analyticOverrides(m: Mapping, spec: TargetSpec, family: EngineFamily): ((op: LoweredOp) => OpTotals | undefined) | undefined {
  const own = family.ops.filter((e) => e.analytic);
  if (own.length === 0) return undefined;
  return (op) => {
    const r = own.find((x) => x.kinds.includes(op.kind))?.analytic?.(op, { spec, mapping: m, fidelity: 'analytic', startCycle: 0 });
    return r ? { ...r, energyPj: r.energyPj ?? op.cost.energyPj } : undefined;
  };
}
