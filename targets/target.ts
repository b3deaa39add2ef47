// The unit a compiler writer adds (DESIGN.md "A target is the unit a compiler writer adds"):
// one folder with a `.arch` file and an index.ts exporting a Target. The core never names a target;
// targets/registry.ts lists them.
import type { Cascade } from '../compiler/ir';
import type { Fidelity, Result } from '../sim/core/result';
import type { TargetSpec } from './spec/types';
import type { Mapping, MapOptions } from '../compiler/map/mapping';

export type { Mapping, MapOptions } from '../compiler/map/mapping';
export type { Objective } from '../compiler/map/mapping';
import { readFileSync } from 'node:fs';
import { DiagnosticError, error } from '../compiler/ir/diagnostic';
import { analyticResult } from '../compiler/map/result';
import { mapCascade, type FusionPolicy } from '../compiler/map/map-cascade';
import { loadTargetFile } from './spec';
import type { TraceWriter } from '../sim/core/trace';

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
  map(c: Cascade, s: Schedule | undefined, o: MapOptions): Mapping;
  simulate(m: Mapping, o: SimOptions): Result;
}

/** A per-target cycle-level engine, plugged in by sim/* owners: see `cycleEngines` in a target's index.ts. */
export type CycleSimulator = (m: Mapping, spec: TargetSpec, o: SimOptions) => Result;

// ---------------------------------------------------------------------------------------------
// The analytical target most built-in targets are: a .arch file, a fusion policy, and optionally a
// cycle-level engine that a sim/* owner plugs in (set `cycle` in the target's index.ts).

export interface AnalyticTargetDef {
  name: string;
  /** absolute path of the target's .arch file */
  archPath: string;
  /** the fused dataflow the design implements: FuseMax pipelines 2D+1D, FLAT fuses row blocks */
  fusion?: FusionPolicy;
  /** fidelity 'cycle': a per-target engine from sim/*; absent until one exists */
  cycle?: CycleSimulator;
}

export function defineAnalyticTarget(def: AnalyticTargetDef): Target {
  let spec: TargetSpec | undefined;
  const getSpec = () => (spec ??= loadTargetFile(def.archPath));
  return {
    name: def.name,
    get description() {
      return getSpec().description;
    },
    get spec() {
      return getSpec();
    },
    map(c, s, o) {
      return mapCascade(c, getSpec(), { ...o, fusion: def.fusion ?? 'none', ...(s !== undefined ? { schedule: s } : {}) });
    },
    simulate(m, o) {
      if (o.fidelity === 'analytic') return analyticResult(m);
      if (def.cycle) return def.cycle(m, getSpec(), o);
      throw new DiagnosticError([
        error(
          'fidelity-unavailable',
          `fidelity ${o.fidelity} is not available for target ${def.name}`,
          undefined,
          `use --fidelity analytic; no cycle-level engine is registered for ${def.name} yet (targets/${def.name}/index.ts sets one)`,
        ),
      ]);
    },
  };
}

/** Reads a target's .arch text (for listings that show the source). */
export function archText(def: AnalyticTargetDef): string {
  return readFileSync(def.archPath, 'utf8');
}
