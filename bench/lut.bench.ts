// LUT tensor cores: how long the level-2 engine takes on a LLaMA-2-7B decode step with 2-bit weights
// (the bar: under 10 s), beside lowering the model and the whole pipeline (mapping included),
// and the level-3 per-lane reference against the level-2 tile engine on one small mpGEMM.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulateCascade } from '../compiler/driver/pipeline';
import { buildModel, parseModelConfig } from '../compiler/graph';
import { lutGpuFromSpec, simulateOnLutGpu } from '../sim/lut/gpu-lut';
import { runLutReference } from '../sim/lut/reference';
import { DEFAULT_UNIT, runLutTiles } from '../sim/lut/tile';
import { loadTarget, loadTargetSpec } from '../targets/registry';

const root = join(import.meta.dirname, '..');

function time<T>(label: string, fn: () => T, per = ''): T {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  console.log(`${label.padEnd(58)} wall ${ms.toFixed(1).padStart(9)} ms  cpu ${((c.user + c.system) / 1000).toFixed(1).padStart(9)} ms  ${per}`);
  return r;
}

const spec = parseModelConfig(readFileSync(join(root, 'data/models/llama-2-7b.json'), 'utf8'), 'llama-2-7b.json', 'llama-2-7b');
const c = time('lower LLaMA-2-7B decode (batch 1, KV 1024)', () => buildModel(spec, { kind: 'decode', batch: 1, kvLen: 1024 }), '');
const g = lutGpuFromSpec(loadTargetSpec('lut-tc', { weight_bits: '2' }));
if (typeof g === 'string') throw new Error(g);
const r = time('level 2: the LUT engine on the decode step, W2', () => simulateOnLutGpu({ cascade: c, target: 'lut-tc', workload: 'llama-2-7b decode' }, g, 'cycle'));
console.log(`  ${c.einsums.length} einsums, ${r.einsums.filter((e) => e.unit === 'LTC').length} on the LUT units, ${r.latencyCycles} cycles`);
time('whole pipeline (map + engine + energy), tessera run --fidelity cycle', () => simulateCascade(c, { target: loadTarget('lut-tc', { weight_bits: '2' }), fidelity: 'cycle' }));

// level 3 against level 2 on one mpGEMM: 4 x 256 x 512, W2, the paper's tile
const M = 4, N = 256, K = 512;
let s = 1;
const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const gemm = {
  M, N, Kdim: K, wbits: 2, group: 128,
  a: new Float64Array(M * K).map(() => Math.round(rnd() * 512 - 256) / 64),
  q: new Uint8Array(N * K).map(() => Math.floor(rnd() * 4)),
  s: new Float64Array(N * 4).fill(0.5),
  z: new Float64Array(N * 4).fill(1),
};
const u = { ...DEFAULT_UNIT, table: 'fp16' as const, acc: 'fp16' as const };
const l3 = time(`level 3: per-lane reference, ${M}x${N}x${K} W2`, () => runLutReference(gemm, u));
const l2 = time(`level 2: tile engine with values, ${M}x${N}x${K} W2`, () => runLutTiles(gemm, u));
console.log(`  ${l3.cycles} cycles at both levels: ${l3.cycles === l2.cycles && l3.y.every((v, i) => v === l2.y[i]) ? 'equal in cycles and values' : 'DIFFERENT'}`);
