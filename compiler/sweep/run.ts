// `tessera sweep spec.yaml --db F`: enumerate the points, keep this shard's, skip those the database
// already holds (--resume), evaluate the rest on the worker pool, and commit finished points every
// 400 ms (COMMIT_MS, or every COMMIT_ROWS), so a kill -9 loses at most the last commit interval of
// work plus the last batch a worker had not yet posted (at most 100 ms: pool.ts), half a second.
//
// The main thread only plans, commits and reports: the workers start first (they load their modules
// while the spec is read and the database opened), claim their points themselves, and post rows in
// batches, so with N workers the sweep keeps N cores busy evaluating and the main thread's share of
// a core is small (docs/BENCHMARKS.md, stop 24).
import { createHash } from 'node:crypto';
import cliProgress from 'cli-progress';
import { UserError } from '../driver/user-error';
import { SweepDb } from './db';
import { loadWorkload } from './evaluate';
import { groupByDesign, SweepPool } from './pool';
import { estimateCosts, shardPoints, type Shard } from './shard';
import { designKey, enumeratePoints } from './space';
import { loadSweepSpec } from './spec';
import type { Point, Row, Status } from './types';

export interface SweepOptions {
  spec: string;
  db: string;
  resume?: boolean;
  workers: number;
  shard?: Shard;
  /** 'bar' on a TTY, 'lines' otherwise, 'none' for tests and benchmarks */
  progress: 'bar' | 'lines' | 'none';
  log?: (line: string) => void;
  /** milliseconds between commits (default COMMIT_MS) */
  commitMs?: number;
}

export interface SweepSummary {
  total: number;
  shardPoints: number;
  resumed: number;
  evaluated: number;
  byStatus: Record<Status, number>;
  wallMs: number;
  /**
   * milliseconds the main thread spent in (or awaiting) database calls, less the part of the
   * preparation's (opening the file, the resume check, the meta rows) that passed while the workers
   * were still loading: that part delayed nothing, since no point could start before the workers
   * were ready. Commits and the close (its checkpoint) count in full.
   */
  dbMs: number;
  /** every millisecond spent in (or awaiting) database calls, overlapped or not */
  dbTotalMs: number;
  /** milliseconds the main thread spent busy (event-loop utilisation: planning, commits, progress) */
  mainBusyMs: number;
}

/** Commit interval: with a worker's unposted batch (POST_MS, 100 ms) a kill -9 loses at most 0.5 s of work. */
export const COMMIT_MS = 400;
/** Commit early when this many rows wait (a fast sweep on many cores), to keep transactions small. */
export const COMMIT_ROWS = 1024;

/** The points of this run and the identity of the whole space (to refuse resuming another sweep). */
export async function plan(specFile: string, shard?: Shard): Promise<{ all: Point[]; mine: Point[]; space: string; name: string }> {
  const spec = loadSweepSpec(specFile);
  const all = enumeratePoints(spec);
  // each workload is read once here, so a missing or malformed one stops the sweep with its own
  // message (exit 1) rather than filling the database with error rows; the workers read their own copy
  for (const w of new Map(spec.workloads.map((x) => [x.id, x])).values()) await loadWorkload(w);
  // the cost estimate only balances shards
  const mine = shard ? shardPoints(all, await estimateCosts(all), shard) : all;
  const space = createHash('sha256').update(all.map((p) => p.key).join('\n')).digest('hex').slice(0, 24);
  return { all, mine, space, name: spec.name };
}

async function checkResume(db: SweepDb, o: SweepOptions, space: string): Promise<Set<string>> {
  const done = await db.doneKeys();
  if (!done.size) return done;
  if (!o.resume) throw new UserError(`${o.db} already holds ${done.size} points; add --resume to continue that sweep, or choose another --db`);
  const meta = await db.getMeta();
  if (meta.space !== undefined && meta.space !== space) throw new UserError(`${o.db} holds another sweep (a different design space); --resume continues only the sweep that wrote it`);
  return done;
}

export async function runSweep(o: SweepOptions): Promise<SweepSummary> {
  const t0 = performance.now();
  const elu0 = performance.eventLoopUtilization();
  const pool = new SweepPool(o.workers);
  let db: SweepDb | undefined;
  let summary: SweepSummary;
  let hiddenDbMs = 0;
  try {
    const planned = await plan(o.spec, o.shard);
    db = await SweepDb.open(o.db);
    ({ summary, hiddenDbMs } = await sweepInto(db, pool, planned, o));
  } finally {
    await pool.close();
    await db?.close();
  }
  // the wall time and the database's time include opening the file and the checkpoint at its close
  summary.wallMs = performance.now() - t0;
  summary.dbTotalMs = db.busyMs;
  summary.dbMs = db.busyMs - hiddenDbMs;
  summary.mainBusyMs = performance.eventLoopUtilization(elu0).active;
  return summary;
}

async function sweepInto(db: SweepDb, pool: SweepPool, { all, mine, space, name }: Awaited<ReturnType<typeof plan>>, o: SweepOptions): Promise<{ summary: SweepSummary; hiddenDbMs: number }> {
  const done = await checkResume(db, o, space);
  await db.setMeta({ schema: 'tessera-sweep/1', sweep: name, space, total: String(all.length), ...(o.shard ? { [`shard ${o.shard.index}/${o.shard.count}`]: String(mine.length) } : {}) });
  const todo = mine.filter((p) => !done.has(p.key));
  const summary: SweepSummary = { total: all.length, shardPoints: mine.length, resumed: mine.length - todo.length, evaluated: 0, byStatus: { ok: 0, 'does-not-fit': 0, error: 0 }, wallMs: 0, dbMs: 0, dbTotalMs: 0, mainBusyMs: 0 };
  // The preparation's database calls (open, resume check, meta) ran last, just before this point:
  // what of them passed before the workers were ready held nothing up (no point could start earlier).
  let hiddenDbMs = 0;
  if (todo.length) {
    const prepDb = db.busyMs;
    const prepEnd = performance.now();
    const readyAt = await pool.readyAt;
    hiddenDbMs = Number.isFinite(readyAt) ? Math.min(prepDb, Math.max(0, readyAt - (prepEnd - prepDb))) : 0;
  }
  const progress = makeProgress(o, mine.length, summary.resumed);
  await evaluateAndCommit(db, pool, todo, o, (rows) => {
    for (const r of rows) summary.byStatus[r.status]++;
    summary.evaluated += rows.length;
    progress.update(summary.resumed + summary.evaluated);
  });
  progress.stop();
  return { summary, hiddenDbMs };
}

async function evaluateAndCommit(db: SweepDb, pool: SweepPool, todo: Point[], o: SweepOptions, onCommitted: (rows: Row[]) => void): Promise<void> {
  let pending: Row[] = [];
  let writing: Promise<void> = Promise.resolve();
  const flush = () => {
    if (!pending.length) return writing;
    const batch = pending;
    pending = [];
    writing = writing.then(async () => {
      await db.insert(batch);
      onCommitted(batch);
    });
    return writing;
  };
  const timer = setInterval(() => void flush(), o.commitMs ?? COMMIT_MS);
  try {
    const { points, starts } = groupByDesign(todo, designKey);
    await pool.run(points, starts, (rows) => {
      for (const r of rows) pending.push(r);
      if (pending.length >= COMMIT_ROWS) void flush();
    });
    await flush();
  } finally {
    clearInterval(timer);
    await writing;
  }
}

function makeProgress(o: SweepOptions, total: number, start: number): { update: (done: number) => void; stop: () => void } {
  const t0 = Date.now();
  if (o.progress === 'bar') {
    const bar = new cliProgress.SingleBar({ format: 'sweep [{bar}] {value}/{total} points | {rate} points/s | ETA {eta_formatted}', etaBuffer: 200 }, cliProgress.Presets.shades_classic);
    bar.start(total, start, { rate: '0.0' });
    return { update: (d) => bar.update(d, { rate: ((d - start) / Math.max(0.001, (Date.now() - t0) / 1000)).toFixed(1) }), stop: () => bar.stop() };
  }
  if (o.progress === 'lines') {
    const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
    let last = 0;
    let tenth = Math.floor((start * 10) / Math.max(1, total));
    const line = (d: number) => {
      const s = (Date.now() - t0) / 1000;
      const rate = (d - start) / Math.max(0.001, s);
      log(`sweep: ${d}/${total} points, ${rate.toFixed(1)} points/s, ETA ${rate > 0 ? Math.ceil((total - d) / rate) : '?'} s`);
    };
    return {
      // a line every 2 s, at each tenth of the way, and at the end
      update: (d) => {
        const t = Math.floor((d * 10) / Math.max(1, total));
        if (Date.now() - last >= 2000 || t > tenth || d === total) {
          last = Date.now();
          tenth = t;
          line(d);
        }
      },
      stop: () => {},
    };
  }
  return { update: () => {}, stop: () => {} };
}
