// The SystolicConfig SCALE-Sim's runs use, built two ways that must agree: straight from a parsed
// `.cfg` (the direct path, kept as the reference the tests compare against) and from a TargetSpec
// (the `.arch` that to-target.ts writes, or a user's own), which targets/scalesim-engine.ts uses.
import type { TargetSpec } from '../../../targets/spec/types';
import type { Dataflow } from '../folds';
import type { SystolicConfig } from '../systolic';
import type { ScaleSimConfig } from './config';

/** SCALE-Sim's word is one byte (word_size = 1 in its memory system). */
export const SCALESIM_WORD_BYTES = 1;

export type FoldTiming = 'tessera' | 'scalesim';
export const FOLD_TIMINGS: readonly FoldTiming[] = ['tessera', 'scalesim'];

/** The three SRAMs SCALE-Sim's memory system has, by their names in the generated `.arch`. */
export const SCALESIM_SRAMS = ['IFMAP_SRAM', 'FILTER_SRAM', 'OFMAP_SRAM'] as const;

const OFF_CHIP = new Set(['hbm', 'dram', 'ddr', 'flash']);

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

/** bytes/s ÷ Hz; a ratio within rounding of a whole number is that number (10 words/cycle stays 10) */
function perCycle(bytesPerSecond: number, clockHz: number): number {
  const x = bytesPerSecond / clockHz;
  const r = Math.round(x);
  return r > 0 && Math.abs(x - r) <= 1e-9 * r ? r : x;
}

/** Why the spec is not a SCALE-Sim machine (null when it is): an array2d and the three SRAMs, a DRAM. */
export function scaleSimUnsupported(spec: TargetSpec): string | null {
  const a2 = spec.computes.find((u) => u.kind === 'array2d' && u.rows && u.cols);
  if (!a2) return 'it needs a compute unit of kind array2d with rows and cols';
  const missing = SCALESIM_SRAMS.filter((n) => !spec.memories.some((m) => m.name === n && m.kind === 'sram' && m.capacityBytes !== undefined));
  if (missing.length) return `it needs sram memories ${SCALESIM_SRAMS.join(', ')} with capacities (missing: ${missing.join(', ')})`;
  if (!spec.memories.some((m) => OFF_CHIP.has(m.kind))) return 'it needs an off-chip memory (dram)';
  const ft = spec.attrs.fold_timing ?? 'tessera';
  if (!(FOLD_TIMINGS as readonly unknown[]).includes(ft)) return `attr fold_timing = ${String(ft)}: expected ${FOLD_TIMINGS.join(' or ')}`;
  const dram = spec.memories.find((m) => OFF_CHIP.has(m.kind))!;
  const ib = dram.attrs.interface_bandwidth ?? 'user';
  if (ib !== 'user' && ib !== 'calc') return `${dram.name}: attr interface_bandwidth = ${String(ib)}: expected user or calc`;
  return null;
}

/** The SystolicConfig of a SCALE-Sim machine described as a TargetSpec (see scaleSimUnsupported). */
export function systolicConfigFromSpec(spec: TargetSpec): SystolicConfig {
  const why = scaleSimUnsupported(spec);
  if (why) throw new Error(`${spec.name} is not a SCALE-Sim machine: ${why}`);
  const a2 = spec.computes.find((u) => u.kind === 'array2d' && u.rows && u.cols)!;
  const dram = spec.memories.find((m) => OFF_CHIP.has(m.kind))!;
  const calc = dram.attrs.interface_bandwidth === 'calc' || dram.bandwidthBytesPerSecond === undefined;
  const sram = (name: string) => {
    const m = spec.memories.find((x) => x.name === name)!;
    const banks = m.banks ?? 1;
    const bank = m.bandwidthBytesPerSecond !== undefined ? { bankWidthBytes: perCycle(m.bandwidthBytesPerSecond, spec.clockHz) / banks } : {};
    return { name, capacityBytes: m.capacityBytes!, banks, ...bank, doubleBuffered: true };
  };
  return {
    rows: a2.rows!,
    cols: a2.cols!,
    dataflow: (a2.dataflow ?? 'ws') as Dataflow,
    wordBytes: Math.max(1, Number(spec.attrs.word_bits ?? 8) / 8),
    foldTiming: (spec.attrs.fold_timing ?? 'tessera') as FoldTiming,
    memory: {
      dram: { name: dram.name, kind: 'dram', bytesPerCycle: calc ? Infinity : perCycle(dram.bandwidthBytesPerSecond!, spec.clockHz), latencyCycles: dram.latencyCycles ?? 0 },
      ifmapSram: sram('IFMAP_SRAM'),
      filterSram: sram('FILTER_SRAM'),
      ofmapSram: sram('OFMAP_SRAM'),
    },
  };
}
