// `tessera sweep`: design-space sweeps (compiler/sweep, docs/SWEEP.md).
//   tessera sweep spec.yaml --db results.duckdb [--resume] [--workers N] [--shard i/n]
//   tessera sweep export --db F --csv FILE | --parquet FILE
//   tessera sweep pareto --db F --x latency --y energy [--z area]
//   tessera sweep merge --db OUT IN...
//   tessera sweep slurm spec.yaml --shards N [--k8s]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UserError } from '../user-error';

interface RunOpts {
  db?: string;
  resume?: boolean;
  workers?: string;
  shard?: string;
  quiet?: boolean;
  report?: string;
  json?: boolean;
}

async function runAction(spec: string, o: RunOpts): Promise<void> {
  if (o.db === undefined) throw new UserError('tessera sweep SPEC needs --db FILE (the DuckDB file the results go to)');
  const { runSweep } = await import('../../sweep/run');
  const { parseWorkers } = await import('../../sweep/pool');
  const { parseShard } = await import('../../sweep/shard');
  const shard = parseShard(o.shard);
  const s = await runSweep({ spec, db: o.db, resume: o.resume === true, workers: parseWorkers(o.workers), ...(shard ? { shard } : {}), progress: o.quiet || o.json ? 'none' : process.stderr.isTTY ? 'bar' : 'lines' });
  const rate = s.evaluated / Math.max(1e-9, s.wallMs / 1000);
  if (!o.json)
    process.stdout.write(
    `${o.db}: ${s.shardPoints} points${shard ? ` (shard ${shard.index}/${shard.count} of ${s.total})` : ''}; ${s.resumed} already done, ${s.evaluated} evaluated ` +
      `(ok ${s.byStatus.ok}, does not fit ${s.byStatus['does-not-fit']}, error ${s.byStatus.error}) in ${(s.wallMs / 1000).toFixed(1)} s, ${rate.toFixed(1)} points/s\n`,
  );
  if (o.report) {
    const { reportSweep } = await import('./report');
    await reportSweep(o.report, o.db, ['sweep', spec, '--db', o.db, ...(o.shard ? ['--shard', o.shard] : []), '--report', o.report]);
    if (!o.json) process.stdout.write(`report: ${o.report}\n`);
  }
  if (o.json) {
    const doc = { db: o.db, total: s.total, shardPoints: s.shardPoints, shard: shard ? { index: shard.index, count: shard.count } : null, resumed: s.resumed, evaluated: s.evaluated, byStatus: s.byStatus, wallSeconds: s.wallMs / 1000, report: o.report ?? null };
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  }
}

/** How to run this Tessera on a cluster node: node + this checkout's bin/tessera.js. */
function thisTessera(): string {
  const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../../..', 'bin/tessera.js');
  return `${process.execPath} ${bin}`;
}

/** `sweep export`: one row per point as CSV or Parquet. */
async function exportAction(o: { db: string; csv?: string; parquet?: string; json?: boolean }): Promise<void> {
  const { exportSweep } = await import('../../sweep/export');
  const n = await exportSweep(o.db, { ...(o.csv ? { csv: o.csv } : {}), ...(o.parquet ? { parquet: o.parquet } : {}) });
  if (o.json) process.stdout.write(JSON.stringify({ db: o.db, format: o.csv ? 'csv' : 'parquet', output: o.csv ?? o.parquet, points: n }, null, 2) + '\n');
  else process.stdout.write(`${o.csv ?? o.parquet}: ${n} points\n`);
}

/** `sweep pareto`: the front over two or three metrics. */
async function paretoAction(o: { db: string; x?: string; y?: string; z?: string; json?: boolean }): Promise<void> {
  const { checkMetric, formatFront, paretoFront } = await import('../../sweep/pareto');
  const { SweepDb } = await import('../../sweep/db');
  const metrics = [checkMetric('--x', o.x), checkMetric('--y', o.y), ...(o.z !== undefined ? [checkMetric('--z', o.z)] : [])];
  const db = await SweepDb.open(o.db, { mustExist: true, readOnly: true });
  const rows = await db.rows().finally(() => db.close());
  const front = paretoFront(rows, metrics);
  process.stdout.write(o.json ? JSON.stringify(front, null, 2) + '\n' : formatFront(front, metrics, rows.length));
}

/** `sweep merge`: fold shard databases into one. */
async function mergeAction(inputs: string[], o: { db: string; json?: boolean }): Promise<void> {
  const { SweepDb } = await import('../../sweep/db');
  if (inputs.some((f) => resolve(f) === resolve(o.db))) throw new UserError(`sweep merge: ${o.db} is both the output and an input`);
  const db = await SweepDb.open(o.db);
  try {
    let added = 0;
    for (const f of inputs) added += await db.mergeFrom(f);
    const total = await db.count();
    if (o.json) process.stdout.write(JSON.stringify({ db: o.db, inputs, added, total }, null, 2) + '\n');
    else process.stdout.write(`${o.db}: ${added} points added from ${inputs.length} databases, ${total} in all\n`);
  } finally {
    await db.close();
  }
}

/** `sweep slurm`: an sbatch job array, or with --k8s a Kubernetes Indexed Job, one shard per task. */
async function slurmAction(spec: string, o: { shards: string; out?: string; cpus: string; tessera?: string; k8s?: boolean; image: string; claim: string; output?: string; json?: boolean }): Promise<void> {
  const { parseShards, slurmScript, k8sManifest } = await import('../../sweep/cluster');
  const { loadSweepSpec } = await import('../../sweep/spec');
  const s = loadSweepSpec(spec); // a bad spec fails here, not on the cluster
  const shards = parseShards(o.shards);
  const cpus = parseShards(o.cpus);
  const base = { shards, cpus, name: s.name, out: o.out ?? `sweep-${s.name}` };
  // Slurm opens each task's --output file before the script runs: the folder must exist
  if (!o.k8s) mkdirSync(base.out, { recursive: true });
  const text = o.k8s
    ? k8sManifest({ ...base, spec: relative(process.cwd(), resolve(spec)), tessera: o.tessera ?? 'npx tessera', image: o.image, claim: o.claim })
    : slurmScript({ ...base, spec, tessera: o.tessera ?? thisTessera() });
  if (o.output) writeFileSync(o.output, text, { mode: 0o755 });
  if (o.json) process.stdout.write(JSON.stringify({ kind: o.k8s ? 'k8s' : 'slurm', shards, output: o.output ?? null, script: text }, null, 2) + '\n');
  else if (!o.output) process.stdout.write(text);
}

export function register(program: Command): void {
  const sweep = program.command('sweep').description('sweep a design space (spec.yaml) into a DuckDB file; export, rank, merge, and shard it over Slurm or Kubernetes');
  sweep
    .command('run', { isDefault: true })
    .description('evaluate every point of spec.yaml (the default: tessera sweep spec.yaml --db F)')
    .argument('<spec>', 'sweep spec (YAML; docs/SWEEP.md)')
    .option('--db <file>', 'DuckDB file the results go to')
    .option('--resume', 'continue a sweep this database already holds: skip its finished points')
    .option('--workers <n>', 'worker threads (default: every core)')
    .option('--shard <i/n>', 'evaluate only shard i of n (0 <= i < n), balanced by estimated cost')
    .option('--quiet', 'no progress output')
    .option('--report <file>', 'then draw the database as a self-contained HTML page (Pareto front, each metric against each parameter)')
    .option('--json', 'no progress; print the summary as JSON (docs/schema/sweep-run.schema.json)')
    .action(runAction);
  sweep
    .command('export')
    .description('write one row per point as CSV or Parquet')
    .requiredOption('--db <file>', 'sweep database')
    .option('--csv <file>', 'CSV output')
    .option('--parquet <file>', 'Parquet output')
    .option('--json', 'print what was written as JSON (docs/schema/sweep-export.schema.json)')
    .action(exportAction);
  sweep
    .command('pareto')
    .description('the Pareto front over two or three metrics (latency, energy, area, utilization, offchip, pes, onchip_bytes, ...)')
    .requiredOption('--db <file>', 'sweep database')
    .option('--x <metric>', 'first metric')
    .option('--y <metric>', 'second metric')
    .option('--z <metric>', 'third metric (optional)')
    .option('--json', 'print the front as JSON rows')
    .action(paretoAction);
  sweep
    .command('merge')
    .description('fold shard databases into one (points already there are kept; merging twice changes nothing)')
    .requiredOption('--db <file>', 'the database to merge into (created if absent)')
    .argument('<shards...>', 'shard databases')
    .option('--json', 'print the counts as JSON (docs/schema/sweep-merge.schema.json)')
    .action(mergeAction);
  sweep
    .command('slurm')
    .description('write an sbatch job-array script (or with --k8s a Kubernetes Indexed Job) running one shard per task')
    .argument('<spec>', 'sweep spec (YAML)')
    .requiredOption('--shards <n>', 'number of shards (array tasks, Job completions)')
    .option('--out <dir>', 'folder of the shard databases (default sweep-<name>)')
    .option('--cpus <n>', 'cores per task (default 1)', '1')
    .option('--tessera <cmd>', 'command that runs tessera on the nodes (default: node and this checkout)')
    .option('--k8s', 'write a Kubernetes Indexed Job manifest (shard from JOB_COMPLETION_INDEX) instead')
    .option('--image <image>', 'with --k8s: container image with tessera installed', 'node:20')
    .option('--claim <pvc>', 'with --k8s: PersistentVolumeClaim holding the spec folder, mounted at /work', 'tessera-work')
    .option('-o, --output <file>', 'write the script here (default stdout)')
    .option('--json', 'print the script in a JSON document (docs/schema/sweep-slurm.schema.json)')
    .action(slurmAction);
}

