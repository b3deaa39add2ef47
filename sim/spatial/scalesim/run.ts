// Runs a SCALE-Sim configuration and topology through the fast systolic engine and writes its
// reports in SCALE-Sim v2's CSV forms (COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv).
import type { Result } from '../../core/result';
import type { TraceWriter } from '../../core/trace';
import { type NamedRun, systolicResult } from '../result';
import { type SystolicConfig, type SystolicRun, simulateSystolic } from '../systolic';
import type { ScaleSimConfig } from './config';
import type { TopologyLayer } from './topology';

/** SCALE-Sim's word is one byte (word_size = 1 in its memory system). */
export const SCALESIM_WORD_BYTES = 1;

export type FoldTiming = 'tessera' | 'scalesim';

export function systolicConfigFromScaleSim(c: ScaleSimConfig, foldTiming: FoldTiming = 'tessera'): SystolicConfig {
  const bytesPerCycle = c.interfaceBandwidth === 'USER' ? c.bandwidthWordsPerCycle * SCALESIM_WORD_BYTES : Infinity;
  // SCALE-Sim's SRAMs serve a full array edge per cycle, so bank bandwidth is not limited here
  const sram = (name: string, kb: number) => ({ name, capacityBytes: kb * 1024, banks: c.memoryBanks, doubleBuffered: true });
  return {
    rows: c.arrayHeight,
    cols: c.arrayWidth,
    dataflow: c.dataflow,
    wordBytes: SCALESIM_WORD_BYTES,
    foldTiming,
    memory: {
      dram: { name: 'DRAM', kind: 'dram', bytesPerCycle, latencyCycles: 0 },
      ifmapSram: sram('IFMAP_SRAM', c.ifmapSramKb),
      filterSram: sram('FILTER_SRAM', c.filterSramKb),
      ofmapSram: sram('OFMAP_SRAM', c.ofmapSramKb),
    },
  };
}

export interface ScaleSimRun {
  config: ScaleSimConfig;
  foldTiming: FoldTiming;
  layers: { layer: TopologyLayer; run: SystolicRun }[];
  result: Result;
}

export function runScaleSim(
  config: ScaleSimConfig,
  layers: TopologyLayer[],
  opts: { workload: string; clockHz: number; trace?: TraceWriter; onLayer?: (i: number) => void; warnings?: string[]; foldTiming?: FoldTiming },
): ScaleSimRun {
  const foldTiming = opts.foldTiming ?? 'tessera';
  const sys = systolicConfigFromScaleSim(config, foldTiming);
  const out: ScaleSimRun['layers'] = [];
  let offset = 0;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    const run = simulateSystolic(layer, sys, { trace: opts.trace, traceName: layer.name, traceOffsetCycles: offset });
    offset += run.totalCycles;
    out.push({ layer, run });
    opts.onLayer?.(i);
  }
  const warnings = [...(opts.warnings ?? [])];
  warnings.push('SCALE-Sim import: no energy model, energyPj is 0');
  const runs: NamedRun[] = out.map(({ layer, run }) => ({ name: layer.name, run }));
  const result = systolicResult({
    target: `scalesim:${config.runName}`,
    workload: opts.workload,
    clockHz: opts.clockHz,
    unit: 'array',
    pes: config.arrayHeight * config.arrayWidth,
    runs,
    warnings,
  });
  result.dataflow = config.dataflow;
  result.array = { rows: config.arrayHeight, cols: config.arrayWidth };
  result.layers = out.map(({ layer, run }) => ({
    name: layer.name,
    M: layer.M,
    N: layer.N,
    K: layer.K,
    folds: run.folds,
    computeCycles: run.computeCycles,
    stallCycles: run.stallCycles,
    totalCycles: run.totalCycles,
    overallUtilization: run.overallUtilization,
    mappingEfficiency: run.mappingEfficiency,
    computeUtilization: run.computeUtilization,
  }));
  result.foldTiming = foldTiming;
  return { config, foldTiming, layers: out, result };
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
 * SCALE-Sim's Total Cycles is the index of the last cycle (one less than the count); with
 * `--timing scalesim` the report follows it, so its numbers match SCALE-Sim's own.
 */
function reportedCycles(r: ScaleSimRun, run: SystolicRun): number {
  return r.foldTiming === 'scalesim' ? run.totalCycles - 1 : run.totalCycles;
}

/** Same header and number format as SCALE-Sim v2's COMPUTE_REPORT.csv. */
export function computeReportCsv(r: ScaleSimRun): string {
  const lines = ['LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,'];
  const pes = r.config.arrayHeight * r.config.arrayWidth;
  r.layers.forEach(({ run }, i) => {
    const total = reportedCycles(r, run);
    const overall = (run.macs * 100) / (total * pes);
    lines.push(`${i}, ${total}, ${run.stallCycles}, ${pyFloat(overall)}, ${pyFloat(run.mappingEfficiency * 100)}, ${pyFloat(run.computeUtilization * 100)},`);
  });
  return lines.join('\n') + '\n';
}

/** Same header as SCALE-Sim v2's BANDWIDTH_REPORT.csv; words per cycle, averaged over the layer. */
export function bandwidthReportCsv(r: ScaleSimRun): string {
  const lines = ['LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,'];
  const w = SCALESIM_WORD_BYTES;
  r.layers.forEach(({ run }, i) => {
    const t = reportedCycles(r, run);
    const cells = [run.sram.ifmapReadBytes, run.sram.filterReadBytes, run.sram.ofmapWriteBytes, run.dram.ifmapReadBytes, run.dram.filterReadBytes, run.dram.ofmapWriteBytes].map((b) => pyFloat(b / w / t));
    lines.push(`${i}, ${cells.join(', ')},`);
  });
  return lines.join('\n') + '\n';
}
