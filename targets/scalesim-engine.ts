// The `scalesim` cycle engine: a SCALE-Sim v2 machine (an array2d, IFMAP_SRAM / FILTER_SRAM /
// OFMAP_SRAM and a DRAM; `attr engine = scalesim`, as sim/spatial/scalesim/to-target.ts writes it)
// running every GEMM einsum of a Mapping the way SCALE-Sim does: the array's own dataflow, A = ifmap
// (M×K), B = filter (K×N), one simulateSystolic per einsum (batch ranks repeat it), layers back to
// back, every operand in DRAM. The mapper's tiles and binding are not used (SCALE-Sim has none);
// energy is the analytic mapping's. Each einsum entry of the Result carries the per-layer figures
// SCALE-Sim's reports need (sim/spatial/scalesim/report.ts reads them).
import { cascadeWorkloads } from '../compiler/map';
import type { EinsumResult, Result } from '../sim/core/result';
import { fraction } from '../sim/core/stats';
import { TrafficLedger } from '../sim/memory/traffic';
import { runTraffic } from '../sim/spatial/result';
import { systolicConfigFromSpec } from '../sim/spatial/scalesim/run';
import { simulateSystolic, type SystolicConfig, type SystolicRun } from '../sim/spatial/systolic';
import { gemmOf } from './spatial-cycle';
import type { TargetSpec } from './spec/types';
import type { CycleSimulator, Mapping, SimOptions } from './target';

export { scaleSimUnsupported } from '../sim/spatial/scalesim/run';

type MappedEinsum = Mapping['einsums'][number];

/** The per-layer figures of one GEMM einsum, `reps` instances of it back to back. */
function layerEntry(e: MappedEinsum, shape: { M: number; N: number; K: number }, run: SystolicRun, reps: number, dram: string): EinsumResult {
  const t = new TrafficLedger();
  for (const [lvl, v] of Object.entries(runTraffic(run))) {
    t.read(lvl === 'DRAM' ? dram : lvl, v.readBytes * reps);
    t.write(lvl === 'DRAM' ? dram : lvl, v.writeBytes * reps);
  }
  const times = <T extends Record<string, number>>(o: T): T => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v * reps])) as T;
  return {
    name: e.name,
    unit: e.unit,
    latencyCycles: run.totalCycles * reps,
    energyPj: e.cost.energyPj,
    traffic: t.toTraffic(),
    ...shape,
    ...(reps !== 1 ? { instances: reps } : {}),
    dataflow: run.dataflow,
    folds: run.folds * reps,
    computeCycles: run.computeCycles * reps,
    stallCycles: run.stallCycles * reps,
    dramStallCycles: run.dramStallCycles * reps,
    sramStallCycles: run.sramStallCycles * reps,
    macs: run.macs * reps,
    mappingEfficiency: run.mappingEfficiency,
    computeUtilization: run.computeUtilization,
    overallUtilization: run.overallUtilization,
    sram: times(run.sram),
    dram: times(run.dram),
  } as EinsumResult;
}

/** An einsum this engine does not simulate: the analytic mapping's cost, and a warning. */
function analyticEntry(e: { name: string; unit?: string; cost: MappedEinsum['cost'] }, warnings: string[]): EinsumResult {
  warnings.push(`${e.name}: not a GEMM the scalesim engine runs; its analytic cost is used`);
  return { name: e.name, unit: e.unit ?? 'array', latencyCycles: Math.round(e.cost.latencyCycles), energyPj: e.cost.energyPj, traffic: e.cost.traffic };
}

export const scaleSimCycleSimulator: CycleSimulator = (m: Mapping, spec: TargetSpec, o: SimOptions): Result => {
  const sys: SystolicConfig = systolicConfigFromSpec(spec);
  const c = m.cascade;
  const byName = new Map(cascadeWorkloads(c).map((w) => [w.name, w]));
  const unit = spec.computes.find((u) => u.kind === 'array2d' && u.rows && u.cols)!.name;
  const dram = sys.memory!.dram.name;
  // the mapper's explanations describe its own binding, which this engine does not use
  const explained = new Set(m.einsums.flatMap((e) => e.explanation));
  const warnings = [...new Set(m.warnings)].filter((w) => !explained.has(w));
  const einsums: EinsumResult[] = [];
  const inst = m.batch ?? 1;
  let latency = 0;
  let macs = 0;
  let stalls = 0;
  let energy = 0;
  const add = (x: EinsumResult) => {
    einsums.push(x);
    latency += x.latencyCycles;
  };
  for (const g of m.groups) add(analyticEntry({ name: g.name, cost: g.cost }, warnings));
  for (const e of m.einsums) {
    if (e.group) continue;
    const w = byName.get(e.name);
    const gemm = w ? gemmOf(c, w) : null;
    if (!gemm) {
      add(analyticEntry(e, warnings));
      continue;
    }
    const shape = { M: gemm.M, N: gemm.N, K: gemm.K };
    const run = simulateSystolic(shape, sys, { ...(o.trace ? { trace: o.trace } : {}), traceName: e.name, traceOffsetCycles: latency });
    add(layerEntry({ ...e, unit }, shape, run, gemm.batch * inst, dram));
    macs += run.macs * gemm.batch * inst;
    stalls += run.stallCycles * gemm.batch * inst;
  }
  const traffic = new TrafficLedger();
  for (const x of einsums) {
    traffic.merge(x.traffic);
    energy += x.energyPj;
  }
  const total = latency;
  return {
    target: m.target,
    workload: m.workload,
    fidelity: 'cycle',
    latencyCycles: total,
    latencySeconds: total / m.clockHz,
    energyPj: energy,
    utilization: { [unit]: fraction(macs, sys.rows * sys.cols * total) },
    traffic: traffic.toTraffic(),
    einsums,
    ...(m.schedule !== undefined ? { schedule: m.schedule } : {}),
    warnings: [...new Set(warnings)],
    stallCycles: stalls,
    macs,
    engine: 'scalesim',
    foldTiming: sys.foldTiming ?? 'tessera',
    dataflow: sys.dataflow,
    array: { rows: sys.rows, cols: sys.cols },
  };
};
