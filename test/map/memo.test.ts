// A mapper that remembers: identical einsums (the 32 decoder layers of LLaMA-2-7B) get identical
// mappings, searched once, and an einsum's mapping does not depend on where it sits in the cascade.
// Oracles: the mapping of layer 0 (every other layer must equal it), the evaluation count of a
// 2-layer lowering (32 layers must search no more), and the lone GEMM mapped on its own.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, parseModelConfig } from '../../compiler/graph';
import { cascadeWorkloads, hwModel } from '../../compiler/map';
import { MappingMemo, einsumKey, keySeed } from '../../compiler/map/map-einsum';
import { mapCascade } from '../../compiler/map/map-cascade';
import type { EinsumMapping } from '../../compiler/map';
import { getTarget } from '../../targets/registry';
import { cascade, gemm, tinySpec } from './helpers';

const root = join(import.meta.dirname, '..', '..');
// the fields the lowering reads (from meta-llama/Llama-2-7b-hf config.json) when data/models/ lacks the file
const LLAMA_2_7B = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 4096,
  intermediate_size: 11008,
  num_attention_heads: 32,
  num_hidden_layers: 32,
  num_key_value_heads: 32,
  max_position_embeddings: 4096,
  rms_norm_eps: 1e-5,
  vocab_size: 32000,
  hidden_act: 'silu',
  torch_dtype: 'float16',
};
const file = join(root, 'data/models/llama-2-7b.json');
const config = parseModelConfig(existsSync(file) ? readFileSync(file, 'utf8') : JSON.stringify(LLAMA_2_7B), 'llama-2-7b.json');

/** A layer's mapping with the layer index taken out of its names (variables such as m_l7 carry it). */
function normalise(e: EinsumMapping): unknown {
  const strip = (s: string) => s.replace(/_l\d+\b/g, '_l').replace(/^L\d+_/, 'L_');
  return {
    name: strip(e.name),
    unit: e.unit,
    spatial: e.spatial.map((s) => ({ ...s, var: strip(s.var) })),
    tiles: Object.fromEntries(Object.entries(e.tiles).map(([k, v]) => [strip(k), v])),
    loopOrder: e.loopOrder.map(strip),
    cost: e.cost,
    util: e.spatialUtilization,
    explanation: e.explanation.map((x) => x.replace(/L\d+_/g, 'L_').replace(/_l\d+\b/g, '_l')),
  };
}

describe('mapping memo: LLaMA-2-7B prefill (seq 512) on fusemax', () => {
  const spec = getTarget('fusemax').spec;
  const lower = (layers: number) => buildModel(config, { kind: 'prefill', batch: 1, seq: 512 }, { layers, passes: 1, tile: 256 });
  const m32 = mapCascade(lower(32), spec, { fusion: 'auto', seed: 1 });
  const m2 = mapCascade(lower(2), spec, { fusion: 'auto', seed: 1 });

  it('every layer maps each einsum exactly as layer 0 does', () => {
    const layer0 = new Map(m32.einsums.filter((e) => e.name.startsWith('L0_')).map((e) => [e.name.slice(3), normalise(e)]));
    expect(layer0.size).toBeGreaterThan(20);
    let compared = 0;
    for (const e of m32.einsums) {
      const m = /^L(\d+)_(.*)$/.exec(e.name);
      if (!m || m[1] === '0') continue;
      expect(normalise(e), e.name).toEqual(layer0.get(m[2]!));
      compared++;
    }
    expect(compared).toBe(31 * layer0.size);
    // the symptom: the Q projections of the 32 layers had several latencies
    expect(new Set(m32.einsums.filter((e) => /^L\d+_Q$/.test(e.name)).map((e) => e.cost.latencyCycles)).size).toBe(1);
  });

  it('searches a layer once: 32 layers evaluate as many mappings as 2', () => {
    expect(m32.evaluations).toBe(m2.evaluations);
    expect(m32.evaluations).toBeGreaterThan(0);
  });
});

describe('mapping memo: keys and seeds', () => {
  const hw = hwModel(tinySpec(4096));
  const opts: { objective: 'latency' | 'energy'; seed: number } = { objective: 'latency', seed: 1 };

  it('the key ignores names and position but sees shape, dtypes, roles and options', () => {
    const a = cascade('rank M = 300, N = 200, K = 500\ninput A[M, K]: bf16\nweight B[K, N]: bf16\nZ[m, n]: fp32 = A[m, k] * B[k, n]\noutput Z\n');
    const b = cascade('rank M = 300, N = 200, K = 500\ninput X[M, K]: bf16\nweight W[K, N]: bf16\nY[m, n]: fp32 = X[m, k] * W[k, n]\noutput Y\n');
    const key = (c: typeof a, o = opts) => einsumKey(cascadeWorkloads(c)[0]!, 0, o);
    expect(key(b)).toBe(key(a));
    expect(key(gemm(300, 200, 500, 'bf16', 'fp32', true))).toBe(key(a));
    expect(key(gemm(300, 200, 500, 'int8', 'fp32', true))).not.toBe(key(a)); // dtype
    expect(key(gemm(300, 200, 500, 'bf16', 'fp32', false))).not.toBe(key(a)); // role of B
    expect(key(gemm(300, 200, 501, 'bf16', 'fp32', true))).not.toBe(key(a)); // extent
    expect(key(a, { ...opts, objective: 'energy' })).not.toBe(key(a));
    expect(key(a, { ...opts, seed: 2 })).not.toBe(key(a));
    expect(keySeed(key(a))).not.toBe(keySeed(key(a, { ...opts, seed: 2 })));
    const memo = new MappingMemo();
    expect(memo.hwId(hw)).toBe(memo.hwId(hwModel(tinySpec(4096))));
    expect(memo.hwId(hw)).not.toBe(memo.hwId(hwModel(tinySpec(8192))));
  });

  it('an einsum maps the same wherever it sits (the seed comes from the key, not the index)', () => {
    const alone = gemm(300, 200, 500, 'bf16', 'fp32', true);
    const spec = tinySpec(4096);
    const m1 = mapCascade(alone, spec, { seed: 5, exhaustiveLimit: 0, budget: 300 });
    const z1 = m1.einsums.find((e) => e.name === 'Z')!;
    // the same GEMM twice (Y over weight C, then Z): Z sits at index 1
    const twice = cascade(
      'rank M = 300, N = 200, K = 500\ninput A[M, K]: bf16\nweight B[K, N]: bf16\nweight C[K, N]: bf16\nY[m, n]: fp32 = A[m, k] * C[k, n]\nZ[m, n]: fp32 = A[m, k] * B[k, n]\noutput Z\noutput Y\n',
    );
    const m3 = mapCascade(twice, spec, { seed: 5, exhaustiveLimit: 0, budget: 300 });
    const y3 = m3.einsums.find((e) => e.name === 'Y')!;
    const z3 = m3.einsums.find((e) => e.name === 'Z')!;
    for (const x of [y3, z3]) {
      expect({ ...x, name: '', index: 0, explanation: [] }).toEqual({ ...z1, name: '', index: 0, explanation: [] });
    }
    expect(z3.index).toBe(1);
    // behind an unrelated einsum (no memo hit: the seed is the key's, not index + 1)
    const behind = cascade(
      'rank M = 300, N = 200, K = 500\ninput D[M, N]: fp32\ninput A[M, K]: bf16\nweight B[K, N]: bf16\nS[m, n]: fp32 = D[m, n] + D[m, n]\nZ[m, n]: fp32 = A[m, k] * B[k, n]\noutput S\noutput Z\n',
    );
    const m4 = mapCascade(behind, spec, { seed: 5, exhaustiveLimit: 0, budget: 300 });
    const z4 = m4.einsums.find((e) => e.name === 'Z')!;
    expect(z4.index).toBe(1);
    expect({ ...z4, index: 0 }).toEqual(z1);
    expect(m3.evaluations).toBe(m1.evaluations); // Z reused Y's search
  });

  it('a memo shared across calls answers the second call without searching', () => {
    const c = gemm(300, 200, 500, 'bf16', 'fp32', true);
    const memo = new MappingMemo();
    const spec = tinySpec(4096);
    const a = mapCascade(c, spec, { seed: 3, exhaustiveLimit: 0, budget: 300, memo });
    const b = mapCascade(c, spec, { seed: 3, exhaustiveLimit: 0, budget: 300, memo });
    expect(a.evaluations).toBeGreaterThan(0);
    expect(b.evaluations).toBe(0);
    expect(memo.hits).toBe(1);
    expect(JSON.stringify(b.einsums)).toBe(JSON.stringify(a.einsums));
  });
});
