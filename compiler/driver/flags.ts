// Flags several commands share: --param (target parameters), and the tier-schedule flags --budget,
// --solver and --time-limit. One parser each, so every command reads them the same way.
import { SOLVER_NAMES, type ScheduleRequest, type SolverName } from '../schedule';
import { parseParamFlags, type Overrides } from '../../targets/spec';
import { UserError } from './user-error';

/** commander's accumulator for repeatable options */
export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export function paramOverrides(flags: readonly string[] | undefined): Overrides {
  const { overrides, errors } = parseParamFlags(flags ?? []);
  if (errors.length) throw new UserError(errors.join('\n'));
  return overrides;
}

export function parseBudget(s: string | undefined): ScheduleRequest['budget'] | undefined {
  if (s === undefined) return undefined;
  const u = s.toUpperCase();
  if (u === 'MR' || u === 'MH' || u === 'MP') return u;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KIB|MIB|GIB|KB|MB|GB)?$/i.exec(s.trim());
  if (!m) throw new UserError(`--budget ${s}: expected MR, MH, MP or a size in bytes (e.g. 4194304 or 4MiB)`);
  const mult: Record<string, number> = { B: 1, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3, KB: 1e3, MB: 1e6, GB: 1e9 };
  const bytes = Math.floor(Number(m[1]) * mult[(m[2] ?? 'B').toUpperCase()]!);
  if (!(bytes > 0)) throw new UserError(`--budget ${s}: must be positive`);
  return bytes;
}

export function parseTimeLimit(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = Number(s);
  if (!(t > 0 && t <= 86400)) throw new UserError(`--time-limit ${s}: expected seconds, from 1 to 86400`);
  return t;
}

export function parseSolver(s: string | undefined): SolverName | undefined {
  if (s === undefined) return undefined;
  if (!(SOLVER_NAMES as readonly string[]).includes(s)) throw new UserError(`--solver ${s}: expected one of ${SOLVER_NAMES.join(', ')}`);
  return s as SolverName;
}

/** --budget, --solver and --time-limit as placement options (absent flags stay absent). */
export function scheduleFlags(o: { budget?: string; solver?: string; timeLimit?: string }): { budget?: ScheduleRequest['budget']; solver?: SolverName; timeLimitSeconds?: number } {
  const budget = parseBudget(o.budget);
  const solver = parseSolver(o.solver);
  const timeLimitSeconds = parseTimeLimit(o.timeLimit);
  return { ...(budget !== undefined ? { budget } : {}), ...(solver ? { solver } : {}), ...(timeLimitSeconds !== undefined ? { timeLimitSeconds } : {}) };
}
