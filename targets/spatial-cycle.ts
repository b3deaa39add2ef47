// The systolic GEMM engines of the `spatial` family (targets/engines/spatial.ts) on the lowered
// mapping's contractions (op kind 'contraction', a GEMM by compiler/map/gemm-view.ts) bound to a 2D
// array:
//   - a plain GEMM (three variables, both array dimensions bound) → the tiled-GEMM engine with the
//     mapper's own GLB tiles, loop order and placement (sim/spatial/tiled-gemm.ts);
//   - any other contraction → the fold-level systolic engine as the GEMM M×K·K×N in the dataflow the
//     binding describes (batch ranks repeat it), SRAM thirds of the GLB.
// Both simulate one instance; --batch instances run back to back. Energy is the analytic mapping's.
import { hwModel, PLACE_DRAM, tensorPlacement, type EinsumWorkload } from '../compiler/map';
import { pairRate } from '../compiler/map/workload';
import { gemmView, type GemmView } from '../compiler/map/gemm-view';
import { gemmNest } from '../compiler/map/gemm-nest';
import { dtypeBytes, type Cascade } from '../compiler/ir';
import { TrafficLedger } from '../sim/memory/traffic';
import { type Dataflow, simulateSystolic, simulateTiledGemm, type SystolicConfig, type TiledGemmConfig } from '../sim/spatial';
import { runTraffic } from '../sim/spatial/result';
import type { Mapping } from './target';
import type { TargetSpec } from './spec/types';
import type { EngineContext, LoweredOp, OpEngine, OpRun } from './engines/contract';

/**
 * A contraction A[..]·B[..] summed over K, seen as a (batched) GEMM; null for anything else.
 * The one recogniser is compiler/map/gemm-view.ts; this keeps the workload-based entry point.
 */
export function gemmOf(c: Cascade, w: EinsumWorkload): GemmView | null {
  return gemmView(c, w.index);
}

/**
 * The dataflow the mapper's spatial binding describes: a reduced variable on the rows with N on the
 * columns is weight stationary, with M on the columns input stationary; M and N on rows and columns
 * is output stationary (transposed when N is on the rows). Otherwise the array's own dataflow.
 */
export function dataflowOfBinding(g: GemmView, spatial: { var: string; dim: string }[], fallback: Dataflow): { dataflow: Dataflow; transpose: boolean } {
  const rows = spatial.find((s) => s.dim === 'rows')?.var;
  const cols = spatial.find((s) => s.dim === 'cols')?.var;
  const inK = (v?: string) => v !== undefined && g.kVars.includes(v);
  const inM = (v?: string) => v !== undefined && g.mVars.includes(v);
  const inN = (v?: string) => v !== undefined && g.nVars.includes(v);
  if (inK(rows) && inN(cols)) return { dataflow: 'ws', transpose: false };
  if (inK(rows) && inM(cols)) return { dataflow: 'is', transpose: false };
  if (inM(rows) && inN(cols)) return { dataflow: 'os', transpose: false };
  if (inN(rows) && inM(cols)) return { dataflow: 'os', transpose: true };
  return { dataflow: fallback, transpose: false };
}

export function systolicConfig(spec: TargetSpec): SystolicConfig | null {
  const a2 = spec.computes.find((u) => u.kind === 'array2d');
  if (!a2?.rows || !a2.cols) return null;
  const hw = hwModel(spec);
  const dram = hw.levels[hw.dram]!;
  const glb = hw.levels[hw.glb]!;
  const glbSpec = spec.memories.find((m) => m.name === glb.name);
  const wordBytes = Math.max(1, Number(spec.attrs.word_bits ?? 16) / 8);
  const third = Number.isFinite(glb.capacityBytes) ? Math.floor(glb.capacityBytes / 3) : Number.MAX_SAFE_INTEGER;
  const banks = glbSpec?.banks ?? 1;
  const bankWidth = Number.isFinite(glb.bytesPerCycle) ? glb.bytesPerCycle / banks : Infinity;
  const sram = (name: string) => ({ name, capacityBytes: third, banks, bankWidthBytes: bankWidth, doubleBuffered: true });
  return {
    rows: a2.rows,
    cols: a2.cols,
    dataflow: (a2.dataflow ?? 'ws') as Dataflow,
    wordBytes,
    memory: {
      dram: { name: dram.name, kind: 'dram', bytesPerCycle: dram.bytesPerCycle, latencyCycles: spec.memories.find((m) => m.name === dram.name)?.latencyCycles ?? 0 },
      ifmapSram: sram(`${glb.name}.ifmap`),
      filterSram: sram(`${glb.name}.filter`),
      ofmapSram: sram(`${glb.name}.ofmap`),
    },
  };
}

/**
 * The tiled-GEMM engine's input for a contraction of three variables (m, n, k) bound to both
 * dimensions of a 2D array: the mapper's GLB tiles, loop order and tensor placement; null for any
 * other shape (batched, one dimension bound), which keeps the fold-level engine with SRAM thirds.
 * Any number of GLB steps: the engine collapses repeated steps exactly (sim/spatial/tiled-gemm.ts).
 */
export function mappedGemmConfig(spec: TargetSpec, c: Cascade, w: EinsumWorkload, e: Mapping['einsums'][number]): TiledGemmConfig | null {
  const g = gemmView(c, w.index);
  const hw = hwModel(spec);
  const unit = hw.units.find((u) => u.name === e.unit);
  if (!g || !unit || e.loopOrder.length !== w.vars.length) return null;
  // a plain GEMM, or one whose extra variables (extent 1, two of one role) merge exactly (compiler/map/gemm-nest.ts)
  const nest = gemmNest(g, w, e, unit.rows, unit.cols);
  if (!nest) return null;
  const dram = hw.levels[hw.dram]!;
  const place = tensorPlacement(w, hw);
  const reducedRow = nest.rowVar === 2;
  return {
    rows: unit.rows,
    cols: unit.cols,
    pipelined: unit.regs >= 2 && reducedRow,
    sizes: nest.sizes,
    tiles: nest.tiles,
    rowVar: nest.rowVar,
    colVar: nest.colVar,
    order: nest.order,
    tensors: w.tensors.map((t, k) => ({ mask: nest.masks[k]!, bytes: t.bytesPerElement, write: t.write, offDram: place[k] !== PLACE_DRAM })),
    dramBytesPerCycle: dram.bytesPerCycle,
    dramLatencyCycles: spec.memories.find((m) => m.name === dram.name)?.latencyCycles ?? 0,
    rate: pairRate(w, unit),
  };
}

const is2d = (spec: TargetSpec, unit: string) => spec.computes.find((u) => u.name === unit)?.kind === 'array2d';

/** The mapper's loop nest, tiles and placement on the tiled-GEMM engine; the GLB's accesses stay the analytic count of the same nest. */
export const tiledGemmEngine: OpEngine = {
  name: 'tiled-gemm',
  kinds: ['contraction'],
  cycle(op: LoweredOp, ctx: EngineContext): OpRun | string {
    const e = op.einsum;
    const w = op.workload;
    if (!e || !w || !op.gemm || !is2d(ctx.spec, e.unit) || !systolicConfig(ctx.spec)) return 'not a GEMM on a 2D array';
    const cfg = mappedGemmConfig(ctx.spec, ctx.mapping.cascade, w, e);
    if (!cfg) return 'not a plain GEMM bound to both array dimensions';
    const run = simulateTiledGemm(cfg, { ...(ctx.trace ? { trace: ctx.trace } : {}), traceName: op.name, traceOffsetCycles: ctx.startCycle });
    // one instance is simulated; op.batch instances (--batch) run back to back, as the analytic model counts them
    const inst = op.batch;
    const dramName = hwModel(ctx.spec).levels[hwModel(ctx.spec).dram]!.name;
    const t = new TrafficLedger();
    t.read(dramName, run.dramReadBytes * inst);
    t.write(dramName, run.dramWriteBytes * inst);
    return { latencyCycles: run.totalCycles * inst, stallCycles: run.stallCycles * inst, busyPeCycles: { [e.unit]: run.macs * inst }, traffic: { ...e.cost.traffic, ...t.toTraffic() }, unit: e.unit };
  },
};

/** Any contraction as SCALE-Sim's GEMM folds, in the dataflow the mapper's binding describes; operand widths from the einsum's dtypes. */
export const systolicGemmEngine: OpEngine = {
  name: 'systolic',
  kinds: ['contraction'],
  cycle(op: LoweredOp, ctx: EngineContext): OpRun | string {
    const { spec, mapping: m } = ctx;
    const e = op.einsum;
    const w = op.workload;
    const gemm = op.gemm;
    const sys = systolicConfig(spec);
    if (!e || !w || !gemm || !sys || !is2d(spec, e.unit)) return 'not a GEMM on a 2D array';
    const u = hwModel(spec).units.find((x) => x.name === e.unit);
    if (u && pairRate(w, u) !== 1) return `the fold engine has no per-dtype rate (${e.unit} runs this pair at ${pairRate(w, u)} MACs per PE-cycle)`;
    const c = m.cascade;
    const ein = c.einsums[w.index]!;
    const tensorBytes = (name: string) => dtypeBytes(c.tensors.find((t) => t.name === name)!.dtype);
    const { dataflow, transpose } = dataflowOfBinding(gemm, e.spatial, sys.dataflow);
    const shape = transpose ? { M: gemm.N, N: gemm.M, K: gemm.K } : { M: gemm.M, N: gemm.N, K: gemm.K };
    // the placement rule (compiler/map tensorPlacement) decides which operands cross DRAM
    const hw = hwModel(spec);
    const place = tensorPlacement(w, hw);
    const off = (n: string) => place[w.tensors.findIndex((t) => t.name === n)] !== PLACE_DRAM;
    const offDram = { ifmap: transpose ? off(gemm.b) : off(gemm.a), filter: transpose ? off(gemm.a) : off(gemm.b), ofmap: place[w.tensors.findIndex((t) => t.write)] !== PLACE_DRAM };
    const memory = sys.memory ? { ...sys.memory, offDram } : undefined;
    const cfg = { ...sys, ...(memory ? { memory } : {}), dataflow, wordBytes: Math.max(tensorBytes(gemm.a), tensorBytes(gemm.b)), accBytes: tensorBytes(ein.output.tensor) };
    const run = simulateSystolic(shape, cfg, { ...(ctx.trace ? { trace: ctx.trace } : {}), traceName: op.name, traceOffsetCycles: ctx.startCycle });
    const reps = gemm.batch * op.batch;
    const glbName = hw.levels[hw.glb]!.name;
    const dramName = sys.memory?.dram.name ?? 'DRAM';
    const rename = (lvl: string) => (lvl === 'DRAM' ? dramName : lvl.endsWith('_SRAM') ? glbName : lvl);
    const t = new TrafficLedger();
    for (const [lvl, v] of Object.entries(runTraffic(run))) {
      t.read(rename(lvl), v.readBytes * reps);
      t.write(rename(lvl), v.writeBytes * reps);
    }
    return { latencyCycles: run.totalCycles * reps, stallCycles: run.stallCycles * reps, busyPeCycles: { [e.unit]: run.macs * reps }, traffic: t.toTraffic(), unit: e.unit };
  },
};
