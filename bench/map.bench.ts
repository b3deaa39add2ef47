// Mapper benchmarks: analytical-model evaluations per second (the inner loop of the search), a full
// GEMM search, one LLaMA-2-7B decoder layer (prefill, seq 2048) mapped onto fusemax (target: under
// 10 s), and the whole `tessera repro fusemax` table. Run: npx tsx bench/map.bench.ts
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildModel, parseModelConfig } from '../compiler/graph';
import { parseCascade } from '../compiler/lang';
import { EinsumCostModel, einsumWorkload, hwModel, rng } from '../compiler/map';
import { reproFusemax } from '../compiler/driver/commands/repro';
import { getTarget } from '../targets/registry';

const root = resolve(import.meta.dirname, '..');
const ms = (t0: number) => performance.now() - t0;

function gemm(M: number, N: number, K: number) {
  return parseCascade(`rank M = ${M}, N = ${N}, K = ${K}\ninput A[M, K]: int8\nweight B[K, N]: int8\nZ[m, n]: int8 = A[m, k] * B[k, n]\noutput Z\n`, 'gemm.ein').cascade!;
}

// 1. evaluations per second of the analytical model, random mappings, no pruning
for (const target of ['tpu-v1', 'fusemax', 'eyeriss-like']) {
  const hw = hwModel(getTarget(target).spec);
  const model = new EinsumCostModel(einsumWorkload(gemm(4096, 4096, 4096), 0), hw.units[0]!, hw);
  const rand = rng(1);
  const n = 200_000;
  const V = model.V;
  const choices = new Int32Array(n * (2 + 2 * V));
  for (let i = 0; i < n; i++) {
    const o = i * (2 + 2 * V);
    choices[o] = Math.floor(rand() * (V + 1)) - 1;
    choices[o + 1] = model.unit.cols > 1 ? Math.floor(rand() * (V + 1)) - 1 : -1;
    for (let v = 0; v < V; v++) choices[o + 2 + v] = Math.floor(rand() * model.cands[v]!.length);
    const perm = [0, 1, 2].sort(() => rand() - 0.5);
    for (let v = 0; v < V; v++) choices[o + 2 + V + v] = perm[v]!;
  }
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const o = i * (2 + 2 * V);
    sink += model.evaluate(choices[o]!, choices[o + 1]!, choices.subarray(o + 2, o + 2 + V), choices.subarray(o + 2 + V, o + 2 + 2 * V), 'edp') > 0 ? 1 : 0;
  }
  const t = ms(t0);
  console.log(`analytic model, GEMM 4096^3 on ${target}: ${Math.round((n / t) * 1000).toLocaleString('en-US')} evaluations/s (${n} in ${t.toFixed(0)} ms${sink < 0 ? '' : ''})`);
}

// 2. a full mapper search (sampled: the space is > 20000 mappings)
{
  const t = getTarget('eyeriss-like');
  const t0 = performance.now();
  const m = t.map(gemm(4096, 4096, 4096), undefined, { objective: 'edp', seed: 1 });
  const el = ms(t0);
  console.log(`mapper search, GEMM 4096^3 on eyeriss-like (edp): ${m.evaluations} evaluations in ${el.toFixed(0)} ms = ${Math.round((m.evaluations / el) * 1000).toLocaleString('en-US')} evaluations/s`);
}

// 3. one LLaMA-2-7B decoder layer (prefill, batch 1, seq 2048, 1-pass attention with M0 = 256) on fusemax
{
  const spec = parseModelConfig(readFileSync(join(root, 'data/models/llama-2-7b.json'), 'utf8'), 'llama-2-7b.json');
  const c = buildModel(spec, { kind: 'prefill', batch: 1, seq: 2048 }, { layers: 1, passes: 1, tile: 256 });
  const t = getTarget('fusemax');
  const t0 = performance.now();
  const m = t.map(c, undefined, { objective: 'latency', seed: 1 });
  const r = t.simulate(m, { fidelity: 'analytic' });
  const el = ms(t0);
  console.log(
    `LLaMA-2-7B, 1 decoder layer (+ embedding and LM head as lowered by compiler/graph), ${c.einsums.length} einsums, on fusemax: mapped in ${(el / 1000).toFixed(2)} s (target < 10 s), ${m.evaluations} evaluations; ${r.latencyCycles} cycles = ${(r.latencySeconds * 1e3).toFixed(2)} ms, PE2D ${(r.utilization['PE2D']! * 100).toFixed(1)}%`,
  );
}

// 4. the whole FuseMax reproduction (48 fused mappings)
{
  const t0 = performance.now();
  const r = reproFusemax();
  console.log(`tessera repro fusemax: 24 points x 2 designs in ${(ms(t0) / 1000).toFixed(2)} s; mean speedup ${r.meanSpeedup.toFixed(2)}x (paper 6.72x), energy ratio ${r.meanEnergyRatio.toFixed(3)} (paper 0.787)`);
}
