// Sweep throughput: 2,000 analytic points of one small GEMM (64 x 64 x 64, int8) on the systolic target
// (20 row counts x 20 column counts x 5 buffer sizes), with 1 worker and with every core. Reports
// points/s over the whole run (worker start-up included) and over the evaluation alone (from the
// first committed batch on), the database's share of the wall time, and where the CPU went: the
// process's CPU time over the wall time (the cores it kept busy) and the main thread's busy time
// (event-loop utilisation: planning, commits, progress; the workers evaluate). The database's share is
// the main thread's time in (or awaiting) database calls over the wall, less what of the preparation's
// (opening the file, the resume check) passed while the workers were still loading (SweepSummary.dbMs);
// the share with that part counted too is printed beside it. On Linux it also
// reports the CPU time other processes took during the run (from /proc/stat), to tell an idle
// machine's figures from a shared one's.
//
// It runs the sweep as `tessera sweep` does: from the built package (dist/, `npm run build`), whose
// workers load compiled JavaScript; without dist/ it runs from the sources, whose workers each start
// tsx (about 2 s of start-up per worker, which the figures then include; the line says which).
// With one worker the process still uses more than one core (the main thread's commits, V8's
// compiler threads), so on Linux with `taskset` it also runs the 1-worker case pinned to one core (a
// child process under `taskset -c 0`): the speed-up from one core to every core, beside the speed-up
// from one worker to one per core.
// SWEEP_BENCH_RUNS=3 runs each case three times (alternating) and prints the medians;
// SWEEP_BENCH_DIST=dir takes the built package from another folder (a `bin/build.mjs --outdir=dir`).
// SWEEP_BENCH_POINTS=10000 or 20000 sweeps 5 or 10 DRAM bandwidths too (the same designs otherwise): each
// worker's fixed costs (its module load, V8 compiling the hot code for its own isolate) are then spread
// over more points, which shows how the speed-up from 1 to 2 workers depends on the sweep's length.
// SWEEP_BENCH_NO_PIN=1 leaves out the pinned 1-worker case.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { runSweep as RunSweep } from '../compiler/sweep/run';

const distDir = resolve(import.meta.dirname, '..', process.env.SWEEP_BENCH_DIST ?? 'dist');
const built = join(distDir, 'compiler/sweep/run.js');
const fromDist = existsSync(built);
const { runSweep } = (await import(fromDist ? pathToFileURL(built).href : '../compiler/sweep/run')) as { runSweep: typeof RunSweep };
const runs = Math.max(1, Number(process.env.SWEEP_BENCH_RUNS ?? 1) || 1);
/** the DRAM bandwidths swept for each SWEEP_BENCH_POINTS (GB/s); 2,000 points keep the .arch's one */
const BANDWIDTHS: Record<string, number[]> = { '2000': [], '10000': [5, 10, 20, 40, 80], '20000': [5, 10, 15, 20, 30, 40, 50, 60, 70, 80] };
const pointsArg = process.env.SWEEP_BENCH_POINTS ?? '2000';
const bandwidths = BANDWIDTHS[pointsArg];
if (!bandwidths) throw new Error(`SWEEP_BENCH_POINTS=${pointsArg}: expected one of ${Object.keys(BANDWIDTHS).join(', ')}`);
const totalPoints = 2000 * Math.max(1, bandwidths.length);

const dir = mkdtempSync(join(tmpdir(), 'tessera-sweep-bench-'));
writeFileSync(join(dir, 'g.ein'), 'rank M = 64, N = 64, K = 64\ninput A[M, K]: int8\nweight B[K, N]: int8\nC[m, n] = A[m, k] * B[k, n]\noutput C\n');
writeFileSync(
  join(dir, 'spec.yaml'),
  'name: bench\ntargets: [systolic]\nworkloads: [g.ein]\nparameters:\n  rows: {from: 4, to: 80, step: 4}\n  cols: {from: 4, to: 80, step: 4}\n  glb: {from: 16 KiB, to: 256 KiB, times: 2}\n' +
    (bandwidths.length ? `  dram_bandwidth: [${bandwidths.map((b) => `${b} GB/s`).join(', ')}]\n` : ''),
);

/** Busy CPU milliseconds of the whole machine so far (Linux), or undefined. */
function machineBusyMs(): number | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10; // USER_HZ = 100
}

/** CPU milliseconds of each thread of this process so far, by thread id (Linux), or undefined. */
function threadCpuMs(): Map<number, number> | undefined {
  if (!existsSync('/proc/self/task')) return undefined;
  const out = new Map<number, number>();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const st = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      out.set(Number(t), (Number(f[11]) + Number(f[12])) * 10); // utime + stime, USER_HZ = 100
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/**
 * Where the CPU went during a run (Linux): the main thread, the threads the run started (the sweep's
 * workers), and the threads that were there before (V8's compiler and GC helpers, libuv). Sampled
 * every 100 ms, so a worker's last tenth of a second before it is terminated may be missed.
 */
function threadSampler(): { stop: () => { mainS: number; workersS: number; helpersS: number } | undefined } {
  const before = threadCpuMs();
  if (!before) return { stop: () => undefined };
  const last = new Map(before);
  const sample = () => {
    for (const [t, ms] of threadCpuMs() ?? []) last.set(t, Math.max(ms, last.get(t) ?? 0));
  };
  const timer = setInterval(sample, 100);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      const sums = { mainS: 0, workersS: 0, helpersS: 0 };
      for (const [t, ms] of last) {
        const d = (ms - (before.get(t) ?? 0)) / 1000;
        if (t === process.pid) sums.mainS += d;
        else if (before.has(t)) sums.helpersS += d;
        else sums.workersS += d;
      }
      return sums;
    },
  };
}

interface Run {
  points: number;
  wallS: number;
  rate: number;
  evalRate: number;
  startS: number;
  dbPct: number;
  dbAllPct: number;
  cores: number;
  mainPct: number;
  othersS: number | undefined;
  threads: { mainS: number; workersS: number; helpersS: number } | undefined;
}

let seq = 0;
async function once(workers: number): Promise<Run> {
  let first = 0;
  const busy0 = machineBusyMs();
  const cpu0 = process.cpuUsage();
  const sampler = threadSampler();
  const t0 = performance.now();
  const s = await runSweep({ spec: join(dir, 'spec.yaml'), db: join(dir, `r${seq++}.duckdb`), workers, progress: 'lines', log: () => (first ||= performance.now()) });
  const threads = sampler.stop();
  const cpu = process.cpuUsage(cpu0);
  const busy1 = machineBusyMs();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    points: s.evaluated,
    wallS: s.wallMs / 1000,
    rate: s.evaluated / (s.wallMs / 1000),
    evalRate: s.evaluated / ((performance.now() - first) / 1000),
    startS: (first - t0) / 1000,
    dbPct: (100 * s.dbMs) / s.wallMs,
    dbAllPct: (100 * (s.dbTotalMs ?? s.dbMs)) / s.wallMs, // a build before stop 25 counted everything in dbMs
    cores: cpuMs / s.wallMs,
    mainPct: (100 * s.mainBusyMs) / s.wallMs,
    othersS: busy0 !== undefined && busy1 !== undefined ? Math.max(0, busy1 - busy0 - cpuMs) / 1000 : undefined,
    threads,
  };
}

function line(workers: number, r: Run, label = ''): string {
  return (
    `  ${workers} worker${workers > 1 ? 's' : ''}${label}: ${r.points} points in ${r.wallS.toFixed(2)} s = ${r.rate.toFixed(0)} points/s ` +
    `(after start-up ${r.evalRate.toFixed(0)} points/s); database ${r.dbPct.toFixed(1)}% of the wall time (${r.dbAllPct.toFixed(1)}% with its part hidden behind the workers' start-up); start-up ${r.startS.toFixed(2)} s; ` +
    `${r.cores.toFixed(2)} cores busy, main thread busy ${r.mainPct.toFixed(0)}% of the wall` +
    (r.threads ? ` (CPU: main thread ${r.threads.mainS.toFixed(2)} s, workers ${r.threads.workersS.toFixed(2)} s, V8/libuv helpers ${r.threads.helpersS.toFixed(2)} s)` : '') +
    (r.othersS !== undefined ? `; other processes ${r.othersS.toFixed(1)} s of CPU` : '')
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function medianRun(rs: Run[]): Run {
  const m = (k: Exclude<keyof Run, 'threads'>) => median(rs.map((r) => r[k] ?? 0));
  const t = (k: 'mainS' | 'workersS' | 'helpersS') => median(rs.map((r) => r.threads?.[k] ?? 0));
  return {
    points: rs[0]!.points,
    wallS: m('wallS'),
    rate: m('rate'),
    evalRate: m('evalRate'),
    startS: m('startS'),
    dbPct: m('dbPct'),
    dbAllPct: m('dbAllPct'),
    cores: m('cores'),
    mainPct: m('mainPct'),
    othersS: rs[0]!.othersS === undefined ? undefined : m('othersS'),
    threads: rs[0]!.threads ? { mainS: t('mainS'), workersS: t('workersS'), helpersS: t('helpersS') } : undefined,
  };
}

/** The 1-worker case in a child process pinned to core 0, or undefined where taskset is missing. */
function pinned(): Run | undefined {
  const r = spawnSync('taskset', ['-c', '0', process.execPath, ...process.execArgv, import.meta.filename], { env: { ...process.env, SWEEP_BENCH_PINNED_CHILD: '1' }, encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Run;
}

// The main thread's one-off costs (loading DuckDB, compiling the planner) are paid once here, in a
// sweep of 4 points that is not reported, so the first case measured does not carry them alone.
writeFileSync(join(dir, 'warm.yaml'), 'name: warm\ntargets: [systolic]\nworkloads: [g.ein]\nparameters:\n  rows: [4, 8]\n  cols: [4, 8]\n');
await runSweep({ spec: join(dir, 'warm.yaml'), db: join(dir, 'warm.duckdb'), workers: 1, progress: 'none' });

if (process.env.SWEEP_BENCH_PINNED_CHILD) {
  console.log(JSON.stringify(await once(1)));
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const cores = availableParallelism();
console.log(
  `sweep bench: ${totalPoints.toLocaleString('en')} single-GEMM analytic points; ${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; ` +
    `${fromDist ? `built package (${distDir})` : 'from the sources (tsx workers: npm run build for the figures users get)'}; ${runs} run${runs > 1 ? 's' : ''} per case`,
);
const cases = [...new Set([1, cores])];
const results = new Map<number, Run[]>(cases.map((w) => [w, []]));
const onOneCore: Run[] = [];
const canPin = !process.env.SWEEP_BENCH_NO_PIN && cores > 1 && process.platform === 'linux' && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
for (let i = 0; i < runs; i++) {
  const tag = runs > 1 ? ` (run ${i + 1})` : '';
  for (const workers of cases) {
    const r = await once(workers);
    results.get(workers)!.push(r);
    console.log(line(workers, r, tag));
  }
  const p = canPin ? pinned() : undefined;
  if (p) {
    onOneCore.push(p);
    console.log(line(1, p, `, pinned to one core${tag}`));
  }
}
const med = cases.map((w) => medianRun(results.get(w)!));
if (runs > 1) {
  for (let k = 0; k < cases.length; k++) console.log(line(cases[k]!, med[k]!, ', median'));
  if (onOneCore.length) console.log(line(1, medianRun(onOneCore), ', pinned to one core, median'));
}
if (cases.length > 1) {
  console.log(`  speed-up 1 -> ${cores} workers: ${(med[1]!.rate / med[0]!.rate).toFixed(2)}x (after start-up ${(med[1]!.evalRate / med[0]!.evalRate).toFixed(2)}x)`);
  // The ceiling: two workers on `cores` cores finish no sooner than their CPU time over `cores`,
  // so the speed-up is at most cores x (the 1-worker wall) / (the 2-worker run's CPU time). The
  // 2-worker run does all the 1-worker run's work plus a second isolate's loading and compiling,
  // so this is at most cores / (cores busy with 1 worker). Per pair of runs, medians.
  const pairs = results.get(1)!.map((r1, i) => ({ r1, rN: results.get(cores)![i]! }));
  const ceiling = median(pairs.map(({ r1, rN }) => (cores * r1.wallS) / (rN.cores * rN.wallS)));
  const share = median(pairs.map(({ r1, rN }) => r1.wallS / rN.wallS / ((cores * r1.wallS) / (rN.cores * rN.wallS))));
  console.log(
    `  ceiling on that speed-up from the CPU the runs took: ${ceiling.toFixed(2)}x (${cores} x the 1-worker wall / the ${cores}-worker run's CPU; measured ${(100 * share).toFixed(0)}% of it); ` +
      `with 1 worker the process already keeps ${med[0]!.cores.toFixed(2)} cores busy, which alone caps it at ${(cores / med[0]!.cores).toFixed(2)}x`,
  );
  if (onOneCore.length) {
    const one = medianRun(onOneCore);
    console.log(`  speed-up 1 worker on one core -> ${cores} workers on ${cores} cores: ${(med[1]!.rate / one.rate).toFixed(2)}x (after start-up ${(med[1]!.evalRate / one.evalRate).toFixed(2)}x)`);
  }
}
rmSync(dir, { recursive: true, force: true });
