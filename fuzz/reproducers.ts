// The reproducers issue 20 lists (found by an earlier fuzzing campaign), each a small set of files
// and one command. Every one must end within 10 s with a plain message and exit 1, or a correct exit 0
// where `ok` says so. `npm run fuzz -- --reproducers` runs them; test/fuzz/reproducers.test.ts keeps them.
import { readFileSync } from 'node:fs';

export type Reproducer = {
  name: string;
  files: Record<string, string>;
  /** `{dir}` is the case's folder, holding `files`. */
  argv: string[];
  /** The exit code a correct answer has (1 unless the input is valid). */
  expect: 0 | 1;
  /** For exit 0: text the output must contain (a correct answer, not just any). */
  contains?: string;
  /** Paths (under `{dir}`) that must not exist afterwards. */
  absent?: string[];
};

const gemm = (m: number, n: number, k: number): string =>
  `rank M = ${m}, N = ${n}, K = ${k}\ninput A[M, K]: fp32\ninput B[K, N]: fp32\nZ[m, n] = A[m, k] * B[k, n]\noutput Z\n`;
const tpuArch = (): string => readFileSync('targets/tpu-v1/tpu-v1.arch', 'utf8');
const google = (): string => readFileSync('data/scalesim/google.cfg', 'utf8');
const llamaConfig = (patch: Record<string, unknown>): string => JSON.stringify({ ...JSON.parse(readFileSync('data/models/llama-2-7b.json', 'utf8')), ...patch });
const faRecord = (patch: Record<string, unknown>): string => {
  const d = JSON.parse(readFileSync('native/measurements/published/h100-flash-attention-3-fwd.json', 'utf8')) as { records: Record<string, unknown>[] };
  d.records[0] = { ...d.records[0], ...patch };
  return JSON.stringify(d);
};
const topo = (row: string): string => `Layer name, M, N, K,\n${row},\n`;

export function reproducers(): Reproducer[] {
  return [
    { name: '.arch: 250 nested parentheses', files: { 'x.arch': tpuArch().replace(/rows = \d+/, `rows = ${'('.repeat(250)}4${')'.repeat(250)}`) }, argv: ['check', '{dir}/x.arch'], expect: 1 },
    { name: '.arch: 1,000 leading minus signs', files: { 'x.arch': tpuArch().replace(/rows = \d+/, `rows = ${'-'.repeat(1000)}4`) }, argv: ['check', '{dir}/x.arch'], expect: 1 },
    { name: '.arch: a 4 MB line', files: { 'x.arch': tpuArch().replace(/rows = \d+/, `rows = ${'1+'.repeat(2_000_000)}1`) }, argv: ['check', '{dir}/x.arch'], expect: 1 },
    { name: '.ein: 2,000-term sum', files: { 'x.ein': `rank M = 4\ninput A[M]: fp32\nZ[m] = ${Array(2000).fill('A[m]').join(' + ')}\noutput Z\n` }, argv: ['run', '{dir}/x.ein', '--target', 'tpu-v1'], expect: 0, contains: 'cycles' },
    { name: '.ein: 2,000-term sum, interpreted', files: { 'x.ein': `rank M = 4\ninput A[M]: fp32\nZ[m] = ${Array(2000).fill('A[m]').join(' + ')}\noutput Z\n` }, argv: ['run', '{dir}/x.ein'], expect: 0, contains: 'Z [4]' },
    { name: '.ein: 50,000-term sum', files: { 'x.ein': `rank M = 4\ninput A[M]: fp32\nZ[m] = ${Array(50000).fill('A[m]').join(' + ')}\noutput Z\n` }, argv: ['run', '{dir}/x.ein'], expect: 1 },
    { name: 'config.json nested 5,000 deep', files: { 'c.json': `{"model_type": "llama", "x": ${'['.repeat(5000)}1${']'.repeat(5000)}}` }, argv: ['lower', '--model', '{dir}/c.json', '--layers', '1', '--seq', '8'], expect: 1 },
    { name: '--inputs nested 5,000 deep', files: { 'g.ein': gemm(2, 2, 2), 'in.json': `{"A": ${'['.repeat(5000)}1${']'.repeat(5000)}}` }, argv: ['run', '{dir}/g.ein', '--inputs', '{dir}/in.json'], expect: 1 },
    { name: 'scalesim: 300-character run_name', files: { 'g.cfg': google().replace(/run_name = .*/, `run_name = ${'r'.repeat(300)}`), 't.csv': topo('g,8,8,8') }, argv: ['scalesim', '--config', '{dir}/g.cfg', '--topology', '{dir}/t.csv', '--outdir', '{dir}/out'], expect: 0 },
    { name: 'scalesim: --outdir names a file', files: { 'f': '', 't.csv': topo('g,8,8,8') }, argv: ['scalesim', '--config', 'data/scalesim/google.cfg', '--topology', '{dir}/t.csv', '--outdir', '{dir}/f'], expect: 1 },
    { name: 'run: --trace into a missing folder', files: { 'g.ein': gemm(8, 8, 8) }, argv: ['run', '{dir}/g.ein', '--target', 'tpu-v1', '--fidelity', 'cycle', '--trace', '/nonexistent/t.json'], expect: 1 },
    { name: 'scalesim: --trace into a missing folder', files: { 't.csv': topo('g,8,8,8') }, argv: ['scalesim', '--config', 'data/scalesim/google.cfg', '--topology', '{dir}/t.csv', '--outdir', '{dir}/out', '--trace', '/nonexistent/t.json'], expect: 1 },
    { name: 'schedule: --target names a folder', files: { 'g.ein': gemm(8, 8, 8), 'd.arch/x': '' }, argv: ['schedule', '{dir}/g.ein', '--target', '{dir}/d.arch'], expect: 1 },
    { name: 'scalesim: a 1e9-cubed GEMM row', files: { 't.csv': topo('big,1000000000,1000000000,1000000000') }, argv: ['scalesim', '--config', 'data/scalesim/google.cfg', '--topology', '{dir}/t.csv', '--outdir', '{dir}/out'], expect: 1 },
    { name: 'run: a 1e9-rank GEMM on tpu-v1 at cycle fidelity', files: { 'g.ein': gemm(1e9, 1e9, 1e9) }, argv: ['run', '{dir}/g.ein', '--target', 'tpu-v1', '--fidelity', 'cycle'], expect: 1 },
    { name: 'run: --batch 2^53-1', files: { 'g.ein': gemm(64, 64, 64) }, argv: ['run', '{dir}/g.ein', '--target', 'tpu-v1', '--batch', '9007199254740991'], expect: 1 },
    { name: 'interpreter: a 4096x4096x1024 GEMM from 111 bytes', files: { 'g.ein': gemm(4096, 4096, 1024) }, argv: ['run', '{dir}/g.ein'], expect: 1 },
    { name: 'interpreter: 100 nested tanh in a sum', files: { 'g.ein': `rank M = 512, K = 512\ninput A[M, K]: fp32\nZ[m] = ${'tanh('.repeat(100)}A[m, k]${')'.repeat(100)}\noutput Z\n` }, argv: ['run', '{dir}/g.ein'], expect: 0, contains: 'Z' },
    // 15,264,649 folds of a 256x256 array: answered in closed form (cycles stay under 2^53).
    { name: 'scalesim: a 1e6-cubed GEMM', files: { 't.csv': topo('big,1000000,1000000,1000000') }, argv: ['scalesim', '--config', 'data/scalesim/google.cfg', '--topology', '{dir}/t.csv', '--outdir', '{dir}/out'], expect: 0, contains: '15264649' },
    { name: 'scalesim: 1e11 folds on a 32x32 output-stationary array', files: { 't.csv': topo('big,10000000,10000000,1') }, argv: ['scalesim', '--config', 'data/scalesim/scale.cfg', '--topology', '{dir}/t.csv', '--outdir', '{dir}/out'], expect: 1 },
    { name: 'analyze: 2^32 keys in a ragged partition', files: { 'a.ein': 'rank E = 16, M = 4294967296\nrank M -> M1, M0 = 16\ninput K[E, M]: fp32\nBK[e, m1, m0] = K[e, m1*M0+m0]\noutput BK\n' }, argv: ['analyze', '{dir}/a.ein'], expect: 0, contains: 'FLOP' },
    { name: 'validate gpu: an attention record with batch 1,000,000', files: { 'm.json': faRecord({ batch: 1_000_000 }) }, argv: ['validate', 'gpu', '--measurements', '{dir}/m.json'], expect: 0, contains: 'held' },
    { name: 'validate gpu: an attention record with seqQ 2^32', files: { 'm.json': faRecord({ seqQ: 4294967296, seqKV: 4294967296 }) }, argv: ['validate', 'gpu', '--measurements', '{dir}/m.json'], expect: 1 },
    // a hundred times over each limit: refused before the work, in well under a second
    { name: '100x over: interpreter work (an 8192x8192x1024 GEMM, 2e11 nodes)', files: { 'g.ein': gemm(8192, 8192, 1024) }, argv: ['run', '{dir}/g.ein'], expect: 1 },
    { name: '100x over: lower with 102,400 layers', files: { 'c.json': llamaConfig({ num_hidden_layers: 102_400 }) }, argv: ['lower', '--model', '{dir}/c.json', '--seq', '8', '-o', '{dir}/m.ein'], expect: 1 },
    { name: '100x over: validate gpu with seqQ 1.6e9', files: { 'm.json': faRecord({ seqQ: 1_677_721_600, seqKV: 1_677_721_600 }) }, argv: ['validate', 'gpu', '--measurements', '{dir}/m.json'], expect: 1 },
    { name: '100x over: a 25 MB .arch', files: { 'x.arch': tpuArch() + `# ${'x'.repeat(26_214_400)}\n` }, argv: ['check', '{dir}/x.arch'], expect: 1 },
    { name: '100x over: scalesim with 6.7e9 folds', files: { 't.csv': topo('big,2600000,2600000,1') }, argv: ['scalesim', '--config', 'data/scalesim/scale.cfg', '--topology', '{dir}/t.csv', '--outdir', '{dir}/out'], expect: 1 },
    { name: 'schedule: a block with S = 1e9 (the warm start had no baseline)', files: { 'b.ein': readFileSync('examples/schedule/block.ein', 'utf8').replace('S = 512', 'S = 1000000000') }, argv: ['schedule', '{dir}/b.ein', '--target', 'sn40l', '--time-limit', '5'], expect: 0, contains: 'checker ok' },
    { name: 'run --target fusemax: a GEMM with M = 2^32 rows (FLAT block candidates were unbounded)', files: { 'g.ein': 'rank M = 4294967296, N = 48, K = 80\ninput A[M, K]: bf16\ninput B[K, N]: bf16\nZ[m, n]: fp32 = A[m, k] * B[k, n]\nY[m, n]: fp32 = Z[m, n] * Z[m, n]\noutput Y\n' }, argv: ['run', '{dir}/g.ein', '--target', 'fusemax'], expect: 0, contains: 'cycles' },
    { name: 'lower: num_hidden_layers 65536', files: { 'c.json': llamaConfig({ num_hidden_layers: 65536 }) }, argv: ['lower', '--model', '{dir}/c.json', '--seq', '8', '-o', '{dir}/m.ein'], expect: 1 },
    { name: '.arch: clock 1e308 GHz', files: { 'x.arch': tpuArch().replace('clock = 700 MHz', 'clock = 1e308 GHz') }, argv: ['check', '{dir}/x.arch'], expect: 1 },
    { name: '.arch: rows = 1e308', files: { 'x.arch': tpuArch().replace(/rows = \d+/, 'rows = 1e308') }, argv: ['check', '{dir}/x.arch'], expect: 1 },
    { name: 'run: an output named __proto__', files: { 'p.ein': 'rank M = 2\ninput A[M]: fp32\n__proto__[m] = A[m] * 2\noutput __proto__\n' }, argv: ['run', '{dir}/p.ein', '--json'], expect: 0, contains: '__proto__' },
    { name: 'scalesim: run_name = ../../x stays in --outdir', files: { 'g.cfg': google().replace(/run_name = .*/, 'run_name = ../../x'), 't.csv': topo('g,8,8,8') }, argv: ['scalesim', '--config', '{dir}/g.cfg', '--topology', '{dir}/t.csv', '--outdir', '{dir}/a/b'], expect: 0, absent: ['x', 'a/x'] },
  ];
}

export type ReproducerOutcome = { name: string; ok: boolean; why: string; ms: number };

/** Runs every reproducer with a 10 s bound and says which hold. */
export async function checkReproducers(run: (argv: string[], timeoutMs: number) => Promise<{ outcome: string; message: string; ms: number; code?: number; stdout?: string }>, timeoutMs = 10_000): Promise<ReproducerOutcome[]> {
  const { mkdirSync, mkdtempSync, writeFileSync, existsSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { dirname, join } = await import('node:path');
  const out: ReproducerOutcome[] = [];
  for (const r of reproducers()) {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-repro-'));
    for (const [f, text] of Object.entries(r.files)) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), text);
    }
    const res = await run(r.argv.map((a) => a.replaceAll('{dir}', dir)), timeoutMs);
    const want = r.expect === 0 ? 'ok' : 'refused';
    const leaked = (r.absent ?? []).filter((p) => existsSync(join(dir, p)));
    const missing = r.contains !== undefined && !(res.stdout ?? '').includes(r.contains);
    const ok = res.outcome === want && leaked.length === 0 && !missing;
    const why = ok ? res.message : `${res.outcome} (wanted ${want})${leaked.length ? `; wrote ${leaked.join(', ')}` : ''}${missing ? `; output lacks ${r.contains}` : ''}: ${res.message}`;
    out.push({ name: r.name, ok, why, ms: res.ms });
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
