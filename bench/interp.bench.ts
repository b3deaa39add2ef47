// Interpreter throughput: a 512³ fp32 GEMM (MFLOP/s, 1 multiply-add = 2 FLOPs) and the 1-pass attention
// example scaled up (E = F = 64, M = P = 1024, M0 = 64). Best and median of a few runs.
// Run: npx tsx bench/interp.bench.ts
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeCascade } from '../compiler/analysis';
import { interpret, randomInputs } from '../compiler/interp';
import type { Cascade } from '../compiler/ir';
import { parseCascade } from '../compiler/lang';

const root = join(import.meta.dirname, '..');
function parse(text: string): Cascade {
  const r = parseCascade(text, 'bench.ein');
  if (!r.cascade) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.cascade;
}

function measure(name: string, c: Cascade, flops: number, runs: number): void {
  const inputs = randomInputs(c, 1);
  interpret(c, inputs); // warm-up: code generation and JIT
  const secs: number[] = [];
  const cpuSecs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const u0 = process.cpuUsage();
    const t0 = performance.now();
    interpret(c, inputs);
    secs.push((performance.now() - t0) / 1000);
    cpuSecs.push(process.cpuUsage(u0).user / 1e6);
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const [w, u] = [sorted(secs), sorted(cpuSecs)];
  const mf = (s: number) => (flops / s / 1e6).toFixed(0);
  const med = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
  console.log(
    `${name}: ${(flops / 1e6).toFixed(1)} MFLOP; wall: best ${(w[0]! * 1000).toFixed(1)} ms = ${mf(w[0]!)} MFLOP/s, median ${mf(med(w))} MFLOP/s; ` +
      `CPU time (robust on a shared machine): best ${mf(u[0]!)} MFLOP/s, median ${mf(med(u))} MFLOP/s (${runs} runs)`,
  );
}

const N = 512;
const gemm = parse(`rank M = ${N}, N = ${N}, K = ${N}
input A[M, K]: fp32
input B[K, N]: fp32
Z[m, n] = A[m, k] * B[k, n]
output Z`);
measure(`gemm ${N}x${N}x${N} fp32`, gemm, 2 * N ** 3, 5);

const example = parse(readFileSync(join(root, 'examples/attention/attention-1pass.ein'), 'utf8'));
measure('attention 1-pass example as shipped (E=F=16 M=200 P=64; includes kernel set-up per run)', example, analyzeCascade(example).totals.flops, 20);

const attn = parse(
  readFileSync(join(root, 'examples/attention/attention-1pass.ein'), 'utf8')
    .replace(/^rank E = \d+, F = \d+, M = \d+, P = \d+$/m, 'rank E = 64, F = 64, M = 1024, P = 1024')
    .replace(/^rank M -> M1, M0 = \d+$/m, 'rank M -> M1, M0 = 64'),
);
measure('attention 1-pass E=F=64 M=P=1024 M0=64 fp32 (analysis FLOPs)', attn, analyzeCascade(attn).totals.flops, 3);
