// The `scalesim` cycle engine: a SCALE-Sim v2 machine (an array2d, IFMAP_SRAM / FILTER_SRAM /
// OFMAP_SRAM and a DRAM; `attr engine = scalesim`, as sim/spatial/scalesim/to-target.ts writes it)
// running every GEMM einsum of a Mapping the way SCALE-Sim does: the array's own dataflow, A = ifmap
// (M×K), B = filter (K×N), one simulateSystolic per einsum (batch ranks repeat it), layers back to
// back, every operand in DRAM. The mapper's tiles and binding are not used (SCALE-Sim has none);
// energy is the analytic mapping's. Each einsum entry of the Result carries the per-layer figures
// SCALE-Sim's reports need (sim/spatial/scalesim/report.ts reads them).
// It is the `scalesim` engine family (targets/engines/scalesim.ts): one OpEngine for every op kind
// (a GEMM runs, anything else says why not and keeps its analytic cost) and a `finish` that adds
// SCALE-Sim's array-level figures to the Result.
import type { Result } from '../sim/core/result';
import { fraction } from '../sim/core/stats';
import { TrafficLedger } from '../sim/memory/traffic';
import { runTraffic } from '../sim/spatial/result';
import { systolicConfigFromSpec } from '../sim/spatial/scalesim/run';
import { simulateSystolic, type SystolicConfig, type SystolicRun } from '../sim/spatial/systolic';
import type { TargetSpec } from './spec/types';
import type { Mapping } from './target';
import type { EngineContext, LoweredOp, OpEngine, OpRun } from './engines/contract';

export { scaleSimUnsupported } from '../sim/spatial/scalesim/run';

/** The per-layer figures of one GEMM, `reps` instances of it back to back. */
function layerRun(unit: string, shape: { M: number; N: number; K: number }, run: SystolicRun, reps: number, dram: string): OpRun {
  const t = new TrafficLedger();
  for (const [lvl, v] of Object.entries(runTraffic(run))) {
    t.read(lvl === 'DRAM' ? dram : lvl, v.readBytes * reps);
    t.write(lvl === 'DRAM' ? dram : lvl, v.writeBytes * reps);
  }
  const times = <T extends Record<string, number>>(o: T): T => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v * reps])) as T;
  return {
    latencyCycles: run.totalCycles * reps,
    busyPeCycles: { [unit]: run.macs * reps },
    traffic: t.toTraffic(),
    stallCycles: run.stallCycles * reps,
    unit,
    extra: {
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
    },
  };
}

const arrayUnit = (spec: TargetSpec) => spec.computes.find((u) => u.kind === 'array2d' && u.rows && u.cols)!.name;

/** Every GEMM as SCALE-Sim runs it: the array's own dataflow, A = ifmap, B = filter, every operand in DRAM. */
export const scaleSimGemmEngine: OpEngine = {
  name: 'scalesim',
  kinds: ['contraction', 'reduction', 'elementwise', 'fused'],
  cycle(op: LoweredOp, ctx: EngineContext): OpRun | string {
    const gemm = op.gemm;
    if (op.kind !== 'contraction' || !gemm) return 'not a GEMM the scalesim engine runs';
    const sys: SystolicConfig = systolicConfigFromSpec(ctx.spec);
    const shape = { M: gemm.M, N: gemm.N, K: gemm.K };
    const run = simulateSystolic(shape, sys, { ...(ctx.trace ? { trace: ctx.trace } : {}), traceName: op.name, traceOffsetCycles: ctx.startCycle });
    return layerRun(arrayUnit(ctx.spec), shape, run, gemm.batch * op.batch, sys.memory!.dram.name);
  },
};

/** The mapper's explanations describe its own binding, which this engine does not use. */
export function scaleSimWarnings(m: Mapping): string[] {
  const explained = new Set(m.einsums.flatMap((e) => e.explanation));
  return [...new Set(m.warnings)].filter((w) => !explained.has(w));
}

/** SCALE-Sim's array-level figures: MACs, utilization of the one array, its dataflow and size. */
export function scaleSimFinish(r: Result, _m: Mapping, spec: TargetSpec, runs: readonly OpRun[]): Result {
  const sys = systolicConfigFromSpec(spec);
  let macs = 0;
  for (const x of runs) macs += Number(x.extra?.macs ?? 0);
  return {
    ...r,
    utilization: { [arrayUnit(spec)]: fraction(macs, sys.rows * sys.cols * r.latencyCycles) },
    macs,
    engine: 'scalesim',
    foldTiming: sys.foldTiming ?? 'tessera',
    dataflow: sys.dataflow,
    array: { rows: sys.rows, cols: sys.cols },
  };
}
