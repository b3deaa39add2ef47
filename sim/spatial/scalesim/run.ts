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

export function systolicConfigFromScaleSim(c: ScaleSimConfig): SystolicConfig {
  const bytesPerCycle = c.interfaceBandwidth === 'USER' ? c.bandwidthWordsPerCycle * SCALESIM_WORD_BYTES : Infinity;
  // SCALE-Sim's SRAMs serve a full array edge per cycle, so bank bandwidth is not limited here
  const sram = (name: string, kb: number) => ({ name, capacityBytes: kb * 1024, banks: c.memoryBanks, doubleBuffered: true });
  return {
    rows: c.arrayHeight,
    cols: c.arrayWidth,
    dataflow: c.dataflow,
    wordBytes: SCALESIM_WORD_BYTES,
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
  layers: { layer: TopologyLayer; run: SystolicRun }[];
  result: Result;
}

export function runScaleSim(
  config: ScaleSimConfig,
  layers: TopologyLayer[],
  opts: { workload: string; clockHz: number; trace?: TraceWriter; onLayer?: (i: number) => void; warnings?: string[] },
): ScaleSimRun {
  const sys = systolicConfigFromScaleSim(config);
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
  return { config, layers: out, result };
}

function num(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
}

/** Same header as SCALE-Sim v2's COMPUTE_REPORT.csv. */
export function computeReportCsv(r: ScaleSimRun): string {
  const lines = ['LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,'];
  r.layers.forEach(({ run }, i) => {
    lines.push(`${i}, ${run.totalCycles}, ${run.stallCycles}, ${num(run.overallUtilization * 100)}, ${num(run.mappingEfficiency * 100)}, ${num(run.computeUtilization * 100)},`);
  });
  return lines.join('\n') + '\n';
}

/** Same header as SCALE-Sim v2's BANDWIDTH_REPORT.csv; words per cycle, averaged over the layer. */
export function bandwidthReportCsv(r: ScaleSimRun): string {
  const lines = ['LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,'];
  const w = SCALESIM_WORD_BYTES;
  r.layers.forEach(({ run }, i) => {
    const t = run.totalCycles;
    const cells = [run.sram.ifmapReadBytes, run.sram.filterReadBytes, run.sram.ofmapWriteBytes, run.dram.ifmapReadBytes, run.dram.filterReadBytes, run.dram.ofmapWriteBytes].map((b) => num(b / w / t));
    lines.push(`${i}, ${cells.join(', ')},`);
  });
  return lines.join('\n') + '\n';
}
