// The library entry of the compile-and-simulate pipeline: .ein -> Cascade -> target.map ->
// target.simulate -> Result. `tessera run FILE --target NAME` and `tessera repro` use it; so can a
// script (`import { simulateCascade } from 'tessera/compiler/driver/pipeline'`).
import cliProgress from 'cli-progress';
import type { Cascade } from '../ir';
import { OBJECTIVES, type Objective } from '../map/mapping';
import { FIDELITIES, ResultSchema, type Fidelity, type Result } from '../../sim/core/result';
import { getTarget } from '../../targets/registry';
import type { Schedule } from '../../targets/target';
import type { TraceWriter } from '../../sim/core/trace';
import { UserError } from './user-error';

export interface PipelineOptions {
  target: string;
  fidelity?: Fidelity;
  objective?: Objective;
  seed?: number;
  /** independent instances (batch x heads) of the cascade */
  batch?: number;
  schedule?: Schedule;
  /** show a progress bar on stderr when mapping takes long (CLI on a TTY, not with --json) */
  progress?: boolean;
  /** fidelity 'cycle': where the engine draws its timeline */
  trace?: TraceWriter;
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

/** Maps and simulates a cascade on a target; the Result is checked against the schema. */
export function simulateCascade(c: Cascade, o: PipelineOptions): Result {
  const target = getTarget(o.target);
  const fidelity = o.fidelity ?? 'analytic';
  let bar: cliProgress.SingleBar | undefined;
  const t0 = Date.now();
  const mapping = target.map(c, o.schedule, {
    objective: o.objective ?? 'latency',
    seed: o.seed ?? 1,
    ...(o.batch !== undefined ? { batch: o.batch } : {}),
    ...(o.progress
      ? {
          onProgress: (done: number, total: number) => {
            if (!bar && Date.now() - t0 > 1000 && done < total) {
              bar = new cliProgress.SingleBar({ format: 'mapping [{bar}] {value}/{total} einsums', clearOnComplete: true }, cliProgress.Presets.shades_classic);
              bar.start(total, done);
            } else bar?.update(done);
          },
        }
      : {}),
  });
  bar?.stop();
  const result = target.simulate(mapping, { fidelity, ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.trace ? { trace: o.trace } : {}) });
  const checked = ResultSchema.safeParse(result);
  if (!checked.success) throw new Error(`target ${o.target} produced a Result that does not match the schema: ${checked.error.message}`);
  return result;
}

/** A terminal summary of a Result: totals, utilization, traffic, per-einsum lines, explanation. */
export function formatResult(r: Result): string {
  const lines: string[] = [];
  const eng = (x: number) => (x >= 1e6 || (x > 0 && x < 1e-2) ? x.toExponential(3) : String(Math.round(x * 1000) / 1000));
  lines.push(`${r.workload} on ${r.target} (${r.fidelity}): ${r.latencyCycles} cycles = ${eng(r.latencySeconds)} s, ${eng(r.energyPj)} pJ`);
  lines.push(`  utilization: ${Object.entries(r.utilization).map(([u, f]) => `${u} ${(f * 100).toFixed(1)}%`).join(', ')}`);
  lines.push(`  traffic: ${Object.entries(r.traffic).map(([l, t]) => `${l} read ${eng(t.readBytes)} B, write ${eng(t.writeBytes)} B`).join('; ')}`);
  for (const e of r.einsums) lines.push(`  ${e.name.padEnd(12)} ${e.unit.padEnd(8)} ${String(e.latencyCycles).padStart(12)} cycles ${eng(e.energyPj).padStart(10)} pJ`);
  const expl = (r as { explanation?: string[] }).explanation ?? [];
  if (expl.length) lines.push('  why:', ...expl.map((x) => `    ${x}`));
  // a warning that is also part of the explanation is printed once, under why
  const warnings = r.warnings.filter((w) => !expl.includes(w));
  if (warnings.length) lines.push('  warnings:', ...warnings.map((w) => `    ${w}`));
  return lines.join('\n') + '\n';
}
