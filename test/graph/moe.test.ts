// Mixture of experts (Mixtral): the router, top-k selection and the experts reached by gathers, against a
// computation written here by hand; Mixtral-8x7B's total and active parameters from its config.json
// against the formula from the published architecture (Jiang et al. 2024: 47 B total, 13 B active).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCascade } from '../../compiler/analysis';
import { buildModel, parseModelConfig } from '../../compiler/graph';
import { GraphBuilder } from '../../compiler/graph/dsl';
import { moeMlp } from '../../compiler/graph/moe';
import { interpret, randomInputs } from '../../compiler/interp';

const root = resolve(import.meta.dirname, '../..');

describe('a mixture of experts layer', () => {
  it('equals routing by hand: top-2 of 4 experts, softmax over the selected logits, SwiGLU experts', () => {
    const [B, S, D, I, X, K] = [2, 3, 5, 4, 4, 2];
    const g = new GraphBuilder();
    g.rank('B', B).rank('S', S).rank('D', D).rank('I', I);
    g.declare('input', 'XN', ['B', 'S', 'D'], 'fp32');
    const { out } = moeMlp({ g, dtype: 'fp32' }, { x: 'XN', prefix: 'L0_', experts: X, topK: K });
    g.output(out);
    const c = g.build('moe');
    const inp = randomInputs(c, 11);
    const got = interpret(c, inp).get(out)!.data;
    const d = (n: string) => inp.get(n)!.data;
    const [x, wr, wg, wu, wd] = [d('XN'), d('L0_WR'), d('L0_WG'), d('L0_WU'), d('L0_WD')];
    const silu = (v: number) => v / (1 + Math.exp(-v));
    for (let t = 0; t < B * S; t++) {
      const logits = Array.from({ length: X }, (_, e) => Array.from({ length: D }, (_, k) => x[t * D + k]! * wr[k * X + e]!).reduce((a, b) => a + b, 0));
      const order = logits.map((l, e) => [l, e] as const).sort((a, b) => b[0] - a[0] || b[1] - a[1]).slice(0, K);
      const z = order.reduce((s, [l]) => s + Math.exp(l - order[0]![0]), 0);
      for (let o = 0; o < D; o++) {
        let want = 0;
        for (const [l, e] of order) {
          let y = 0;
          for (let i = 0; i < I; i++) {
            let gi = 0;
            let ui = 0;
            for (let k = 0; k < D; k++) {
              gi += x[t * D + k]! * wg[(e * D + k) * I + i]!;
              ui += x[t * D + k]! * wu[(e * D + k) * I + i]!;
            }
            y += silu(gi) * ui * wd[(e * I + i) * D + o]!;
          }
          want += (Math.exp(l - order[0]![0]) / z) * y;
        }
        expect(got[t * D + o]).toBeCloseTo(want, 5);
      }
    }
  });
});

describe('Mixtral-8x7B from config.json', () => {
  const spec = parseModelConfig(readFileSync(resolve(root, 'data/models/mixtral-8x7b.json'), 'utf8'), 'mixtral-8x7b.json');
  const [D, I, V, L, E, KV, HD, TOPK] = [4096, 14336, 32000, 32, 8, 8, 128, 2];
  const attn = D * D * 2 + 2 * D * KV * HD; // q, o; k, v with 8 KV heads of 128
  const perLayer = (experts: number) => attn + experts * 3 * D * I + D * E + 2 * D; // + router + 2 norms
  const TOTAL = V * D + L * perLayer(E) + D + V * D;

  it('total parameters: 46.70 B (the paper: 47 B); active per decoded token: the top-2 experts only', () => {
    expect(spec.moe).toEqual({ experts: 8, topK: 2 });
    const c = buildModel(spec, { kind: 'decode', batch: 1, kvLen: 16 });
    const a = analyzeCascade(c);
    expect(a.totals.params).toBe(TOTAL);
    expect(Math.abs(TOTAL / 46.7e9 - 1)).toBeLessThan(0.005);
    // one token touches 2 experts per layer and one row of the embedding table
    const active = V * D + L * perLayer(TOPK) + D + V * D;
    expect(a.totals.activeParams).toBe(active - V * D + D);
    // with the embedding table counted whole, 12.88 B: the paper's 13 B active
    expect(Math.abs(active / 12.9e9 - 1)).toBeLessThan(0.01);
    // decode reads only the active experts' weights: compulsory bytes follow the active parameters (bf16)
    expect(a.totals.compulsoryBytes).toBeLessThan((active - V * D) * 2 * 1.01);
    expect(a.totals.compulsoryBytes).toBeGreaterThan((active - V * D) * 2);
  });

  it('a config without num_experts_per_tok is refused, naming the field', () => {
    const bad = JSON.parse(readFileSync(resolve(root, 'data/models/mixtral-8x7b.json'), 'utf8')) as Record<string, unknown>;
    delete bad.num_experts_per_tok;
    expect(() => parseModelConfig(JSON.stringify(bad), 'm.json')).toThrow(/m\.json: field "num_experts_per_tok": a mixtral model needs/);
  });
});
