// The scheduler's own small graph and schedule types. The ILP, the baselines and the checker all work on
// these, never on the Cascade directly (compiler/schedule/from-cascade.ts converts).

export type TensorKind = 'input' | 'param' | 'intermediate' | 'output';

export interface OpTensor {
  name: string;
  bytes: number;
  /**
   * input/param: begins with a copy in the home tier (its first load into SRAM is compulsory traffic).
   * output: must end with a copy in the home tier (that first write is compulsory traffic).
   */
  kind: TensorKind;
}

export interface Op {
  name: string;
  /** Tensor indices read. */
  inputs: number[];
  /** Tensor indices written (created in SRAM when the operator runs). */
  outputs: number[];
}

/** Operators are listed in a valid topological order (the program order). */
export interface OpGraph {
  name: string;
  tensors: OpTensor[];
  ops: Op[];
}

/** One memory tier. Tier 0 is the scratchpad (SRAM) that operators read and write. */
export interface Tier {
  name: string;
  capacityBytes: number; // Infinity when unbounded
  /** Cost of one byte moved between SRAM and this tier (seconds or picojoules; see costUnit). Tier 0 ignores it. */
  costPerByte: number;
}

export type CostKind = 'time' | 'energy';

export interface TierChain {
  tiers: Tier[];
  /** Where inputs and parameters start and where outputs must end (an index >= 1). */
  homeTier: number;
  costKind: CostKind;
  /** 's/B' or 'pJ/B' */
  costUnit: string;
  /** where a tier's cost is a stand-in because its memory does not give the figure */
  warnings?: string[];
}

export interface Transfer {
  tensor: number;
  tier: number;
}

/**
 * What happens at one step, in this order: loads (tier -> SRAM), the operator runs (its inputs and outputs
 * resident), spills (SRAM -> tier, a copy), frees (leave SRAM), drops (a copy leaves an outer tier).
 */
export interface ScheduleStep {
  op: number;
  loads: Transfer[];
  spills: Transfer[];
  frees: number[];
  drops: Transfer[];
}

/** One stay of a tensor in SRAM: resident from step `start` to step `end` inclusive, at `offsetBytes`. */
export interface Placement {
  tensor: number;
  start: number;
  end: number;
  offsetBytes: number;
}

export interface Schedule {
  graph: string;
  steps: ScheduleStep[];
  placements: Placement[];
}

export interface TierTraffic {
  tier: string;
  readBytes: number; // bytes read out of this tier into SRAM
  writeBytes: number; // bytes written into this tier from SRAM
  compulsoryReadBytes: number;
  compulsoryWriteBytes: number;
}

export interface TrafficSummary {
  perTier: TierTraffic[];
  /** Bytes moved that are not compulsory (every spill, every reload), summed over tiers. */
  nonCompulsoryBytes: number;
  compulsoryBytes: number;
  /** Non-compulsory bytes weighted by each tier's costPerByte. */
  nonCompulsoryCost: number;
  peakSramBytes: number;
}
