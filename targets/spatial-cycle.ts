// Fidelity 'cycle' for the spatial-array targets (systolic, tpu-v1, eyeriss-like, flat, fusemax):
// turns a Mapping into calls of the sim/spatial engines and a Result.
//   - a fused 'pipeline' group (FuseMax) → simulateFusemax; a 'rowblock' group (FLAT) → simulateFlat;
//   - every other contraction (a product of two operands summed over K) on a 2D array → the fast
//     fold-level systolic engine as the GEMM M×K·K×N (batch ranks repeat it);
//   - anything else (elementwise, reductions, 1D work) keeps its analytic cost, and the Result
//     says so in `warnings`.
// Energy comes from the analytic mapping (the cycle engines count cycles and bytes only).
// A run with `trace` (a sim/core TraceWriter) in the options records folds, stalls and DRAM
// transfers for Perfetto.
import { cascadeWorkloads, hwModel, PLACE_DRAM, tensorPlacement, type EinsumWorkload } from '../compiler/map';
import { gemmView, isPlainGemm, type GemmView } from '../compiler/map/gemm-view';
import { dtypeBytes, type Cascade } from '../compiler/ir';
import type { EinsumResult, Result } from '../sim/core/result';
import { fraction } from '../sim/core/stats';
import { TrafficLedger } from '../sim/memory/traffic';
import { type AttentionRun, type Dataflow, simulateFlat, simulateFusemax, simulateSystolic, simulateTiledGemm, type SystolicConfig, type TiledGemmConfig } from '../sim/spatial';
import { runTraffic } from '../sim/spatial/result';
import type { CycleSimulator, Mapping, SimOptions } from './target';
import type { TargetSpec } from './spec/types';

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

function systolicConfig(spec: TargetSpec): SystolicConfig | null {
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
  if (!isPlainGemm(gemmView(c, w.index)) || w.vars.length !== 3 || w.tensors.length !== 3) return null;
  const rowVar = w.vars.indexOf(e.spatial.find((s) => s.dim === 'rows')?.var ?? '');
  const colVar = w.vars.indexOf(e.spatial.find((s) => s.dim === 'cols')?.var ?? '');
  if (rowVar < 0 || colVar < 0 || e.loopOrder.length !== 3) return null;
  const hw = hwModel(spec);
  const unit = hw.units.find((u) => u.name === e.unit);
  if (!unit) return null;
  const dram = hw.levels[hw.dram]!;
  const place = tensorPlacement(w, hw);
  const idx = (v: string) => w.vars.indexOf(v);
  const reducedRow = w.reduced.includes(w.vars[rowVar]!);
  return {
    rows: unit.rows,
    cols: unit.cols,
    pipelined: unit.regs >= 2 && reducedRow,
    sizes: [w.sizes[0]!, w.sizes[1]!, w.sizes[2]!],
    tiles: [e.tiles[w.vars[0]!]!, e.tiles[w.vars[1]!]!, e.tiles[w.vars[2]!]!],
    rowVar,
    colVar,
    order: [idx(e.loopOrder[0]!), idx(e.loopOrder[1]!), idx(e.loopOrder[2]!)],
    tensors: w.tensors.map((t, k) => ({ mask: t.mask, bytes: t.bytesPerElement, write: t.write, offDram: place[k] !== PLACE_DRAM })),
    dramBytesPerCycle: dram.bytesPerCycle,
    dramLatencyCycles: spec.memories.find((m) => m.name === dram.name)?.latencyCycles ?? 0,
  };
}

function mappedGemmRun(spec: TargetSpec, c: Cascade, w: EinsumWorkload, e: Mapping['einsums'][number], opts: { trace?: SimOptions['trace']; traceName: string; traceOffsetCycles: number }) {
  const cfg = mappedGemmConfig(spec, c, w, e);
  if (!cfg) return null;
  return simulateTiledGemm(cfg, { ...(opts.trace ? { trace: opts.trace } : {}), traceName: opts.traceName, traceOffsetCycles: opts.traceOffsetCycles });
}

export const spatialCycleSimulator: CycleSimulator = (m: Mapping, spec: TargetSpec, o: SimOptions): Result => {
  const trace = o.trace;
  const c = m.cascade;
  const ws = cascadeWorkloads(c);
  const byName = new Map(ws.map((w) => [w.name, w]));
  const warnings = [...new Set(m.warnings)];
  const traffic = new TrafficLedger();
  const busy: Record<string, number> = {};
  const einsums: EinsumResult[] = [];
  let latency = 0;
  let energy = 0;
  let stalls = 0;
  const sys = systolicConfig(spec);
  const glbName = sys ? hwModel(spec).levels[hwModel(spec).glb]!.name : 'GLB';
  const dramName = sys?.memory?.dram.name ?? 'DRAM';
  const rename = (lvl: string) => (lvl === 'DRAM' ? dramName : lvl.endsWith('_SRAM') ? glbName : lvl);

  for (const g of m.groups) {
    // the description the mapper built and its analytic model used (GroupMapping.fused)
    let run: AttentionRun | null = null;
    if (g.fused) {
      try {
        run = g.kind === 'pipeline' ? simulateFusemax(g.fused, { trace }) : simulateFlat(g.fused, { trace });
      } catch (e) {
        warnings.push(`${g.name}: cycle engine refused the group (${e instanceof Error ? e.message : String(e)}); analytic cost used`);
      }
    } else warnings.push(`${g.name}: the group's shape is not one the FuseMax/FLAT cycle engines know; analytic cost used`);
    const units = Object.keys(g.cost.busyPeCycles);
    if (run) {
      const cycles = run.totalCycles;
      latency += cycles;
      stalls += run.dramStallCycles;
      // busy PE-cycles: the work of the points actually visited (the same in both fidelities); the
      // engine's tasks occupy whole arrays, which overstates a tile that fills a few rows or columns
      for (const [u, v] of Object.entries(g.cost.busyPeCycles)) busy[u] = (busy[u] ?? 0) + v;
      traffic.read(dramName, run.dramReadBytes);
      traffic.write(dramName, run.dramWriteBytes);
      einsums.push({ name: g.name, unit: units.join('+') || 'array', latencyCycles: cycles, energyPj: g.cost.energyPj, traffic: { [dramName]: { readBytes: run.dramReadBytes, writeBytes: run.dramWriteBytes } } });
    } else {
      latency += g.cost.latencyCycles;
      for (const [u, v] of Object.entries(g.cost.busyPeCycles)) busy[u] = (busy[u] ?? 0) + v;
      traffic.merge(g.cost.traffic);
      einsums.push({ name: g.name, unit: units.join('+') || 'array', latencyCycles: Math.round(g.cost.latencyCycles), energyPj: g.cost.energyPj, traffic: g.cost.traffic });
    }
    energy += g.cost.energyPj;
  }

  let offset = latency;
  const inst = m.batch ?? 1;
  for (const e of m.einsums) {
    if (e.group) continue;
    const w = byName.get(e.name);
    const gemm = w ? gemmView(c, w.index) : null;
    const unitIs2d = spec.computes.find((u) => u.name === e.unit)?.kind === 'array2d';
    energy += e.cost.energyPj;
    const mapped = sys && gemm && unitIs2d ? mappedGemmRun(spec, c, w!, e, { trace, traceName: e.name, traceOffsetCycles: offset }) : null;
    if (mapped) {
      // the mapper's own loop nest, tiles and placement (sim/spatial/tiled-gemm.ts); the GLB's
      // accesses are the analytic count of the same nest
      // one instance is simulated; `inst` instances (--batch) run back to back, as the analytic model counts them
      const cycles = mapped.totalCycles * inst;
      offset += cycles;
      latency += cycles;
      stalls += mapped.stallCycles * inst;
      busy[e.unit] = (busy[e.unit] ?? 0) + mapped.macs * inst;
      const t = new TrafficLedger();
      t.read(dramName, mapped.dramReadBytes * inst);
      t.write(dramName, mapped.dramWriteBytes * inst);
      const et = { ...e.cost.traffic, ...t.toTraffic() };
      traffic.merge(et);
      einsums.push({ name: e.name, unit: e.unit, latencyCycles: cycles, energyPj: e.cost.energyPj, traffic: et });
    } else if (sys && gemm && unitIs2d) {
      // word sizes from the einsum's own dtypes: operands stream at their width, results at theirs
      const ein = c.einsums[w!.index]!;
      const tensorBytes = (name: string) => dtypeBytes(c.tensors.find((t) => t.name === name)!.dtype);
      const operandBytes = Math.max(tensorBytes(gemm.a), tensorBytes(gemm.b));
      const { dataflow, transpose } = dataflowOfBinding(gemm, e.spatial, sys.dataflow);
      const shape = transpose ? { M: gemm.N, N: gemm.M, K: gemm.K } : { M: gemm.M, N: gemm.N, K: gemm.K };
      // the placement rule (compiler/map tensorPlacement) decides which operands cross DRAM
      const place = tensorPlacement(w!, hwModel(spec));
      const off = (n: string) => place[w!.tensors.findIndex((t) => t.name === n)] !== PLACE_DRAM;
      const offA = off(gemm.a);
      const offB = off(gemm.b);
      const offDram = { ifmap: transpose ? offB : offA, filter: transpose ? offA : offB, ofmap: place[w!.tensors.findIndex((t) => t.write)] !== PLACE_DRAM };
      const memory = sys.memory ? { ...sys.memory, offDram } : undefined;
      const run = simulateSystolic(shape, { ...sys, ...(memory ? { memory } : {}), dataflow, wordBytes: operandBytes, accBytes: tensorBytes(ein.output.tensor) }, { trace, traceName: e.name, traceOffsetCycles: offset });
      const reps = gemm.batch * inst;
      const cycles = run.totalCycles * reps;
      offset += cycles;
      latency += cycles;
      stalls += run.stallCycles * reps;
      busy[e.unit] = (busy[e.unit] ?? 0) + run.macs * reps;
      const t = new TrafficLedger();
      for (const [lvl, v] of Object.entries(runTraffic(run))) {
        t.read(rename(lvl), v.readBytes * reps);
        t.write(rename(lvl), v.writeBytes * reps);
      }
      const et = t.toTraffic();
      traffic.merge(et);
      einsums.push({ name: e.name, unit: e.unit, latencyCycles: cycles, energyPj: e.cost.energyPj, traffic: et });
    } else {
      warnings.push(`${e.name}: no cycle-level engine for this einsum on ${e.unit}; its analytic cost is used`);
      const cycles = Math.round(e.cost.latencyCycles);
      offset += cycles;
      latency += cycles;
      for (const [u, v] of Object.entries(e.cost.busyPeCycles)) busy[u] = (busy[u] ?? 0) + v;
      traffic.merge(e.cost.traffic);
      einsums.push({ name: e.name, unit: e.unit, latencyCycles: cycles, energyPj: e.cost.energyPj, traffic: e.cost.traffic });
    }
  }
  const utilization: Record<string, number> = {};
  for (const [u, pes] of Object.entries(m.unitPes)) utilization[u] = fraction(busy[u] ?? 0, latency * pes);
  const tr = traffic.toTraffic();
  for (const v of Object.values(tr)) {
    v.readBytes = Math.round(v.readBytes);
    v.writeBytes = Math.round(v.writeBytes);
  }
  return {
    target: m.target,
    workload: m.workload,
    fidelity: 'cycle',
    latencyCycles: latency,
    latencySeconds: latency / m.clockHz,
    energyPj: energy,
    utilization,
    traffic: tr,
    einsums: einsums.map((x) => ({ ...x, traffic: Object.fromEntries(Object.entries(x.traffic).map(([k, v]) => [k, { readBytes: Math.round(v.readBytes), writeBytes: Math.round(v.writeBytes) }])) })),
    ...(m.schedule !== undefined ? { schedule: m.schedule } : {}),
    warnings: [...new Set(warnings)],
    stallCycles: stalls,
  };
};
