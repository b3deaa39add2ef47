// The SN40L dataflow engine (sim/dataflow): LLaMA-2-7B prefill (s 2048) and one decode step (b 1,
// kv 2048), all 32 layers, mapped once, then simulated at both fidelities in process; the per-tile
// section engine's throughput; and analytic against cycle latency.
// Run: npx tsx bench/dataflow.bench.ts
import { readFileSync } from 'node:fs';
import { mapStage, resolveTarget, simulateStage } from '../compiler/driver/pipeline';
import { buildModel, parseModelConfig } from '../compiler/graph';
import { runSection } from '../sim/dataflow';

const spec = parseModelConfig(readFileSync('data/models/llama-2-7b.json', 'utf8'), 'llama-2-7b.json', 'llama-2-7b');
const t = resolveTarget({ target: 'sn40l', fidelity: 'cycle' });
for (const [name, phase] of [
  ['prefill s=2048', { kind: 'prefill', batch: 1, seq: 2048 }],
  ['decode b=1 kv=2048', { kind: 'decode', batch: 1, kvLen: 2048 }],
] as const) {
  const c = buildModel(spec, phase);
  let t0 = performance.now();
  const m = mapStage(c, t, { target: t });
  const mapMs = performance.now() - t0;
  t0 = performance.now();
  const a = simulateStage(m, t, { target: t, fidelity: 'analytic' });
  const aMs = performance.now() - t0;
  t0 = performance.now();
  const cy = simulateStage(m, t, { target: t, fidelity: 'cycle' });
  const cMs = performance.now() - t0;
  console.log(`LLaMA-2-7B ${name} on sn40l (${c.einsums.length} einsums): map ${mapMs.toFixed(0)} ms, analytic ${aMs.toFixed(0)} ms, cycle ${cMs.toFixed(0)} ms; latency analytic ${(a.latencySeconds * 1e3).toFixed(3)} ms, cycle ${(cy.latencySeconds * 1e3).toFixed(3)} ms (x${(cy.latencyCycles / a.latencyCycles).toFixed(3)})`);
}

// the per-tile engine alone: 32 streaming stages x 4096 tiles, two tiers
const stages = [...Array(32).keys()].map((s) => ({ name: `S${s}`, computeCycles: 50_000 + 997 * s, readBytes: [4_000_000, s % 4 === 0 ? 100_000 : 0], writeBytes: [10_000, 0], producers: s > 0 ? [s - 1] : [], buffers: 8 }));
const tiers = [{ name: 'HBM', bytesPerCycle: 1000, latencyCycles: 0 }, { name: 'DDR', bytesPerCycle: 78.125, latencyCycles: 0 }];
const t0 = performance.now();
let runs = 0;
while (performance.now() - t0 < 1000) (runSection({ tiers, stages, tiles: 4096, startCycle: 0 }), runs++);
const perRun = (performance.now() - t0) / runs;
console.log(`runSection, 32 stages x 4096 tiles: ${perRun.toFixed(1)} ms a section, ${((32 * 4096) / perRun / 1e3).toFixed(1)} M stage-tiles/s`);
