// A pool of worker threads (one per core by default) that evaluates points in chunks. Chunks are
// small (a few points, sized so each takes well under the commit interval), so the main thread
// receives rows steadily and commits them in small batches.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../driver/user-error';
import type { Point, Row } from './types';

export function parseWorkers(s: string | undefined): number {
  if (s === undefined) return availableParallelism();
  const n = Number(s);
  if (!/^\d+$/.test(s.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 1024) throw new UserError(`--workers ${s}: expected an integer from 1 to 1024`);
  return n;
}

function workerUrl(): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(fromSource ? './worker-boot.mjs' : './worker.js', import.meta.url);
}

function startWorker(): Promise<Worker> {
  const w = new Worker(workerUrl());
  return new Promise((resolve, reject) => {
    w.once('message', () => resolve(w));
    w.once('error', reject);
  });
}

/** Evaluates every point; `onRows` gets each chunk's rows as it finishes (and may be async). */
export async function runPool(points: readonly Point[], workers: number, onRows: (rows: Row[]) => void, chunk = 4): Promise<void> {
  if (!points.length) return;
  const n = Math.min(workers, Math.ceil(points.length / chunk));
  const pool = await Promise.all(Array.from({ length: n }, startWorker));
  let next = 0;
  try {
    await Promise.all(
      pool.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= points.length) return resolve();
              const part = points.slice(next, next + chunk);
              next += part.length;
              w.postMessage({ points: part });
            };
            w.on('message', (m: { rows: Row[] }) => {
              onRows(m.rows);
              send();
            });
            w.on('error', reject);
            w.on('exit', (code) => (next < points.length || code !== 0 ? reject(new Error(`a sweep worker exited with code ${code}`)) : undefined));
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
