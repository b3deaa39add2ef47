// The Mapping a target's `map` returns and its `simulate` consumes: per einsum, tile sizes at the
// global buffer, the loop order above it, the spatial binding to array dimensions and the unit that
// runs it; per fused group, how einsums are pipelined across units; and the analytical cost of each.
import type { Cascade } from '../ir';
import type { FusedAttention } from '../../sim/spatial/attention-shape';
import type { LoweredOp } from './lowered';
import type { EinsumWorkload } from './workload';

export const OBJECTIVES = ['latency', 'energy', 'edp'] as const;
export type Objective = (typeof OBJECTIVES)[number];

export interface MapOptions {
  objective?: Objective;
  /** seed of the pruned random search (default 1) */
  seed?: number;
  /** mappings evaluated per einsum when the space is too large to enumerate (default 4000) */
  budget?: number;
  /** spaces up to this size are enumerated exhaustively (default 20000) */
  exhaustiveLimit?: number;
  /** false: sample only, no hill-climbing (a machine whose engine computes every op itself needs only a legal mapping); default true */
  climb?: boolean;
  /** independent instances of the cascade run back to back (batch x heads); default 1 */
  batch?: number;
  /** called after each einsum is mapped: a CLI shows a progress bar with it */
  onProgress?: (done: number, total: number) => void;
}

export interface LevelTraffic {
  readBytes: number;
  /** includes fills */
  writeBytes: number;
  /** bytes written into this level from the level above it (DRAM -> GLB fills) */
  fillBytes?: number;
}

export interface Cost {
  latencyCycles: number;
  computeCycles: number;
  energyPj: number;
  /** busy PE-cycles per unit name */
  busyPeCycles: Record<string, number>;
  traffic: Record<string, LevelTraffic>;
  /** 'compute' or the memory level whose bandwidth sets latency */
  boundBy: string;
  /** bytes an on-chip level holds while the op runs (the global buffer: its tiles, double-buffered, and tensors placed whole) */
  occupancyBytes?: Record<string, number>;
}

export interface SpatialBinding {
  var: string;
  dim: 'rows' | 'cols' | 'lanes';
  /** PEs along the dimension this variable occupies */
  factor: number;
}

/**
 * One einsum's mapping. `spatial`, `tiles`, `loopOrder` and `cost.occupancyBytes` may be shared with
 * the mappings of identical einsums (a memo hit reuses them): read them, or replace the mapping whole.
 */
export interface EinsumMapping {
  name: string;
  index: number;
  unit: string;
  spatial: SpatialBinding[];
  /** tile size per variable held in the global buffer */
  tiles: Record<string, number>;
  /** loops above the global buffer, outermost first */
  loopOrder: string[];
  /** set when the einsum belongs to a fused group (then its cost is part of the group's) */
  group?: string;
  cost: Cost;
  /** spatial utilization of the unit while this einsum runs (1 = no idle PE) */
  spatialUtilization: number;
  explanation: string[];
}

export interface GroupMapping {
  name: string;
  /** the dataflow plug-in that formed it: 'pipeline' (FuseMax-style 2D+1D pipelining over tiles of
   *  a streamed rank), 'rowblock' (FLAT-style fusion over blocks of rows), or another registered one */
  kind: string;
  einsums: string[];
  /** tile/block parameters: e.g. { M0: 256, P0: 256, P1: 128 } or { R: 64 } */
  params: Record<string, number>;
  cost: Cost;
  explanation: string[];
  /** what the group fused (ranks, extents, tiles, dtypes, units, einsums): the one description the
   *  analytic model computed from and the cycle engines run (sim/spatial/attention-shape.ts) */
  fused?: FusedAttention;
}

export interface Mapping {
  target: string;
  workload: string;
  cascade: Cascade;
  objective: Objective;
  seed: number;
  clockHz: number;
  /** unit name -> PE count, for utilization */
  unitPes: Record<string, number>;
  einsums: EinsumMapping[];
  groups: GroupMapping[];
  /** the lowered mapping: one op per einsum or fused group, in execution order; what every engine reads */
  ops: LoweredOp[];
  /** every einsum's workload, in cascade order (what the ops were lowered from; later stages reuse it) */
  workloads: EinsumWorkload[];
  /** mappings evaluated by the search, over all einsums */
  evaluations: number;
  warnings: string[];
  schedule?: unknown;
  /** independent instances of the cascade run back to back (set by the pipeline; engines must count them) */
  batch?: number;
}
