// A target is its .arch file: the spec says what the hardware is, `attr fusion` which fused dataflow it
// implements (FuseMax's 2D+1D pipeline, FLAT's row blocks) and `attr engine` which cycle-level engine
// simulates it (targets/engines.ts; inferred from the units when absent). Built-in targets are the
// folders targets/<name>/<name>.arch; a user's .arch file is a target in exactly the same way.
import type { Cascade } from '../compiler/ir';
import { DiagnosticError, error } from '../compiler/ir/diagnostic';
import type { Fidelity, Result } from '../sim/core/result';
import type { TargetSpec } from './spec/types';
import type { Mapping, MapOptions } from '../compiler/map/mapping';
import { analyticResult } from '../compiler/map/result';
import { mapCascade, type FusionPolicy } from '../compiler/map/map-cascade';
import type { TraceWriter } from '../sim/core/trace';
import { cycleEngineFor } from './engines';

export type { Mapping, MapOptions } from '../compiler/map/mapping';
export type { Objective } from '../compiler/map/mapping';

/**
 * A schedule from compiler/schedule (operator order, tier placement, spills). The mapper only reads
 * what it understands: an operator `order` (einsum names) when present. It is typed structurally so
 * targets do not depend on the scheduler's internals; any object is accepted and carried into
 * Result.schedule unchanged.
 */
export interface Schedule {
  order?: readonly string[];
  [key: string]: unknown;
}

export interface SimOptions {
  fidelity: Fidelity;
  seed?: number;
  /** fidelity 'cycle': engines that can draw their timeline record spans here (Perfetto / Chrome trace) */
  trace?: TraceWriter;
}

export interface Target {
  name: string;
  /** one line for `tessera targets` listings */
  description: string;
  spec: TargetSpec;
  /** the fidelities `simulate` accepts; asking for another is refused before any mapping */
  fidelities: readonly Fidelity[];
  /** why `cycle` is not among the fidelities (absent when it is) */
  noCycleReason?: string;
  map(c: Cascade, s: Schedule | undefined, o: MapOptions): Mapping;
  simulate(m: Mapping, o: SimOptions): Result;
}

/** A cycle-level engine from sim/*, registered in targets/engines.ts. */
export type CycleSimulator = (m: Mapping, spec: TargetSpec, o: SimOptions) => Result;

const FUSION_POLICIES: readonly FusionPolicy[] = ['none', 'pipeline', 'rowblock', 'auto'];

function fusionOf(spec: TargetSpec): FusionPolicy {
  const f = spec.attrs.fusion ?? 'none';
  if (typeof f === 'string' && (FUSION_POLICIES as readonly string[]).includes(f)) return f as FusionPolicy;
  throw new DiagnosticError([error('bad-fusion', `${spec.name}: attr fusion = ${String(f)} is not a fused dataflow`, spec.loc, `write one of ${FUSION_POLICIES.join(', ')}`)]);
}

export function fidelityUnavailable(spec: TargetSpec, fidelity: Fidelity, why: string): DiagnosticError {
  return new DiagnosticError([error('fidelity-unavailable', `fidelity ${fidelity} is not available for target ${spec.name}: ${why}`, undefined, 'use --fidelity analytic, or name a cycle engine in the .arch with `attr engine = ...`')]);
}

/** The Target a spec describes: the analytic mapper plus the cycle engine its units call for. */
export function targetFromSpec(spec: TargetSpec): Target {
  const fusion = fusionOf(spec);
  const engine = cycleEngineFor(spec);
  return {
    name: spec.name,
    description: spec.description,
    spec,
    fidelities: typeof engine === 'string' ? ['analytic'] : ['analytic', 'cycle'],
    ...(typeof engine === 'string' ? { noCycleReason: engine } : {}),
    map: (c, s, o) => mapCascade(c, spec, { ...o, fusion, ...(s !== undefined ? { schedule: s } : {}) }),
    simulate(m, o) {
      if (o.fidelity === 'analytic') return analyticResult(m);
      if (typeof engine === 'string') throw fidelityUnavailable(spec, o.fidelity, engine);
      return engine.simulate(m, spec, o);
    },
  };
}
