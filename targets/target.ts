// A target is its .arch file: the spec says what the hardware is, `attr fusion` which fused dataflow it
// implements (a dataflow plug-in: FuseMax's 2D+1D pipeline, FLAT's row blocks; targets/engines/
// dataflows.ts) and `attr engine` which engine family simulates it (targets/engines/registry.ts;
// inferred from the units when absent). The mapper lowers the cascade once (Mapping.ops) and the
// family's per-op engines run those ops (targets/engines/compose.ts). Built-in targets are the
// folders targets/<name>/<name>.arch; a user's .arch file is a target in exactly the same way.
import type { Cascade } from '../compiler/ir';
import { DiagnosticError, error } from '../compiler/ir/diagnostic';
import type { Fidelity, Result } from '../sim/core/result';
import type { TargetSpec } from './spec/types';
import type { Mapping, MapOptions } from '../compiler/map/mapping';
import { analyticResult } from '../compiler/map/result';
import { mapCascade } from '../compiler/map/map-cascade';
import type { FusedDataflowModel } from '../compiler/map/fused';
import type { TraceWriter } from '../sim/core/trace';
import { cycleEngineFor } from './engines';
import { analyticOverrides, composeCycle } from './engines/compose';
import { dataflowPlugins } from './engines/dataflows';

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
  /** fidelity 'cycle': called after each op an engine has run (a progress bar on a terminal) */
  onProgress?: (done: number, total: number) => void;
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

/** A whole-cascade cycle-level engine (an EngineFamily's `simulate`, targets/engines/contract.ts). */
export type CycleSimulator = (m: Mapping, spec: TargetSpec, o: SimOptions) => Result;

/** The fused dataflows `attr fusion` selects from the plug-in registry: none, every one (auto), or one by name. */
function fusionOf(spec: TargetSpec): { list: FusedDataflowModel[]; named: boolean } {
  const f = spec.attrs.fusion ?? 'none';
  const all = dataflowPlugins();
  if (f === 'none') return { list: [], named: false };
  if (f === 'auto') return { list: all.map((d) => d.model), named: false };
  const d = typeof f === 'string' ? all.find((x) => x.name === f) : undefined;
  if (d) return { list: [d.model], named: true };
  throw new DiagnosticError([error('bad-fusion', `${spec.name}: attr fusion = ${String(f)} is not a fused dataflow`, spec.loc, `write one of ${['none', 'auto', ...all.map((x) => x.name)].join(', ')}`)]);
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
    map: (c, s, o) => mapCascade(c, spec, { ...o, fusion: fusion.list, fusionNamed: fusion.named, ...(s !== undefined ? { schedule: s } : {}) }),
    simulate(m, o) {
      if (o.fidelity === 'analytic' && typeof engine !== 'string' && engine.analytic) return engine.analytic(m, spec);
      if (o.fidelity === 'analytic') return analyticResult(m, typeof engine === 'string' ? undefined : analyticOverrides(m, spec, engine));
      if (typeof engine === 'string') throw fidelityUnavailable(spec, o.fidelity, engine);
      o.trace?.setProcessName(`${m.workload} on ${spec.name} (cycle, engine ${engine.name})`);
      const r = engine.simulate ? engine.simulate(m, spec, o) : composeCycle(m, spec, engine, o);
      if (o.trace && o.trace.opCount === 0) o.trace.resultOps(r); // an engine that does not draw its ops
      return r;
    },
  };
}
