// The library entry of the compile-and-simulate pipeline, as typed stages:
//   resolve target -> refuse what cannot run -> (place tensors in tiers) -> map -> simulate -> (add the
//   schedule's transfers) -> check the Result.
// `tessera run --target`, `schedule --simulate`, `scalesim`, `repro` and `demo` all go through here;
// so can a script (`import { runPipeline } from 'tessera'`).
import { formatBytes, formatEnergy, formatSeconds, type Cascade } from '../ir';
import { OBJECTIVES, type Mapping, type Objective } from '../map/mapping';
import { FIDELITIES, ResultSchema, type Fidelity, type Result } from '../../sim/core/result';
import { loadTarget } from '../../targets/registry';
import { fidelityUnavailable, targetFromSpec, type Schedule, type Target } from '../../targets/target';
import type { Overrides } from '../../targets/spec';
import type { TraceWriter } from '../../sim/core/trace';
import { UserError } from './user-error';
import { countProgress, solverProgress } from './progress';
import { applyPlacement } from './stages/apply-placement';
import { placeTensors, SCHEDULE_KINDS, type Placement, type PlacementOptions, type ScheduleKind } from './stages/placement';
import { residentSpec } from './stages/resident';
import { energyStage } from './stages/energy';
import { checkMappingExact, inexactField } from './stages/exact';
import { checkCapacity } from './stages/capacity';

export interface PipelineOptions {
  /** a built-in target's name, a path to an .arch file, or a loaded Target */
  target: string | Target;
  /** `--param name=value` overrides of the target's parameters */
  params?: Overrides;
  fidelity?: Fidelity;
  objective?: Objective;
  seed?: number;
  /** the mapper's search effort (MapOptions budget, exhaustiveLimit); default the mapper's own */
  search?: { budget?: number; exhaustiveLimit?: number; climb?: boolean };
  /** independent instances (batch x heads) of the cascade, run back to back */
  batch?: number;
  /** an operator order for the mapper (legacy; a placement sets its own) */
  schedule?: Schedule;
  /** show a progress bar on stderr when mapping takes long (CLI on a TTY, not with --json) */
  progress?: boolean;
  /** fidelity 'cycle': where the engine draws its timeline */
  trace?: TraceWriter;
}

export interface ScheduledPipelineOptions extends PipelineOptions {
  /** place every tensor in the target's tiers first (ILP or greedy); its transfers drive the Result */
  placement?: PlacementOptions;
}

export function parseFidelity(s: string | undefined): Fidelity {
  if (s === undefined) return 'analytic';
  if (!(FIDELITIES as readonly string[]).includes(s)) throw new UserError(`--fidelity ${s}: expected one of ${FIDELITIES.join(', ')}`);
  return s as Fidelity;
}

export function parseObjective(s: string | undefined): Objective {
  if (s === undefined) return 'latency';
  if (!(OBJECTIVES as readonly string[]).includes(s)) throw new UserError(`--objective ${s}: expected one of ${OBJECTIVES.join(', ')}`);
  return s as Objective;
}

export function parseScheduleKind(s: string | undefined): ScheduleKind {
  if (s === undefined) return 'none';
  if (!(SCHEDULE_KINDS as readonly string[]).includes(s)) throw new UserError(`--schedule ${s}: expected one of ${SCHEDULE_KINDS.join(', ')}`);
  return s as ScheduleKind;
}

/** Stage 1: the Target, loaded once; then anything it cannot do is refused before any mapping. */
export function resolveTarget(o: PipelineOptions): Target {
  const t = typeof o.target === 'string' ? loadTarget(o.target, o.params ?? {}) : o.target;
  const fidelity = o.fidelity ?? 'analytic';
  if (!t.fidelities.includes(fidelity)) throw fidelityUnavailable(t.spec, fidelity, t.noCycleReason ?? 'no engine');
  return t;
}

/** Stage 3: the mapping of every einsum (and fused group), for `batch` instances. */
export function mapStage(c: Cascade, t: Target, o: PipelineOptions, schedule?: Schedule): Mapping {
  const bar = countProgress('mapping', 'einsums', { enabled: o.progress === true });
  const batch = o.batch ?? 1;
  const m = t.map(c, schedule, { objective: o.objective ?? 'latency', seed: o.seed ?? 1, ...o.search, ...(batch !== 1 ? { batch } : {}), ...(bar.onProgress ? { onProgress: bar.onProgress } : {}) });
  bar.stop();
  m.batch = batch;
  checkMappingExact(m);
  return m;
}

/** Stage 4: the engine of the fidelity asked for; the Result is checked against the schema. */
export function simulateStage(m: Mapping, t: Target, o: PipelineOptions): Result {
  return checkResult(runEngines(m, t, o), t.name);
}

/** The engines' Result, unchecked: the pipelines check it once, after the stages that follow add to it. */
function runEngines(m: Mapping, t: Target, o: PipelineOptions): Result {
  const bar = countProgress('simulating', 'ops', { enabled: o.progress === true && o.fidelity === 'cycle' });
  const r = t.simulate(m, { fidelity: o.fidelity ?? 'analytic', ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.trace ? { trace: o.trace } : {}), ...(bar.onProgress ? { onProgress: bar.onProgress } : {}) });
  bar.stop();
  return r;
}

function checkResult(r: Result, target: string): Result {
  const checked = ResultSchema.safeParse(r);
  if (checked.success) return r;
  const field = inexactField(r);
  if (field !== undefined) throw new UserError(`the result on ${target} has ${field} = ${String(getPath(r, field))}, beyond the 2^53 that Tessera counts exactly; use smaller shapes or a smaller --batch`);
  throw new Error(`target ${target} produced a Result that does not match the schema: ${checked.error.message}`);
}

const getPath = (v: unknown, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], v);

/** Maps and simulates a cascade on a target (no tier schedule). */
export function simulateCascade(c: Cascade, o: PipelineOptions): Result {
  const t = resolveTarget(o);
  const cap = checkCapacity(c, t.spec, o.batch ?? 1);
  const m = mapStage(c, t, o, o.schedule);
  return withNotes(checkResult(energyStage(runEngines(m, t, o), m, t.spec), t.name), cap.notes);
}

/** The whole pipeline; with `placement`, the tier schedule decides every einsum's off-chip traffic. */
export async function runPipeline(c: Cascade, o: ScheduledPipelineOptions): Promise<Result> {
  const t = resolveTarget(o);
  if (!o.placement) return simulateCascade(c, { ...o, target: t });
  checkCapacity(c, t.spec, o.batch ?? 1);
  const solving = solverProgress(o.progress === true && o.placement.kind === 'ilp');
  const placement: Placement = await placeTensors(c, t.spec, { ...o.placement, ...(solving.onProgress ? { onProgress: solving.onProgress } : {}) }).finally(solving.stop);
  const resident = targetFromSpec(residentSpec(t.spec));
  // an engine that puts the schedule's loads and spills on its own timeline (the dataflow engine) reads
  // them, and the tiers' real bandwidths, from the mapping's schedule
  const m = mapStage(c, resident, o, { order: placement.order, moves: placement.moves, tierBytesPerSecond: tierBandwidths(t.spec) });
  const r = runEngines(m, resident, o);
  // energy from the real target: the schedule's tier traffic at each tier's per-byte energies
  return checkResult(energyStage(applyPlacement(r, placement, t.spec, o.batch ?? 1), m, t.spec), t.name);
}

/** The capacity stage's notes among the result's warnings. */
function withNotes(r: Result, notes: readonly string[]): Result {
  return notes.length ? { ...r, warnings: [...r.warnings, ...notes] } : r;
}

/** Each off-chip tier's bandwidth in bytes per second (all its instances, at its efficiency). */
function tierBandwidths(spec: Target['spec']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of spec.memories) {
    const eff = typeof x.attrs.efficiency === 'number' ? x.attrs.efficiency : 1;
    if (x.bandwidthBytesPerSecond !== undefined) out[x.name] = x.bandwidthBytesPerSecond * (x.instances ?? 1) * eff;
  }
  return out;
}

/** A terminal summary of a Result: totals, utilization, traffic, per-einsum lines, explanation. */
export function formatResult(r: Result): string {
  const lines: string[] = [];
  const energy = (pj: number | null) => (pj === null ? 'energy not modelled' : r.energyPj === 0 && pj === 0 ? '0 pJ' : formatEnergy(pj));
  lines.push(`${r.workload} on ${r.target} (${r.fidelity}): ${r.latencyCycles} cycles = ${formatSeconds(r.latencySeconds)}, ${energy(r.energyPj)}`);
  lines.push(`  utilization: ${Object.entries(r.utilization).map(([u, f]) => `${u} ${(f * 100).toFixed(1)}%`).join(', ')}`);
  lines.push(`  traffic: ${Object.entries(r.traffic).map(([l, t]) => `${l} read ${formatBytes(t.readBytes)}, write ${formatBytes(t.writeBytes)}`).join('; ')}`);
  if (r.energy) {
    // a static power the target does not give is listed as not modelled, never printed as 0
    const noStatic = r.energy.staticPj === 0 && (r.energyNotModelled ?? []).some((x) => x.startsWith('static power'));
    const parts = [`compute ${formatEnergy(r.energy.computePj)}`, ...Object.entries(r.energy.levelsPj).map(([l, pj]) => `${l} ${formatEnergy(pj)}`), ...(noStatic ? [] : [`static ${formatEnergy(r.energy.staticPj)}`])];
    lines.push(`  energy: ${parts.join(', ')}${r.energyNotModelled ? ` (not modelled: ${r.energyNotModelled.join(', ')})` : ''}`);
  } else if (r.energyNotModelled) lines.push(`  energy not modelled: ${r.energyNotModelled.join(', ')}`);
  const sched = r.schedule as { budget?: { bytes?: number }; method?: string } | undefined;
  const xfer = (r as { transferCycles?: number }).transferCycles;
  const busyTiers = (r as { tierBusyCycles?: Record<string, number> }).tierBusyCycles;
  const period = r.latencyCycles > 0 ? r.latencySeconds / r.latencyCycles : 0;
  if (busyTiers) lines.push(`  tier channels busy: ${Object.entries(busyTiers).map(([t, c]) => `${t} ${c} cycles = ${formatSeconds(c * period)}`).join(', ')}`);
  const overlapped = (r as { transfersOnTimeline?: boolean }).transfersOnTimeline === true;
  if (sched && xfer !== undefined) lines.push(`  schedule: tensors placed in the tiers (SRAM budget ${formatBytes(sched.budget?.bytes ?? 0)}); loads and spills ${overlapped ? `keep the tier channels busy ${Math.round(xfer)} cycles, overlapped with compute on the engine's timeline` : `add ${xfer} cycles`}`);
  for (const e of r.einsums) lines.push(`  ${e.name.padEnd(12)} ${e.unit.padEnd(8)} ${String(e.latencyCycles).padStart(12)} cycles ${energy(e.energyPj).padStart(10)}`);
  const expl = (r as { explanation?: string[] }).explanation ?? [];
  if (expl.length) lines.push('  why:', ...expl.map((x) => `    ${x}`));
  // a warning that is also part of the explanation is printed once, under why
  const warnings = r.warnings.filter((w) => !expl.includes(w));
  if (warnings.length) lines.push('  warnings:', ...warnings.map((w) => `    ${w}`));
  return lines.join('\n') + '\n';
}
