// The engine contract: how a simulation engine plugs into Tessera.
//
// The mapper lowers a cascade once (compiler/map/lowered.ts): one LoweredOp per einsum or fused
// group, with its kind, shapes, binding, tiles, levels, instances and analytic cost. Engines consume
// those ops, at either fidelity, through one interface:
//
//   OpEngine     { name, kinds, analytic?(op, ctx), cycle?(op, ctx) }   one model for some op kinds
//   EngineFamily { name, description, unsupported(spec), ops, finish?, simulate? }
//                                                         what a target's .arch selects by name
//
// HOW TO ADD AN ENGINE (a new file, no switch to edit):
//   1. write the model under sim/<area>/ (pure, typed arrays, its opening comment states the model);
//   2. write targets/engines/<name>.ts that wraps it as OpEngine(s) for the kinds it runs and an
//      EngineFamily `{ name, description, unsupported, ops: [...] }`, and ends with
//      `registerEngine(family)` (targets/engines/registry.ts);
//   3. add `import './<name>';` to targets/engines/index.ts (the list of built-in engines, in the
//      order they are tried when a spec does not name one);
//   4. a target selects it with `attr engine = <name>` in its .arch (or gets the first family whose
//      `unsupported(spec)` is null). An op kind no engine of the family runs keeps its analytic
//      cost, and the Result says so in `warnings`.
// A fused dataflow (FuseMax's pipeline, FLAT's row blocks) is a plug-in of its own
// (targets/engines/dataflows.ts): one description, an analytic and a cycle model.
import type { LoweredOp, OpKind } from '../../compiler/map/lowered';
import type { Mapping } from '../../compiler/map/mapping';
import type { Fidelity, Result, Traffic } from '../../sim/core/result';
import type { TraceWriter } from '../../sim/core/trace';
import type { TargetSpec } from '../spec/types';

export type { LoweredOp, OpKind } from '../../compiler/map/lowered';

/** What an engine reports for one op (for all its instances). */
export interface OpRun {
  /** an integer */
  latencyCycles: number;
  /** default: the op's analytic energy (the cycle engines count cycles and bytes) */
  energyPj?: number;
  /** busy PE-cycles per unit */
  busyPeCycles: Record<string, number>;
  /** bytes per memory level */
  traffic: Traffic;
  stallCycles?: number;
  /** the unit column of the Result's entry (default: the op's units joined with +) */
  unit?: string;
  /** fields added to the Result's entry for this op (SCALE-Sim's per-layer figures) */
  extra?: Record<string, unknown>;
  warnings?: string[];
}

export interface EngineContext {
  spec: TargetSpec;
  mapping: Mapping;
  fidelity: Fidelity;
  /** fidelity 'cycle': record spans here, shifted by `startCycle` */
  trace?: TraceWriter;
  /** the cycle this op starts at (the ops before it, back to back) */
  startCycle: number;
}

export interface OpEngine {
  name: string;
  /** the op kinds it models */
  kinds: readonly OpKind[];
  /** an analytic model of its own (default: the mapper's cost, `op.cost`) */
  analytic?(op: LoweredOp, ctx: EngineContext): OpRun;
  /** the cycle-level model; a string says why it cannot run this op (the next engine, then the analytic cost, is used) */
  cycle?(op: LoweredOp, ctx: EngineContext): OpRun | string;
}

export interface EngineFamily {
  /** the name `attr engine = NAME` selects */
  name: string;
  description: string;
  /** null when the family can simulate this target, else why not */
  unsupported(spec: TargetSpec): string | null;
  /** its engines, tried in order for each op's kind */
  ops: readonly OpEngine[];
  /** the warnings a cycle run starts from (default: the mapping's) */
  warnings?(m: Mapping): string[];
  /** the cycle Result once every op ran: fields of the family's own (SCALE-Sim's array, totals) */
  finish?(r: Result, m: Mapping, spec: TargetSpec, runs: readonly OpRun[]): Result;
  /** a whole-cascade analytic model of its own instead of the sum of the mapper's per-op costs (a
   *  dataflow chip overlaps the operators of a section); default: analyticResult */
  analytic?(m: Mapping, spec: TargetSpec): Result;
  /** a whole-cascade model instead of per-op engines (the GPU model forms its own kernels) */
  simulate?(m: Mapping, spec: TargetSpec, o: { fidelity: Fidelity; trace?: TraceWriter; onProgress?: (done: number, total: number) => void }): Result;
}

/** The mapper's analytic cost of an op as an OpRun (the default analytic engine). */
export function analyticRun(op: LoweredOp): OpRun {
  return {
    latencyCycles: Math.round(op.cost.latencyCycles),
    energyPj: op.cost.energyPj,
    busyPeCycles: op.cost.busyPeCycles,
    traffic: op.cost.traffic,
    unit: op.units.join('+'),
  };
}
