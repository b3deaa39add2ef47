// A sweep worker thread: receives the points once, then claims groups of them (one design each) from
// the shared counter until none is left, evaluating each point and posting the rows in batches
// (pool.ts). Targets and workloads are loaded here, so each thread keeps its own caches.
import { parentPort } from 'node:worker_threads';
import { evaluatePoint } from './evaluate';
import { POST_MS, POST_ROWS, type WorkMessage, type WorkerMessage } from './pool';
import type { Row } from './types';

const post = (m: WorkerMessage) => parentPort!.postMessage(m);

async function work(m: WorkMessage): Promise<void> {
  const groups = m.starts.length - 1;
  let rows: Row[] = [];
  let last = performance.now();
  for (let g = Atomics.add(m.next, 0, 1); g < groups; g = Atomics.add(m.next, 0, 1)) {
    for (let i = m.starts[g]!; i < m.starts[g + 1]!; i++) {
      rows.push(await evaluatePoint(m.points[i]!));
      const now = performance.now();
      if (rows.length >= POST_ROWS || now - last >= POST_MS) {
        post({ rows });
        rows = [];
        last = now;
      }
    }
  }
  if (rows.length) post({ rows });
  post({ done: true });
}

parentPort!.on('message', (m: WorkMessage) => void work(m));
post({ ready: true, at: performance.timeOrigin + performance.now() });
