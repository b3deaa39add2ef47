// The plain data a sweep passes between its stages: the spec as read, a design point, a stored row.
import type { Fidelity } from '../../sim/core/result';
import type { Objective } from '../map/mapping';

/** A target parameter's value as an --param override: a number, or text (units allowed: "64 KiB"). */
export type ParamValue = string | number;
export type Params = Record<string, ParamValue>;

export type Axis =
  | { kind: 'grid'; name: string; values: ParamValue[] }
  | { kind: 'sampled'; name: string; min: number; max: number; scale: 'linear' | 'log'; integer: boolean; unit?: string };

export interface TargetRef {
  /** how the spec names it (a built-in name or the .arch path as written), with its fixed params */
  id: string;
  /** what loadTarget takes: the built-in name or the resolved path */
  ref: string;
  params: Params;
  /** the parameters its .arch declares (for the unknown-parameter error) */
  paramNames: string[];
}

export type WorkloadRef =
  | { id: string; kind: 'ein' | 'onnx'; path: string }
  | { id: string; kind: 'model'; path: string; phase: 'prefill' | 'decode'; batch: number; seq?: number; kv?: number; layers?: number };

export type SampleMethod = 'random' | 'lhs';
export type ScheduleMode = 'none' | 'greedy' | 'ilp';

export interface SweepSpec {
  name: string;
  file: string;
  targets: TargetRef[];
  workloads: WorkloadRef[];
  axes: Axis[];
  /** explicit parameter assignments, swept after the generated ones */
  points: Params[];
  sample?: { method: SampleMethod; count: number; seed: number };
  constraints: string[];
  fidelities: Fidelity[];
  objective: Objective;
  schedule: ScheduleMode;
  /** the mapper's seed */
  seed: number;
}

/** One design point: everything a worker needs to evaluate it, and nothing else. */
export interface Point {
  /** a hash of what defines the point: the same point has the same key in every run and shard */
  key: string;
  /** its place in the full enumeration */
  idx: number;
  target: TargetRef;
  workload: WorkloadRef;
  params: Params;
  fidelity: Fidelity;
  objective: Objective;
  schedule: ScheduleMode;
  seed: number;
}

export const STATUSES = ['ok', 'does-not-fit', 'error'] as const;
export type Status = (typeof STATUSES)[number];

/** What the database holds per point (JSON columns as text). Metrics are null where not modelled. */
export interface Row {
  key: string;
  idx: number;
  target: string;
  workload: string;
  fidelity: string;
  params: string;
  status: Status;
  message: string | null;
  latency_cycles: number | null;
  latency_seconds: number | null;
  energy_pj: number | null;
  /** null unless the target states an area (attr area_mm2): never 0 for unknown */
  area_mm2: number | null;
  pe_count: number | null;
  onchip_bytes: number | null;
  /** the busiest compute unit's utilization */
  utilization: number | null;
  offchip_bytes: number | null;
  utilization_json: string | null;
  traffic_json: string | null;
  eval_ms: number;
}
