// Start-up time of the CLI, as a user sees it: wall time of whole processes, each command paired with a
// bare `node -e 0` run just before it (so both see the same machine load), medians over the runs.
// Goal: `tessera --version` within 3x of bare node. Commands: --version, --help, check, scalesim, run.
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

const COMMANDS: [string, string[]][] = [
  ['--version', ['--version']],
  ['--help', ['--help']],
  ['check examples/gemm/gemm.ein', ['check', 'examples/gemm/gemm.ein']],
  ['scalesim gpt2.csv google.cfg', ['scalesim', '--config', join(SCALESIM, 'google.cfg'), '--topology', join(SCALESIM, 'gpt2.csv'), '--outdir', outdir]],
  ['run gemm.ein --target tpu-v1', ['run', 'examples/gemm/gemm.ein', '--target', 'tpu-v1']],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timed(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return ms;
}

/** Whether bin/tessera.js will run dist/ (built and no source newer than the build). */
function distCurrent(): boolean {
  const stampFile = join(ROOT, 'dist/build-stamp.json');
  if (!existsSync(stampFile)) return false;
  const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as { entries: [string, number][] };
  return stamp.entries.every(([p, m]) => existsSync(join(ROOT, p)) && Math.trunc(statSync(join(ROOT, p)).mtimeMs) === m);
}

function measure(label: string, runs: number, env: NodeJS.ProcessEnv): void {
  console.log(`\n${label}: medians of ${runs} paired runs (bare node just before each)`);
  console.log(`  ${'command'.padEnd(34)} ${'tessera'.padStart(9)} ${'bare node'.padStart(10)} ${'ratio'.padStart(7)}`);
  for (const [name, args] of COMMANDS) {
    if (name.startsWith('scalesim') && !existsSync(SCALESIM)) {
      console.log(`  ${name.padEnd(34)} skipped: no data/scalesim`);
      continue;
    }
    timed([BIN, ...args], env); // warm the file cache
    const bare: number[] = [];
    const cmd: number[] = [];
    const ratio: number[] = [];
    for (let i = 0; i < runs; i++) {
      const b = timed(['-e', '0']);
      const c = timed([BIN, ...args], env);
      bare.push(b);
      cmd.push(c);
      ratio.push(c / b);
    }
    console.log(`  ${name.padEnd(34)} ${median(cmd).toFixed(0).padStart(6)} ms ${median(bare).toFixed(0).padStart(7)} ms ${median(ratio).toFixed(2).padStart(6)}x`);
  }
}

console.log(`node ${process.version}, ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
try {
  const current = distCurrent();
  if (current) {
    measure('built (dist/)', RUNS, { ...process.env, TESSERA_FROM_SOURCE: '' });
    measure('from source (tsx)', Math.max(3, Math.ceil(RUNS / 3)), { ...process.env, TESSERA_FROM_SOURCE: '1' });
  } else {
    console.log('\ndist/ is missing or older than the sources (npm run build): bin/tessera.js runs through tsx');
    measure('from source (tsx)', RUNS, process.env);
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
