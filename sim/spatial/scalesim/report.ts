// SCALE-Sim v2's reports (COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv) as views of a Result: one line
// per einsum (per topology layer), in the Result's order.
//
// The scalesim engine (targets/scalesim-engine.ts) puts every figure on its einsum entries. Any other
// engine (`tessera scalesim --target T`) gives an einsum's cycles and its traffic per memory level;
// the rest is derived, never written as a 0 that means "unknown":
//   - folds, mapping efficiency, compute utilisation and the array's SRAM reads and writes: from the
//     layer's shape on the target's array and dataflow (the fold schedule of sim/spatial/folds.ts with
//     unlimited memory: they depend on the shape only);
//   - compute cycles: that same fold schedule; stall cycles: the einsum's cycles beyond it (0 when the
//     engine was faster, e.g. a mapper's tiling that overlaps folds);
//   - overall utilisation: M·N·K MACs / (PEs × the einsum's cycles);
//   - OFMAP DRAM: the einsum's writes to the off-chip level; IFMAP and FILTER DRAM: the engine counts
//     the off-chip reads of both operands together, so each column is written `nan` (not a guess).
import type { EinsumResult, Result } from '../../core/result';
import type { Dataflow, GemmShape } from '../folds';
import { simulateSystolic } from '../systolic';
import { SCALESIM_WORD_BYTES } from './run';

export interface ReportArray {
  rows: number;
  cols: number;
  dataflow: Dataflow;
  /** the off-chip memory level's name in the Result's traffic (default DRAM) */
  dram?: string;
}

/** One layer's figures, in bytes and cycles; null: the Result does not say. */
export interface LayerFigures {
  name: string;
  M: number;
  N: number;
  K: number;
  folds: number;
  totalCycles: number;
  computeCycles: number;
  stallCycles: number;
  macs: number;
  mappingEfficiency: number;
  computeUtilization: number;
  overallUtilization: number;
  sram: { ifmapReadBytes: number; filterReadBytes: number; ofmapWriteBytes: number };
  dram: { ifmapReadBytes: number | null; filterReadBytes: number | null; ofmapWriteBytes: number };
  /** 'engine': every figure from the engine; 'derived': as the header of this file says */
  source: 'engine' | 'derived';
}

type ScaleSimEntry = EinsumResult & Omit<LayerFigures, 'name' | 'totalCycles' | 'source'>;

function isEngineEntry(e: EinsumResult): e is ScaleSimEntry {
  const x = e as Partial<ScaleSimEntry>;
  return typeof x.folds === 'number' && typeof x.stallCycles === 'number' && x.sram !== undefined && x.dram !== undefined;
}

/** The figures of every einsum of `r`; `shapes[i]` is layer i's GEMM where the entry does not carry it. */
export function layerFigures(r: Result, array: ReportArray, shapes: readonly GemmShape[] = []): LayerFigures[] {
  return r.einsums.map((e, i) => {
    if (isEngineEntry(e)) {
      const { M, N, K, folds, computeCycles, stallCycles, macs, mappingEfficiency, computeUtilization, overallUtilization, sram, dram } = e;
      return { name: e.name, M, N, K, folds, totalCycles: e.latencyCycles, computeCycles, stallCycles, macs, mappingEfficiency, computeUtilization, overallUtilization, sram, dram, source: 'engine' as const };
    }
    const shape = (e as Partial<GemmShape>).M !== undefined ? (e as unknown as GemmShape) : shapes[i];
    if (!shape) throw new Error(`${e.name}: the Result gives no GEMM shape for this einsum`);
    return derivedFigures(e, shape, array);
  });
}

function derivedFigures(e: EinsumResult, s: GemmShape, array: ReportArray): LayerFigures {
  const ideal = simulateSystolic({ M: s.M, N: s.N, K: s.K }, { rows: array.rows, cols: array.cols, dataflow: array.dataflow, wordBytes: SCALESIM_WORD_BYTES });
  const total = e.latencyCycles;
  const off = e.traffic[array.dram ?? 'DRAM'];
  return {
    name: e.name,
    M: s.M,
    N: s.N,
    K: s.K,
    folds: ideal.folds,
    totalCycles: total,
    computeCycles: ideal.computeCycles,
    stallCycles: Math.max(0, total - ideal.computeCycles),
    macs: ideal.macs,
    mappingEfficiency: ideal.mappingEfficiency,
    computeUtilization: ideal.computeUtilization,
    overallUtilization: total > 0 ? ideal.macs / (array.rows * array.cols * total) : 0,
    sram: { ifmapReadBytes: ideal.sram.ifmapReadBytes, filterReadBytes: ideal.sram.filterReadBytes, ofmapWriteBytes: ideal.sram.ofmapWriteBytes },
    dram: { ifmapReadBytes: null, filterReadBytes: null, ofmapWriteBytes: off?.writeBytes ?? 0 },
    source: 'derived',
  };
}

/** A float as Python's str() writes it (shortest round-trip digits, '.0' on whole numbers), as SCALE-Sim's reports do. */
export function pyFloat(x: number): string {
  if (!Number.isFinite(x)) return x !== x ? 'nan' : x > 0 ? 'inf' : '-inf';
  const s = String(x);
  if (/e/.test(s)) {
    // Python: 1e-05, 1.5e+20
    const [m, e] = s.split('e') as [string, string];
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return Number.isInteger(x) ? `${s}.0` : s;
}

/**
 * SCALE-Sim's Total Cycles is the index of the last cycle (one less than the count); a Result of the
 * scalesim engine with SCALE-Sim v2's fold timing is reported that way, so its numbers match SCALE-Sim's.
 */
function reportedCycles(r: Result, f: LayerFigures): number {
  return (r as { foldTiming?: string }).foldTiming === 'scalesim' && f.source === 'engine' ? f.totalCycles - 1 : f.totalCycles;
}

/** Same header and number format as SCALE-Sim v2's COMPUTE_REPORT.csv. */
export function computeReportCsv(r: Result, array: ReportArray, shapes?: readonly GemmShape[]): string {
  const lines = ['LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,'];
  const pes = array.rows * array.cols;
  layerFigures(r, array, shapes).forEach((f, i) => {
    const total = reportedCycles(r, f);
    const overall = (f.macs * 100) / (total * pes);
    lines.push(`${i}, ${total}, ${f.stallCycles}, ${pyFloat(overall)}, ${pyFloat(f.mappingEfficiency * 100)}, ${pyFloat(f.computeUtilization * 100)},`);
  });
  return lines.join('\n') + '\n';
}

/** Same header as SCALE-Sim v2's BANDWIDTH_REPORT.csv; words per cycle, averaged over the layer. */
export function bandwidthReportCsv(r: Result, array: ReportArray, shapes?: readonly GemmShape[]): string {
  const lines = ['LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,'];
  const w = SCALESIM_WORD_BYTES;
  layerFigures(r, array, shapes).forEach((f, i) => {
    const t = reportedCycles(r, f);
    const bytes = [f.sram.ifmapReadBytes, f.sram.filterReadBytes, f.sram.ofmapWriteBytes, f.dram.ifmapReadBytes, f.dram.filterReadBytes, f.dram.ofmapWriteBytes];
    lines.push(`${i}, ${bytes.map((b) => (b === null ? 'nan' : pyFloat(b / w / t))).join(', ')},`);
  });
  return lines.join('\n') + '\n';
}
