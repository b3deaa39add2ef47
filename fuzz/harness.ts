// The fuzzing harness: mutants of every seed file, each run through every command that reads its
// format, in worker threads bounded in time (terminated on time-out) and memory (resourceLimits).
// Outcomes: ok (exit 0), refused (exit 1, a plain message), internal (exit 2, an uncaught throw or a
// stack trace printed), timeout, oom. Internal errors are minimised (ddmin over lines, then tokens).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Format } from './formats';
import { mutate, mutateJson, tokens } from './mutate';

export type Outcome = 'ok' | 'refused' | 'internal' | 'timeout' | 'oom';
export type CaseResult = { format: string; index: number; ops: string[]; command: string[]; outcome: Outcome; ms: number; message: string; file: string };
export type FuzzOptions = { count: number; seed: number; timeoutMs: number; memoryMb: number; outDir?: string; minimise?: boolean; onCase?: (r: CaseResult) => void };

type Reply = { code: number; stdout: string; stderr: string };

/** One worker at a time, replaced after a time-out or a crash. */
export class Runner {
  private worker?: Worker;
  constructor(private readonly memoryMb: number) {}

  private spawn(): Worker {
    this.worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: this.memoryMb }, stdout: true, stderr: true });
    return this.worker;
  }

  async run(argv: string[], timeoutMs: number): Promise<{ outcome: Outcome; message: string; ms: number; stdout?: string }> {
    const w = this.worker ?? this.spawn();
    const t0 = performance.now();
    const reply = await new Promise<Reply | Outcome>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), timeoutMs);
      const done = (v: Reply | Outcome): void => { clearTimeout(timer); w.off('message', onMsg); w.off('error', onErr); w.off('exit', onExit); resolve(v); };
      const onMsg = (m: Reply): void => done(m);
      const onErr = (e: Error & { code?: string }): void => done(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'oom' : { code: 3, stdout: '', stderr: `worker error: ${e.message}` });
      const onExit = (): void => done({ code: 3, stdout: '', stderr: 'worker exited' });
      w.on('message', onMsg).on('error', onErr).on('exit', onExit);
      w.postMessage({ id: 0, argv });
    });
    const ms = performance.now() - t0;
    if (typeof reply === 'string') {
      await this.close();
      return { outcome: reply, message: reply === 'timeout' ? `no answer in ${timeoutMs} ms` : 'out of memory', ms };
    }
    if (reply.code === 3) await this.close();
    return { outcome: classify(reply), message: firstLines(reply.stderr || reply.stdout), ms, stdout: reply.stdout };
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}

function classify(r: Reply): Outcome {
  if (r.code === 0) return 'ok';
  if (r.code === 1) return /\n\s+at .+:\d+:\d+\)?\n/.test(r.stderr) ? 'internal' : 'refused';
  return 'internal';
}

const firstLines = (s: string): string => s.split('\n').slice(0, 3).join(' | ').slice(0, 300);

/** Runs `opts.count` mutants of the format's seeds through each of its commands. */
export async function fuzzFormat(format: Format, opts: FuzzOptions): Promise<CaseResult[]> {
  const runner = new Runner(opts.memoryMb);
  const work = mkdtempSync(join(tmpdir(), `tessera-fuzz-${format.name}-`));
  const seeds = format.seeds.map((f) => readFileSync(f, 'utf8'));
  const results: CaseResult[] = [];
  try {
    for (let i = 0; i < opts.count; i++) {
      const seed = (opts.seed * 1_000_003 + i) >>> 0;
      const { text, ops } = (format.json ? mutateJson : mutate)(seeds[i % seeds.length]!, seed);
      const file = join(work, `case${format.ext}`);
      writeFileSync(file, text);
      for (const command of format.commands) {
        const argv = fill(command, file, work);
        const r = await runner.run(argv, opts.timeoutMs);
        const res: CaseResult = { format: format.name, index: i, ops, command, outcome: r.outcome, ms: r.ms, message: r.message, file: `${format.name}#${i}` };
        if (opts.outDir && (r.outcome !== 'ok' && r.outcome !== 'refused')) await saveReproducer(opts, format, res, text, runner, work);
        results.push(res);
        opts.onCase?.(res);
      }
    }
  } finally {
    await runner.close();
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

function fill(command: string[], file: string, work: string): string[] {
  const out = join(work, 'out');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  return command.map((a) => a.replace('{file}', file).replace('{out}', out));
}

/** Writes the mutant (minimised for internal errors) and the command that reproduces the outcome. */
async function saveReproducer(opts: FuzzOptions, format: Format, res: CaseResult, text: string, runner: Runner, work: string): Promise<void> {
  let smallest = text;
  if (opts.minimise !== false && res.outcome === 'internal') smallest = await minimise(text, format, res.command, runner, work, opts.timeoutMs);
  const dir = join(opts.outDir!, format.name);
  mkdirSync(dir, { recursive: true });
  const name = `${res.outcome}-${res.index}-${format.commands.indexOf(res.command)}`;
  writeFileSync(join(dir, name + format.ext), smallest);
  writeFileSync(join(dir, name + '.txt'), `tessera ${res.command.join(' ').replace('{file}', join(dir, name + format.ext)).replace('{out}', '/tmp/out')}\n# outcome: ${res.outcome}\n# mutators: ${res.ops.join(', ')}\n# ${res.message}\n`);
}

/** ddmin over lines, then over tokens, keeping the text that still gives an internal error (bounded). */
async function minimise(text: string, format: Format, command: string[], runner: Runner, work: string, timeoutMs: number): Promise<string> {
  let budget = 80;
  const stillFails = async (t: string): Promise<boolean> => {
    if (budget-- <= 0) return false;
    const file = join(work, `min${format.ext}`);
    writeFileSync(file, t);
    return (await runner.run(fill(command, file, work), Math.min(timeoutMs, 5000))).outcome === 'internal';
  };
  let parts = text.split(/(?<=\n)/);
  parts = await ddmin(parts, stillFails);
  parts = await ddmin(tokens(parts.join('')), stillFails);
  return parts.join('');
}

async function ddmin(parts: string[], fails: (t: string) => Promise<boolean>): Promise<string[]> {
  let n = 2;
  while (parts.length >= 2) {
    const size = Math.ceil(parts.length / n);
    let reduced = false;
    for (let s = 0; s < parts.length; s += size) {
      const rest = [...parts.slice(0, s), ...parts.slice(s + size)];
      if (await fails(rest.join(''))) {
        parts = rest;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= parts.length) break;
      n = Math.min(parts.length, n * 2);
    }
  }
  return parts;
}

/** Counts of each outcome per command, for the summary table. */
export function tally(results: CaseResult[]): Map<string, Record<Outcome, number>> {
  const t = new Map<string, Record<Outcome, number>>();
  for (const r of results) {
    const k = `${r.format}: ${r.command.join(' ')}`;
    const row = t.get(k) ?? { ok: 0, refused: 0, internal: 0, timeout: 0, oom: 0 };
    row[r.outcome]++;
    t.set(k, row);
  }
  return t;
}
