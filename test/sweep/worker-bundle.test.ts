// The built package starts the sweep's workers from a bundle (dist/cli/sweep-worker.js and the chunks it
// shares, made by bin/build.mjs; the ONNX importer a chunk loaded only for an ONNX workload) rather than
// the per-file module graph. Built here into a private folder (the build
// without declarations), the package's pool must pick the bundle, and a sweep run through it must store
// exactly the rows the sources' pool stores for the same spec (eval_ms aside): the bundle resolves the
// built-in targets and data relative to its per-file twins, as the per-file build does.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SweepDb } from '../../compiler/sweep/db';
import { runSweep } from '../../compiler/sweep/run';
import type { Row } from '../../compiler/sweep/types';
import type { SweepSummary } from '../../compiler/sweep/run';

const ROOT = join(import.meta.dirname, '../..');
const SPEC = join(ROOT, 'test/fixtures/sweep/small.yaml');
const OUTDIR = join(ROOT, `dist.sweep-worker-test-${process.pid}.tmp`);
const tmp = mkdtempSync(join(tmpdir(), 'tessera-worker-bundle-'));

beforeAll(() => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/build.mjs'), '--quiet', '--no-dts', `--outdir=${OUTDIR}`], { cwd: ROOT, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 240_000);

afterAll(() => {
  rmSync(OUTDIR, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

/** The rows, eval_ms aside; a message naming a built-in target's file names it under the package's root
 * (the built package reads its own copy: OUTDIR/targets/..., which shows the bundle found it there). */
/** Runs an ES module snippet against the built package in a plain Node process; returns its JSON output. */
let scripts = 0;
function builtNode(code: string): unknown {
  // a file, not --input-type with -e: the sweep's worker threads inherit the process's flags
  const file = join(tmp, `script-${scripts++}.mjs`);
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

async function rowsOf(file: string, root: string): Promise<Row[]> {
  const db = await SweepDb.open(file, { readOnly: true });
  try {
    return (await db.rows()).map((r) => ({ ...r, eval_ms: 0, message: r.message?.split(root).join('<root>') ?? null }));
  } finally {
    await db.close();
  }
}

describe('the bundled sweep worker', () => {
  it('is what the built pool starts', () => {
    const bundle = join(OUTDIR, 'cli/sweep-worker.js');
    expect(existsSync(bundle)).toBe(true);
    const url = builtNode(`const { sweepWorkerUrl } = await import(${JSON.stringify(pathToFileURL(join(OUTDIR, 'compiler/sweep/pool.js')).href)}); process.stdout.write(JSON.stringify(sweepWorkerUrl().href));`);
    expect(fileURLToPath(url as string)).toBe(bundle);
  });

  it('stores the same rows as the sources’ workers, point for point', async () => {
    const a = join(tmp, 'bundle.duckdb');
    const b = join(tmp, 'sources.duckdb');
    const opts = JSON.stringify({ spec: SPEC, db: a, workers: 2, progress: 'none' });
    const sa = builtNode(`const { runSweep } = await import(${JSON.stringify(pathToFileURL(join(OUTDIR, 'compiler/sweep/run.js')).href)}); process.stdout.write(JSON.stringify(await runSweep(${opts})));`) as SweepSummary;
    const sb = await runSweep({ spec: SPEC, db: b, workers: 2, progress: 'none' });
    expect(sa.evaluated).toBe(sb.evaluated);
    expect(sa.byStatus).toEqual(sb.byStatus);
    expect(sa.byStatus.ok).toBeGreaterThan(0);
    expect(sa.byStatus.error).toBeGreaterThan(0); // the small spec's point with an unknown dataflow
    // the database's time: commits and the close always count; of the preparation's, only what outlasted
    // the workers' start-up, so the share is between the commits' time and everything
    for (const s of [sa, sb]) {
      expect(s.dbMs).toBeGreaterThan(0);
      expect(s.dbMs).toBeLessThanOrEqual(s.dbTotalMs);
      expect(s.dbTotalMs).toBeLessThan(s.wallMs);
    }
    const fromBundle = await rowsOf(a, OUTDIR);
    expect(fromBundle.some((r) => r.message?.startsWith('<root>/targets/systolic/systolic.arch:'))).toBe(true);
    expect(fromBundle).toEqual(await rowsOf(b, ROOT));
  }, 120_000);

  it('loads the ONNX importer (a chunk of its own, not loaded at start-up) for an ONNX workload', async () => {
    const spec = join(tmp, 'onnx.yaml');
    writeFileSync(spec, `name: onnx\ntargets: [fusemax, flat]\nworkloads: [${JSON.stringify(join(ROOT, 'test/fixtures/onnx/mlp.onnx'))}]\n`);
    const worker = readFileSync(join(OUTDIR, 'cli/sweep-worker.js'), 'utf8');
    expect(worker).not.toMatch(/from\s*"protobufjs"/);
    const a = join(tmp, 'onnx-bundle.duckdb');
    const b = join(tmp, 'onnx-sources.duckdb');
    const opts = JSON.stringify({ spec, db: a, workers: 2, progress: 'none' });
    const sa = builtNode(`const { runSweep } = await import(${JSON.stringify(pathToFileURL(join(OUTDIR, 'compiler/sweep/run.js')).href)}); process.stdout.write(JSON.stringify(await runSweep(${opts})));`) as SweepSummary;
    await runSweep({ spec, db: b, workers: 2, progress: 'none' });
    expect(sa.byStatus).toEqual({ ok: 2, 'does-not-fit': 0, error: 0 });
    expect(await rowsOf(a, OUTDIR)).toEqual(await rowsOf(b, ROOT));
  }, 120_000);
});
