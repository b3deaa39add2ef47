// Beyond one machine: a real single-node Slurm (scripts/slurm/start.sh: Debian's slurm-wlm and munge,
// installed as root when missing) runs a 4-shard sweep as one job array through `sbatch --array --wait`;
// the shard databases merged equal a local run of the same spec, point for point. Where this is not
// root and Slurm is not installed, the test is reported skipped with the reason; as root (CI) it runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SweepDb } from '../../compiler/sweep/db';
import { runSweep } from '../../compiler/sweep/run';
import type { Row } from '../../compiler/sweep/types';
import { runCli } from '../helpers/cli';

const ROOT = join(import.meta.dirname, '..', '..');
const SPEC = join(ROOT, 'test', 'fixtures', 'sweep', 'slurm.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'tessera-slurm-'));
const state = join(tmp, 'slurm');
let unavailable: string | undefined;

beforeAll(() => {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'slurm', 'start.sh'), state], { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 3 && process.getuid?.() !== 0) {
    unavailable = `Slurm test skipped: ${r.stdout.trim()} (it runs as root, as in CI)`;
    console.warn(unavailable);
  } else if (r.status !== 0) throw new Error(`scripts/slurm/start.sh failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
}, 320_000);

afterAll(() => {
  if (existsSync(state)) spawnSync('bash', [join(ROOT, 'scripts', 'slurm', 'stop.sh'), state]);
  rmSync(tmp, { recursive: true, force: true });
});

async function rowsOf(file: string): Promise<Row[]> {
  const db = await SweepDb.open(file, { readOnly: true });
  try {
    return await db.rows();
  } finally {
    await db.close();
  }
}

it('a 4-shard sweep on Slurm (sbatch --array --wait), merged, equals a local run point for point', async (ctx) => {
  if (unavailable) return ctx.skip(unavailable);
  const out = join(tmp, 'shards');
  const script = join(tmp, 'sweep.sbatch');
  const w = await runCli(['sweep', 'slurm', SPEC, '--shards', '4', '--out', out, '-o', script]);
  expect(w.code, w.err).toBe(0);
  const env = { ...process.env, SLURM_CONF: join(state, 'slurm.conf') };
  execFileSync('sbatch', ['--wait', script], { env, timeout: 240_000, encoding: 'utf8' });
  const shards = readdirSync(out).filter((f) => f.endsWith('.duckdb')).sort();
  expect(shards).toEqual(['shard-0.duckdb', 'shard-1.duckdb', 'shard-2.duckdb', 'shard-3.duckdb']);
  const sizes = await Promise.all(shards.map(async (f) => (await rowsOf(join(out, f))).length));
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(48);
  for (const n of sizes) expect(n).toBeGreaterThan(0);

  const merged = join(tmp, 'merged.duckdb');
  const m = await runCli(['sweep', 'merge', '--db', merged, ...shards.map((f) => join(out, f))]);
  expect(m.code, m.err).toBe(0);
  const local = join(tmp, 'local.duckdb');
  await runSweep({ spec: SPEC, db: local, workers: 2, progress: 'none' });
  const strip = (r: Row) => ({ ...r, eval_ms: 0 });
  const got = await rowsOf(merged);
  expect(got.every((r) => r.status === 'ok')).toBe(true);
  expect(got.map(strip)).toEqual((await rowsOf(local)).map(strip));
}, 300_000);
