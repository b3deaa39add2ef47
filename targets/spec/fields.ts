// The built-in fields of each .arch section: what each one means, its dimension, and its range.
// Anything else must be declared with `attr name = value` (see docs/ARCH.md).
import type { ComputeKind, MemoryKind } from './types';
import type { Dimension } from './units';

export type FieldType =
  | { type: 'quantity'; dims: Dimension[]; min: 'positive' | 'nonnegative'; integer?: 'base' | 'bits' }
  | { type: 'count' } // a positive whole number without a unit
  | { type: 'enum'; values: string[] }
  | { type: 'list' };

export const TARGET_FIELDS: Record<string, FieldType> = {
  clock: { type: 'quantity', dims: ['frequency'], min: 'positive' },
};

export const MEMORY_FIELDS: Record<string, FieldType> = {
  capacity: { type: 'quantity', dims: ['size'], min: 'positive', integer: 'base' },
  instances: { type: 'count' },
  banks: { type: 'count' },
  width: { type: 'quantity', dims: ['size'], min: 'positive', integer: 'bits' },
  bandwidth: { type: 'quantity', dims: ['bandwidth'], min: 'positive' },
  latency: { type: 'quantity', dims: ['cycles', 'time'], min: 'nonnegative', integer: 'base' },
  energy: { type: 'quantity', dims: ['energyPerByte', 'energyPerAccess'], min: 'nonnegative' },
  read_energy: { type: 'quantity', dims: ['energyPerByte', 'energyPerAccess'], min: 'nonnegative' },
  write_energy: { type: 'quantity', dims: ['energyPerByte', 'energyPerAccess'], min: 'nonnegative' },
};

export const COMPUTE_FIELDS: Record<string, FieldType> = {
  rows: { type: 'count' },
  cols: { type: 'count' },
  lanes: { type: 'count' },
  count: { type: 'count' },
  regs: { type: 'count' },
  dataflow: { type: 'enum', values: ['os', 'ws', 'is'] },
  ops: { type: 'list' },
  mac_energy: { type: 'quantity', dims: ['energy'], min: 'nonnegative' },
};

export const LINK_FIELDS: Record<string, FieldType> = {
  bandwidth: { type: 'quantity', dims: ['bandwidth'], min: 'positive' },
};

/** Fields that only make sense for some compute kinds. */
export const COMPUTE_FIELD_KINDS: Partial<Record<string, readonly ComputeKind[]>> = {
  rows: ['array2d'],
  cols: ['array2d'],
  dataflow: ['array2d', 'array1d', 'vector'],
};

/** Fields a unit of a given kind must have: without them no model can use it. */
export const REQUIRED_COMPUTE_FIELDS: Record<ComputeKind, string[]> = {
  array2d: ['rows', 'cols'],
  array1d: ['lanes'],
  vector: ['lanes'],
  lut: ['lanes'],
  dsp: ['lanes'],
  sm: ['count'],
};

/** On-chip memories are bounded: a schedule cannot place tensors in one without its capacity. */
export const NEEDS_CAPACITY: readonly MemoryKind[] = ['regfile', 'sram'];
/** Off-chip memories are what bandwidth-bound models divide by. */
export const NEEDS_BANDWIDTH: readonly MemoryKind[] = ['hbm', 'dram', 'ddr', 'flash'];
