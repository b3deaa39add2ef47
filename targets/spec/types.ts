// TargetSpec: what a `.arch` file describes. Every stage that needs hardware facts reads these
// types; the ohm-js grammar in this folder produces them. All quantities are in base units
// (bytes, bytes/second, hertz, picojoules, cycles) so consumers never convert.
import type { SourceLoc } from '../../compiler/ir/types';

export const MEMORY_KINDS = ['regfile', 'sram', 'hbm', 'dram', 'ddr', 'flash'] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];

export const COMPUTE_KINDS = ['array2d', 'array1d', 'vector', 'lut', 'dsp', 'sm'] as const;
export type ComputeKind = (typeof COMPUTE_KINDS)[number];

/** A number with its unit already applied, plus where it was written (for diagnostics). */
export type AttrValue = number | string | string[] | boolean;

export interface MemorySpec {
  name: string;
  kind: MemoryKind;
  capacityBytes?: number;
  /** identical copies (one per SM, one per PE); capacity, banks and bandwidth are per copy. Absent = 1. */
  instances?: number;
  banks?: number;
  widthBits?: number;
  bandwidthBytesPerSecond?: number;
  latencyCycles?: number;
  readEnergyPjPerByte?: number;
  writeEnergyPjPerByte?: number;
  /** Other attributes, e.g. pseudo_channels = 32, efficiency = 0.7. */
  attrs: Record<string, AttrValue>;
  /** For each numeric attr written with a unit: the base unit its value is in (e.g. 'B/s'). */
  attrUnits?: Record<string, string>;
  loc?: SourceLoc;
}

export interface ComputeSpec {
  name: string;
  kind: ComputeKind;
  /** array2d */
  rows?: number;
  cols?: number;
  /** array1d / vector / lut / dsp lanes */
  lanes?: number;
  /** how many identical instances (SMs, DSP chains, cores) */
  count?: number;
  /** registers (words) per PE */
  regs?: number;
  dataflow?: 'os' | 'ws' | 'is';
  /** operations the unit supports, e.g. [mul, add, max, exp] */
  ops: string[];
  macEnergyPj?: number;
  attrs: Record<string, AttrValue>;
  /** For each numeric attr written with a unit: the base unit its value is in (e.g. 'FLOP/s'). */
  attrUnits?: Record<string, string>;
  loc?: SourceLoc;
}

export interface LinkSpec {
  from: string;
  to: string[];
  bandwidthBytesPerSecond?: number;
  loc?: SourceLoc;
}

export interface TargetSpec {
  name: string;
  /** the quoted description after the name: the source of the design */
  description: string;
  clockHz: number;
  memories: MemorySpec[]; // listed outermost (DRAM) to innermost (registers) as written
  computes: ComputeSpec[];
  links: LinkSpec[];
  /** target-level attributes, e.g. exp_macs = 6, batch = 64 */
  attrs: Record<string, AttrValue>;
  /** For each numeric attr written with a unit: the base unit its value is in (e.g. 'FLOP/s'). */
  attrUnits?: Record<string, string>;
  /** `param` values after overrides (numbers in base units); the rest of the spec already uses them. */
  params?: Record<string, AttrValue>;
  /** For each numeric param written with a unit: the base unit its value is in. */
  paramUnits?: Record<string, string>;
  file?: string;
  loc?: SourceLoc;
}
