// Sweep throughput: 2,000 analytic points of one small GEMM (64 x 64 x 64, int8) on the systolic target
// (20 row counts x 20 column counts x 5 buffer sizes), with 1 worker and with every core. Reports
// points/s over the whole run (worker start-up included) and over the evaluation alone (from the
// first committed batch on), and the database's share of the wall time.
// It runs the sweep as `tessera sweep` does: from the built package (dist/, `npm run build`), whose
// workers load compiled JavaScript; without dist/ it runs from the sources, whose workers each start
// tsx (about 2 s of start-up per worker, which the figures then include; the line says which).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { runSweep as RunSweep } from '../compiler/sweep/run';

const built = join(import.meta.dirname, '../dist/compiler/sweep/run.js');
const fromDist = existsSync(built);
const { runSweep } = (await import(fromDist ? pathToFileURL(built).href : '../compiler/sweep/run')) as { runSweep: typeof RunSweep };

const dir = mkdtempSync(join(tmpdir(), 'tessera-sweep-bench-'));
writeFileSync(join(dir, 'g.ein'), 'rank M = 64, N = 64, K = 64\ninput A[M, K]: int8\nweight B[K, N]: int8\nC[m, n] = A[m, k] * B[k, n]\noutput C\n');
writeFileSync(
  join(dir, 'spec.yaml'),
  'name: bench\ntargets: [systolic]\nworkloads: [g.ein]\nparameters:\n  rows: {from: 4, to: 80, step: 4}\n  cols: {from: 4, to: 80, step: 4}\n  glb: {from: 16 KiB, to: 256 KiB, times: 2}\n',
);
const cores = availableParallelism();
console.log(`sweep bench: 2,000 single-GEMM analytic points; ${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; ${fromDist ? 'built package (dist/)' : 'from the sources (tsx workers: npm run build for the figures users get)'}`);
const rates: number[] = [];
for (const workers of [...new Set([1, cores])]) {
  let first = 0;
  const t0 = performance.now();
  const s = await runSweep({ spec: join(dir, 'spec.yaml'), db: join(dir, `w${workers}.duckdb`), workers, progress: 'lines', log: () => (first ||= performance.now()) });
  const evalS = (performance.now() - first) / 1000;
  const rate = s.evaluated / (s.wallMs / 1000);
  rates.push(rate);
  console.log(
    `  ${workers} worker${workers > 1 ? 's' : ''}: ${s.evaluated} points in ${(s.wallMs / 1000).toFixed(2)} s = ${rate.toFixed(0)} points/s ` +
      `(after start-up ${(s.evaluated / evalS).toFixed(0)} points/s); database ${s.dbMs.toFixed(0)} ms = ${((100 * s.dbMs) / s.wallMs).toFixed(1)}% of the wall time; start-up ${((first - t0) / 1000).toFixed(2)} s`,
  );
}
if (rates.length > 1) console.log(`  speed-up 1 -> ${cores} workers: ${(rates[1]! / rates[0]!).toFixed(2)}x`);
rmSync(dir, { recursive: true, force: true });
