// Runs one `tessera` command in this worker thread and reports its exit code and output.
// The harness bounds each case's time (terminate) and memory (resourceLimits) from outside.
import { parentPort } from 'node:worker_threads';
import { main } from '../compiler/driver/program';

type Job = { id: number; argv: string[] };
const MAX_KEEP = 4000;

let out = '';
let err = '';
const keep = (acc: string, chunk: unknown): string => (acc.length > MAX_KEEP ? acc : acc + String(chunk).slice(0, MAX_KEEP));
process.stdout.write = ((chunk: unknown) => ((out = keep(out, chunk)), true)) as typeof process.stdout.write;
process.stderr.write = ((chunk: unknown) => ((err = keep(err, chunk)), true)) as typeof process.stderr.write;
console.log = (...a: unknown[]) => void (out = keep(out, a.join(' ') + '\n'));
console.warn = console.error = (...a: unknown[]) => void (err = keep(err, a.join(' ') + '\n'));

parentPort!.on('message', async (job: Job) => {
  out = '';
  err = '';
  process.exitCode = undefined;
  let code: number;
  try {
    code = await main(job.argv);
  } catch (e) {
    err = keep(err, `uncaught: ${e instanceof Error ? e.stack : String(e)}`);
    code = 3;
  }
  process.exitCode = undefined;
  parentPort!.postMessage({ id: job.id, code, stdout: out, stderr: err });
});
