// Maps a whole cascade onto a target: a fused group when the target's dataflow fuses (FuseMax's
// pipelined 2D+1D binding, FLAT's row blocks), and every remaining einsum on its own with the
// mapper search. Einsums run one after another in program order (or the schedule's order).
// Identical einsums (the 32 layers of LLaMA-2-7B) are searched once: a MappingMemo keyed by what
// determines the mapping (map-einsum.ts einsumKey) hands the same choice to each of them, and the
// search's seed derives from that key, not from the einsum's position.
import { DiagnosticError, error, iterativeVars, type Cascade } from '../ir';
import type { TargetSpec } from '../../targets/spec/types';
import { hwModel, OPS } from './hardware';
import { pipelineModel, rowblockModel, type FusedOutcome } from './fused';
import { MappingMemo, mapEinsum } from './map-einsum';
import type { EinsumMapping, GroupMapping, Mapping, MapOptions, Objective } from './mapping';
import { cascadeWorkloads } from './workload';

/** 'auto': the FuseMax pipeline when the cascade and the hardware allow it, else FLAT row blocks, else none. */
export type FusionPolicy = 'none' | 'pipeline' | 'rowblock' | 'auto';

export interface CascadeMapOptions extends MapOptions {
  /** which fused dataflow the target implements; 'none' maps einsum by einsum */
  fusion?: FusionPolicy;
  schedule?: { order?: readonly string[] } & Record<string, unknown>;
  /** remembered mappings to reuse and extend (default: a fresh memo per call) */
  memo?: MappingMemo;
}

export function mapCascade(c: Cascade, spec: TargetSpec, opts: CascadeMapOptions = {}): Mapping {
  const hw = hwModel(spec);
  const objective: Objective = opts.objective ?? 'latency';
  const seed = opts.seed ?? 1;
  const batch = opts.batch ?? 1;
  const ws = cascadeWorkloads(c);
  const warnings = [...hw.warnings];
  let fused: FusedOutcome | null = null;
  const policy = opts.fusion ?? 'none';
  if (policy === 'pipeline' || policy === 'auto') {
    const p = pipelineModel(c, ws, hw, objective, batch);
    if ('group' in p) fused = p;
    else if (policy === 'pipeline' || iterativeVars(c).length > 0) warnings.push(`${spec.name}: no 2D+1D pipelined binding: ${p.reason}`);
  }
  if (!fused && (policy === 'rowblock' || policy === 'auto')) {
    fused = rowblockModel(c, ws, hw, objective, batch);
    if (!fused && (policy === 'rowblock' || iterativeVars(c).length === 0)) warnings.push(`${spec.name}: the cascade is not a chain of einsums over one row rank; einsums are mapped one by one`);
  }
  if (!fused && (policy === 'rowblock' || policy === 'auto') && ws.filter((w) => !w.view && !w.init).length > 1) warnings.push(`${spec.name}: einsums are mapped one by one (no fused dataflow applies)`);
  const groups: GroupMapping[] = fused ? [fused.group] : [];
  const inGroup = new Set(fused ? fused.einsums.map((e) => e.index) : []);
  const einsums: EinsumMapping[] = fused ? [...fused.einsums] : [];
  let evaluations = 0;
  const rest = ws.filter((w) => !inGroup.has(w.index) && !w.view && !(fused && w.init));
  const memo = opts.memo ?? new MappingMemo();
  const hwId = memo.hwId(hw);
  rest.forEach((w, k) => {
    const r = mapEinsum(w, hw, { ...opts, objective, seed, batch, memo, hwId });
    if (!r) throw cannotRun(w.name, w.ops, spec);
    evaluations += r.evaluations;
    if (batch > 1) scaleCost(r.mapping, batch);
    einsums.push(r.mapping);
    opts.onProgress?.(k + 1, rest.length);
  });
  const order = opts.schedule?.order;
  einsums.sort((a, b) => (order ? rank(order, a.name) - rank(order, b.name) : 0) || a.index - b.index);
  for (const e of einsums) for (const x of e.explanation) if (/fold|fills|idles|tiles of/.test(x)) warnings.push(x);
  const m: Mapping = {
    target: spec.name,
    workload: c.name ?? c.file ?? 'cascade',
    cascade: c,
    objective,
    seed,
    clockHz: spec.clockHz,
    unitPes: Object.fromEntries(hw.units.map((u) => [u.name, u.pes])),
    einsums,
    groups,
    evaluations,
    warnings,
  };
  if (opts.schedule !== undefined) m.schedule = opts.schedule;
  return m;
}

function rank(order: readonly string[], name: string): number {
  const i = order.indexOf(name);
  return i < 0 ? order.length : i;
}

function scaleCost(e: EinsumMapping, k: number): void {
  const c = e.cost;
  c.latencyCycles *= k;
  c.computeCycles *= k;
  c.energyPj *= k;
  for (const u of Object.keys(c.busyPeCycles)) c.busyPeCycles[u]! *= k;
  for (const t of Object.values(c.traffic)) {
    t.readBytes *= k;
    t.writeBytes *= k;
  }
}

/** No einsum is dropped: one that no unit executes (natively or emulated) stops the run, saying what is missing. */
function cannotRun(name: string, ops: ArrayLike<number>, spec: TargetSpec): DiagnosticError {
  const needs = OPS.filter((_, i) => ops[i]).join(', ');
  const units = spec.computes.map((u) => `${u.name} (${u.ops.length ? u.ops.join(', ') : 'mul, add'})`).join('; ');
  return new DiagnosticError([
    error(
      'no-unit-for-einsum',
      `einsum ${name} needs ${needs}, and no compute unit of ${spec.name} executes all of it: ${units}`,
      undefined,
      'add the op to a unit\'s `ops`, or give a MAC unit an emulation cost: `attr exp_macs = 6` (MACs per exp, as FuseMax) or `attr div_macs = N`',
    ),
  ]);
}
