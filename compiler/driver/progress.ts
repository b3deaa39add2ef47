// Progress for long work, on stderr and only on a terminal: never with --json, never into a pipe or a
// file (the output there is exactly the result). Two kinds: a count (einsums mapped, ops simulated) that
// appears only once the work has taken a second, so quick runs print nothing; and an ILP solve, per phase,
// with the time spent of its limit, the incumbent, the bound and the gap between them. The bars are
// cli-progress's (the sweep's, compiler/sweep/run.ts, is its own: it also prints lines when piped).
import cliProgress from 'cli-progress';
import type { MipProgress } from '../schedule';

/** Where progress goes: process.stderr, or a stream a test stands in with. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface Progress<T> {
  /** undefined when progress is off: callers pass it on as an optional callback */
  onProgress?: T;
  stop: () => void;
}

/** Progress only on a terminal, and never with --json. */
export function showProgress(json: boolean | undefined, stream: { isTTY?: boolean } = process.stderr): boolean {
  return json !== true && stream.isTTY === true;
}

export interface CountOptions {
  enabled: boolean;
  stream?: ProgressStream;
  /** show the bar only once the work has run this long (default: TESSERA_PROGRESS_DELAY_MS, else 1000 ms) */
  delayMs?: number;
}

/** How long work runs before its bar shows: 1 s, or TESSERA_PROGRESS_DELAY_MS (0: at once, as the tests use). */
function defaultDelayMs(): number {
  const v = Number(process.env.TESSERA_PROGRESS_DELAY_MS);
  return process.env.TESSERA_PROGRESS_DELAY_MS !== undefined && Number.isFinite(v) && v >= 0 ? v : 1000;
}

/** `label [bar] done/total unit`, e.g. `simulating [####----] 120/933 ops`. */
export function countProgress(label: string, unit: string, o: CountOptions): Progress<(done: number, total: number) => void> {
  if (!o.enabled) return { stop: () => {} };
  let bar: cliProgress.SingleBar | undefined;
  const t0 = Date.now();
  const delay = o.delayMs ?? defaultDelayMs();
  return {
    onProgress: (done, total) => {
      if (!bar && Date.now() - t0 >= delay && done < total) {
        bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {value}/{total} ${unit}`, stream: o.stream ?? process.stderr, clearOnComplete: true }, cliProgress.Presets.shades_classic);
        bar.start(total, done);
      } else bar?.update(done);
    },
    stop: () => bar?.stop(),
  };
}

/** The relative gap between an incumbent and the solver's bound (as a MIP solver reports it). */
export function mipGap(objective: number | undefined, bound: number | undefined): number | undefined {
  if (objective === undefined || bound === undefined || !Number.isFinite(objective) || !Number.isFinite(bound)) return undefined;
  return Math.abs(objective - bound) / Math.max(Math.abs(objective), 1e-9);
}

/** An ILP solve per phase: `phase [bar] 12/60 s  incumbent 1.234e+6  bound 1.1e+6  gap 10.9%`. */
export function solverProgress(enabled: boolean, stream: ProgressStream = process.stderr): Progress<(p: MipProgress & { phase: string }) => void> {
  if (!enabled) return { stop: () => {} };
  let bar: cliProgress.SingleBar | undefined;
  let phase = '';
  const fmt = (x: number | undefined) => (x === undefined ? '-' : x.toPrecision(4));
  return {
    onProgress: (p) => {
      if (p.phase !== phase) {
        bar?.stop();
        phase = p.phase;
        bar = new cliProgress.SingleBar({ format: `  ${phase} [{bar}] {value}/{total} s  incumbent {obj}  bound {bound}  gap {gap}`, stream, clearOnComplete: true }, cliProgress.Presets.shades_classic);
        bar.start(Math.round(p.limitSeconds), 0, { obj: '-', bound: '-', gap: '-' });
      }
      const gap = mipGap(p.objective, p.bound);
      bar!.update(Math.min(Math.round(p.elapsedSeconds), Math.round(p.limitSeconds)), { obj: fmt(p.objective), bound: fmt(p.bound), gap: gap === undefined ? '-' : `${(100 * gap).toFixed(1)}%` });
    },
    stop: () => bar?.stop(),
  };
}
