// Lowers the full 32-layer LLaMA-2-7B prefill graph (batch 1, seq 2048) from its config.json and
// analyses it; prints the einsum count, parameter count, FLOPs and the time of each step.
// Run: npx tsx bench/lower.bench.ts
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyzeCascade } from '../compiler/analysis';
import { buildModel, parseModelConfig } from '../compiler/graph';
import { printCascade } from '../compiler/ir';

const file = resolve(import.meta.dirname, '../data/models/llama-2-7b.json');
const t0 = performance.now();
const spec = parseModelConfig(readFileSync(file, 'utf8'), 'llama-2-7b.json', 'llama-2-7b');
const c = buildModel(spec, { kind: 'prefill', batch: 1, seq: 2048 });
const t1 = performance.now();
const a = analyzeCascade(c);
const t2 = performance.now();
const text = printCascade(c);
const t3 = performance.now();
const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
console.log(`llama-2-7b prefill b1 s2048 (32 layers, 3-pass attention)`);
console.log(`  einsums            ${c.einsums.length}`);
console.log(`  tensors            ${c.tensors.length}`);
console.log(`  parameters         ${a.totals.params.toLocaleString('en-US')}`);
console.log(`  FLOPs              ${a.totals.flops.toExponential(4)}`);
console.log(`  lower (parse+build) ${s(t1 - t0)}`);
console.log(`  analyze            ${s(t2 - t1)}`);
console.log(`  lower + analyze    ${s(t2 - t0)}  (target < 2 s)`);
console.log(`  print .ein         ${s(t3 - t2)} (${(text.length / 1024).toFixed(0)} KiB)`);

const t4 = performance.now();
const one = buildModel(spec, { kind: 'prefill', batch: 1, seq: 2048 }, { passes: 1, tile: 64 });
const a1 = analyzeCascade(one);
const t5 = performance.now();
console.log(`llama-2-7b prefill b1 s2048, 1-pass attention (tiles of 64 keys)`);
console.log(`  einsums            ${one.einsums.length}`);
console.log(`  FLOPs              ${a1.totals.flops.toExponential(4)}`);
console.log(`  lower + analyze    ${s(t5 - t4)}`);
