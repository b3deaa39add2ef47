// Maps a whole cascade onto a target: a fused group when the target's dataflow fuses (FuseMax's
// pipelined 2D+1D binding, FLAT's row blocks), and every remaining einsum on its own with the
// mapper search. Einsums run one after another in program order (or the schedule's order).
// Identical einsums (the 32 layers of LLaMA-2-7B) are searched once: a MappingMemo keyed by what
// determines the mapping (map-einsum.ts einsumKey) hands the same choice to each of them, and the
// search's seed derives from that key, not from the einsum's position.
import { DiagnosticError, error, type Cascade } from '../ir';
import type { TargetSpec } from '../../targets/spec/types';
import { hwModel, OPS, type HwModel } from './hardware';
import { BUILTIN_DATAFLOWS, type FusedDataflowModel, type FusedOutcome, type FusedRefusal } from './fused';
import { MappingMemo, mapEinsum } from './map-einsum';
import type { EinsumMapping, GroupMapping, Mapping, MapOptions, Objective } from './mapping';
import { cascadeWorkloads, type EinsumWorkload } from './workload';
import { lowerOps } from './lowered';

/** Which fused dataflows to try: 'auto' (every one, in order), one by name, or 'none'. */
export type FusionPolicy = 'none' | 'auto' | (string & {});

export interface CascadeMapOptions extends MapOptions {
  /** the fused dataflows the target implements, tried in order (a target passes its plug-ins'
   *  models); a name or 'auto' picks among the built-in ones; 'none' (default) maps einsum by einsum */
  fusion?: FusionPolicy | readonly FusedDataflowModel[];
  /** with a list: the target named its dataflow, so a refusal is always reported */
  fusionNamed?: boolean;
  schedule?: { order?: readonly string[] } & Record<string, unknown>;
  /** remembered mappings to reuse and extend (default: a fresh memo per call) */
  memo?: MappingMemo;
}

function dataflowsOf(o: CascadeMapOptions): { list: readonly FusedDataflowModel[]; named: boolean } {
  const f = o.fusion ?? 'none';
  if (typeof f !== 'string') return { list: f, named: o.fusionNamed ?? false };
  if (f === 'none') return { list: [], named: false };
  if (f === 'auto') return { list: BUILTIN_DATAFLOWS, named: false };
  return { list: BUILTIN_DATAFLOWS.filter((d) => d.name === f), named: true };
}

/** The groups of the first dataflow that forms any; each refusal a user should hear about is a warning. */
function fuseGroups(c: Cascade, ws: EinsumWorkload[], hw: HwModel, name: string, o: CascadeMapOptions, objective: Objective, batch: number, warnings: string[]): FusedOutcome[] {
  const { list, named } = dataflowsOf(o);
  for (const d of list) {
    const r = d.analytic(c, ws, hw, objective, batch);
    if (Array.isArray(r)) {
      for (const x of r) for (const u of x.unfused ?? []) warnings.push(`${name}: ${u}; its einsums are mapped one by one`);
      if (r.length > 0) return r;
      continue;
    }
    const refusal = r as FusedRefusal;
    if (named || refusal.relevant) warnings.push(`${name}: ${refusal.reason}`);
  }
  if (list.length > 0 && ws.filter((w) => !w.view && !w.init).length > 1) warnings.push(`${name}: einsums are mapped one by one (no fused dataflow applies)`);
  return [];
}

export function mapCascade(c: Cascade, spec: TargetSpec, opts: CascadeMapOptions = {}): Mapping {
  const hw = hwModel(spec);
  const objective: Objective = opts.objective ?? 'latency';
  const seed = opts.seed ?? 1;
  const batch = opts.batch ?? 1;
  const ws = cascadeWorkloads(c);
  const warnings = [...hw.warnings];
  const fused = fuseGroups(c, ws, hw, spec.name, opts, objective, batch, warnings);
  const groups: GroupMapping[] = fused.map((f) => f.group);
  const einsums: EinsumMapping[] = fused.flatMap((f) => f.einsums);
  const covered = new Set(fused.flatMap((f) => [...f.einsums.map((e) => e.index), ...(f.covers ?? [])]));
  // a group that does not list what it covers took every init (a single group over the whole cascade)
  const allInits = fused.some((f) => !f.covers);
  let evaluations = 0;
  const rest = ws.filter((w) => !covered.has(w.index) && !w.view && !(allInits && w.init));
  const memo = opts.memo ?? new MappingMemo();
  const hwId = memo.hwId(hw);
  const einsumOpts = { ...opts, objective, seed, batch, memo, hwId }; // one for all: a 32-layer model has ~1000 einsums
  rest.forEach((w, k) => {
    const r = mapEinsum(w, hw, einsumOpts);
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
    ops: lowerOps(c, ws, einsums, groups, batch),
    workloads: ws,
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
