// A sweep worker thread: evaluates the chunks of points the pool sends, one at a time, and posts
// their rows back. Targets and workloads are loaded here, so each thread keeps its own caches.
import { parentPort } from 'node:worker_threads';
import { evaluatePoint } from './evaluate';
import type { Point, Row } from './types';

parentPort!.on('message', async (msg: { points: Point[] }) => {
  const rows: Row[] = [];
  for (const p of msg.points) rows.push(await evaluatePoint(p));
  parentPort!.postMessage({ rows });
});
parentPort!.postMessage({ ready: true });
