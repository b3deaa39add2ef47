// kill -9 and --resume: a real `tessera sweep` process is killed with SIGKILL about halfway (once its
// progress lines, which count committed points, pass 40%), then the same command with --resume
// finishes it. Nothing committed is lost, nothing is evaluated twice, nothing is stored twice, and the
// final database equals an uninterrupted run point for point.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SweepDb } from '../../compiler/sweep/db';
import { runSweep } from '../../compiler/sweep/run';
import type { Row } from '../../compiler/sweep/types';

const ROOT = join(import.meta.dirname, '..', '..');
const SPEC = join(ROOT, 'test', 'fixtures', 'sweep', 'kill.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'tessera-kill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const content = (r: Row) => ({ ...r, eval_ms: 0 });
/** the points of kill.yaml: 15 array shapes x 6 buffers x 3 dataflows x 6 bandwidths */
const TOTAL = 15 * 6 * 3 * 6;

async function rowsOf(file: string): Promise<Row[]> {
  const db = await SweepDb.open(file, { readOnly: true });
  try {
    return await db.rows();
  } finally {
    await db.close();
  }
}

/** Runs the CLI; with `killAt`, SIGKILLs it once a progress line reports that fraction committed. */
function sweepProcess(db: string, extra: string[], killAt?: number): Promise<{ code: number | null; signal: string | null; out: string; lastCommitted: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin', 'tessera.js'), 'sweep', SPEC, '--db', db, '--workers', '2', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let lastCommitted = 0;
    p.stdout.on('data', (d) => (out += String(d)));
    p.stderr.on('data', (d) => {
      err += String(d);
      for (const m of err.matchAll(/sweep: (\d+)\/(\d+) points/g)) {
        lastCommitted = Number(m[1]);
        if (killAt !== undefined && Number(m[1]) >= killAt * Number(m[2]) && Number(m[1]) < Number(m[2]) && p.exitCode === null) p.kill('SIGKILL');
      }
    });
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, out: out + err, lastCommitted }));
  });
}

it('a sweep killed with SIGKILL halfway and resumed equals an uninterrupted run, point for point', async () => {
  const db = join(tmp, 'killed.duckdb');
  const killed = await sweepProcess(db, [], 0.4);
  expect(killed.signal, killed.out).toBe('SIGKILL');
  const atKill = await rowsOf(db);
  // every point the process reported committed is there; it was stopped well before the end
  expect(atKill.length).toBeGreaterThanOrEqual(killed.lastCommitted);
  expect(atKill.length).toBeLessThan(TOTAL);
  expect(atKill.length).toBeGreaterThan(0);

  const resumed = await sweepProcess(db, ['--resume']);
  expect(resumed.code, resumed.out).toBe(0);
  // the resumed run evaluated exactly the points the killed one had not committed
  expect(resumed.out).toContain(`${TOTAL} points; ${atKill.length} already done, ${TOTAL - atKill.length} evaluated`);
  const final = await rowsOf(db);
  expect(final).toHaveLength(TOTAL);
  expect(new Set(final.map((r) => r.key)).size).toBe(TOTAL);
  // what was committed before the kill is unchanged (not recomputed: same eval_ms too)
  const byKey = new Map(final.map((r) => [r.key, r]));
  for (const r of atKill) expect(byKey.get(r.key)).toEqual(r);

  const reference = join(tmp, 'reference.duckdb');
  await runSweep({ spec: SPEC, db: reference, workers: 2, progress: 'none' });
  expect(final.map(content)).toEqual((await rowsOf(reference)).map(content));
}, 180_000);
