// LLaMA-2-7B lowered from its config.json: parameters, prefill FLOPs and decode bytes read from the graph
// (compiler/analysis) against formulas derived here from the published architecture. See docs/MODELS.md.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCascade } from '../../compiler/analysis';
import { buildModel, parseModelConfig } from '../../compiler/graph';

const file = resolve(import.meta.dirname, '../../data/models/llama-2-7b.json');
const spec = parseModelConfig(readFileSync(file, 'utf8'), 'llama-2-7b.json');

// LLaMA-2-7B: hidden 4096, 32 layers, 32 heads of 128, SwiGLU 11008, vocab 32000, untied LM head.
const D = 4096;
const I = 11008;
const V = 32000;
const L = 32;
const H = 32;
const E = 128;
const NORMS = L * 2 * D + D;
const PARAMS = V * D + L * (4 * D * D + 3 * D * I + 2 * D) + D + V * D;

describe('LLaMA-2-7B from config.json', () => {
  it('parameter count read from the lowered graph is 6,738,415,616 (6.74 B +-0.5%)', () => {
    expect(PARAMS).toBe(6_738_415_616);
    const c = buildModel(spec, { kind: 'decode', batch: 1, kvLen: 16 });
    const params = analyzeCascade(c).totals.params;
    expect(params).toBe(PARAMS);
    expect(Math.abs(params / 6.74e9 - 1)).toBeLessThanOrEqual(0.005);
  });

  it('prefill FLOPs at seq 2048 = 2*matmul params*tokens + 4*layers*seq^2*hidden, within 1%', () => {
    const T = 2048;
    const c = buildModel(spec, { kind: 'prefill', batch: 1, seq: T });
    const flops = analyzeCascade(c).totals.flops;
    // the embedding lookup is a gather (no FLOPs), so every weight but the norms and the embedding table is a
    // matmul weight; QK^T and AV are counted over the full T x T score matrix (the causal mask is applied, not skipped)
    const formula = 2 * (PARAMS - NORMS - V * D) * T + 2 * 2 * L * T * T * H * E;
    console.log(`llama-2-7b prefill s2048: graph ${flops.toExponential(4)} FLOPs, formula ${formula.toExponential(4)}, ratio ${(flops / formula).toFixed(5)}`);
    expect(Math.abs(flops / formula - 1)).toBeLessThanOrEqual(0.01);
  });

  it('decode bytes per token = weights + the KV cache read (2*layers*kvLen*kvHeads*headDim*2 B), within 0.1%', () => {
    const kvLen = 2048;
    const c = buildModel(spec, { kind: 'decode', batch: 1, kvLen });
    const a = analyzeCascade(c);
    // fp16 (torch_dtype float16); the embedding table is read through a gather: one row of D, not V rows
    const expected = (PARAMS - V * D + D) * 2 + 2 * L * kvLen * H * E * 2;
    expect(a.tensors.find((t) => t.name === 'WTE')!.gatheredBytes).toBe(D * 2);
    console.log(`llama-2-7b decode kv2048: graph ${(a.totals.compulsoryBytes / 1e9).toFixed(4)} GB compulsory, formula ${(expected / 1e9).toFixed(4)} GB`);
    expect(Math.abs(a.totals.compulsoryBytes / expected - 1)).toBeLessThanOrEqual(0.001);
    expect(a.totals.paramBytes).toBe(PARAMS * 2);
  });
});
