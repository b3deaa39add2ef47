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
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    interpret(c, inputs);
    secs.push((performance.now() - t0) / 1000);
  }
  secs.sort((a, b) => a - b);
  const best = secs[0]!;
  const median = secs[Math.floor(secs.length / 2)]!;
  const mf = (s: number) => (flops / s / 1e6).toFixed(0);
  console.log(`${name}: ${(flops / 1e6).toFixed(1)} MFLOP, best ${(best * 1000).toFixed(1)} ms = ${mf(best)} MFLOP/s, median ${(median * 1000).toFixed(1)} ms = ${mf(median)} MFLOP/s (${runs} runs)`);
}

const N = 512;
const gemm = parse(`rank M = ${N}, N = ${N}, K = ${N}
input A[M, K]: fp32
input B[K, N]: fp32
Z[m, n] = A[m, k] * B[k, n]
output Z`);
measure(`gemm ${N}x${N}x${N} fp32`, gemm, 2 * N ** 3, 5);

const attn = parse(
  readFileSync(join(root, 'examples/attention/attention-1pass.ein'), 'utf8')
    .replace(/^rank E = \d+, F = \d+, M = \d+, P = \d+$/m, 'rank E = 64, F = 64, M = 1024, P = 1024')
    .replace(/^rank M -> M1, M0 = \d+$/m, 'rank M -> M1, M0 = 64'),
);
measure('attention 1-pass E=F=64 M=P=1024 M0=64 fp32 (analysis FLOPs)', attn, analyzeCascade(attn).totals.flops, 3);
