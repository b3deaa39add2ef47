// Start-up time of the CLI, as a user sees it: wall time of whole processes, each command paired with a
// bare `node -e 0` run just before it (so both see the same machine load), medians over the runs.
// Goals (issue 13): `tessera --version` within 3x of bare node; `tessera scalesim` of gpt2 on google.cfg
// under 0.35 s; LLaMA-2-7B prefill (data/models/llama-2-7b.json, s=2048, b=1, lowered to .ein once by
// the bench) analytic on fusemax under 1 s. Commands: --version, --help, check, scalesim, run, lower.
// Each line also gives the median CPU time (user + system, children) of the command: on a shared machine
// the wall time carries the other load, the CPU time the command's own work.
// bin/tessera.js runs dist/ when it is built and current, else tsx; both paths are timed when dist/ is
// current (the tsx one with fewer runs), so one run of this bench gives the before/after.
// Run: npm run bench -- startup   (STARTUP_RUNS=n for more or fewer runs; default 9)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/tessera.js');
const RUNS = Number(process.env.STARTUP_RUNS ?? 9);
const SCALESIM = join(ROOT, 'data/scalesim');
const outdir = mkdtempSync(join(tmpdir(), 'tessera-startup-'));

const LLAMA = join(ROOT, 'data/models/llama-2-7b.json');
const LLAMA_EIN = join(outdir, 'llama-2-7b-prefill.ein');
const LLAMA_LOWER = ['lower', '--model', LLAMA, '--phase', 'prefill', '--seq', '2048', '--batch', '1', '-o', LLAMA_EIN];

const COMMANDS: [string, string[]][] = [
  ['--version', ['--version']],
  ['--help', ['--help']],
  ['check examples/gemm/gemm.ein', ['check', 'examples/gemm/gemm.ein']],
  ['scalesim gpt2.csv google.cfg', ['scalesim', '--config', join(SCALESIM, 'google.cfg'), '--topology', join(SCALESIM, 'gpt2.csv'), '--outdir', outdir]],
  ['run gemm.ein --target tpu-v1', ['run', 'examples/gemm/gemm.ein', '--target', 'tpu-v1']],
  ['lower llama-2-7b prefill s2048', LLAMA_LOWER],
  ['run llama-2-7b prefill --target fusemax', ['run', LLAMA_EIN, '--target', 'fusemax']],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// Every process (bare node too) reports its own CPU time (all threads: JIT, GC) on stderr as it exits.
const CPU_PRELOAD = `data:text/javascript,${encodeURIComponent("import { writeSync } from 'node:fs'; process.on('exit', () => { const u = process.cpuUsage(); writeSync(2, `\\nTESSERA_BENCH_CPU_US=${u.user + u.system}\\n`); });")}`;

interface Timing {
  wall: number;
  cpu: number;
}

function timed(args: string[], env: NodeJS.ProcessEnv = process.env): Timing {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--import', CPU_PRELOAD, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const wall = performance.now() - t;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  const cpu = Number(/TESSERA_BENCH_CPU_US=(\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1000;
  return { wall, cpu };
}

/** Whether bin/tessera.js will run dist/ (built and no source newer than the build). */
function distCurrent(): boolean {
  const stampFile = join(ROOT, 'dist/build-stamp.json');
  if (!existsSync(stampFile)) return false;
  const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as { entries: [string, number][] };
  return stamp.entries.every(([p, m]) => existsSync(join(ROOT, p)) && Math.trunc(statSync(join(ROOT, p)).mtimeMs) === m);
}

function measure(label: string, runs: number, env: NodeJS.ProcessEnv): void {
  console.log(`\n${label}: medians of ${runs} paired runs (bare node just before each); wall time, then CPU time`);
  console.log(`  ${'command'.padEnd(40)} ${'tessera'.padStart(9)} ${'bare node'.padStart(10)} ${'ratio'.padStart(7)}   ${'cpu'.padStart(8)} ${'bare cpu'.padStart(9)} ${'ratio'.padStart(7)}`);
  for (const [name, args] of COMMANDS) {
    if (name.startsWith('scalesim') && !existsSync(SCALESIM)) {
      console.log(`  ${name.padEnd(40)} skipped: no data/scalesim`);
      continue;
    }
    timed([BIN, ...args], env); // warm the file cache
    const bare: Timing[] = [];
    const cmd: Timing[] = [];
    for (let i = 0; i < runs; i++) {
      bare.push(timed(['-e', '0']));
      cmd.push(timed([BIN, ...args], env));
    }
    const col = (k: keyof Timing) => {
      const c = median(cmd.map((x) => x[k]));
      const b = median(bare.map((x) => x[k]));
      const ratio = median(cmd.map((x, i) => x[k] / bare[i]![k]));
      return `${c.toFixed(0).padStart(6)} ms ${b.toFixed(0).padStart(7)} ms ${ratio.toFixed(2).padStart(6)}x`;
    };
    console.log(`  ${name.padEnd(40)} ${col('wall')}   ${col('cpu')}`);
  }
}

console.log(`node ${process.version}, ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
try {
  timed([BIN, ...LLAMA_LOWER], { ...process.env, TESSERA_FROM_SOURCE: '1' }); // the .ein the LLaMA run reads
  const current = distCurrent();
  const built = existsSync(join(ROOT, 'dist/build-stamp.json'));
  if (built && !current) console.log('\ndist/ is older than some sources (others edit the tree): measured anyway, through TESSERA_FROM_DIST=1');
  if (built) {
    measure('built (dist/)', RUNS, { ...process.env, TESSERA_FROM_SOURCE: '', TESSERA_FROM_DIST: '1' });
    measure('from source (tsx)', Math.max(3, Math.ceil(RUNS / 3)), { ...process.env, TESSERA_FROM_SOURCE: '1', TESSERA_FROM_DIST: '' });
  } else {
    console.log('\ndist/ is missing (npm run build): bin/tessera.js runs through tsx');
    measure('from source (tsx)', RUNS, process.env);
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
