// Property tests: partitioning, the 3-pass -> 1-pass rewrite and fusion leave interpreter results unchanged
// (norm-wise relative error max|a - b| / max|b| <= 1e-5 in fp32) over random shapes and seeds.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAttention, buildBlock, buildGemm, buildModel, GraphBuilder, parseModelConfig } from '../../compiler/graph';
import { interpret, randomInputs } from '../../compiler/interp';
import { countPasses } from '../../compiler/analysis';
import type { Cascade } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';
import { fuseElementwise, fusionGroups, partitionRank, rewrite3to1Pass } from '../../compiler/transform';

const root = resolve(import.meta.dirname, '../..');
const loadEin = (p: string) => {
  const r = parseCascade(readFileSync(resolve(root, p), 'utf8'), p);
  if (!r.cascade) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.cascade;
};

/** Max over the named tensors of the norm-wise relative error between two runs on the same inputs. */
function diff(a: Cascade, b: Cascade, names: string[], seed: number): number {
  const inp = randomInputs(a, seed);
  const ra = interpret(a, inp);
  const rb = interpret(b, inp);
  let worst = 0;
  for (const n of names) {
    const x = ra.get(n)!.data;
    const y = rb.get(n)!.data;
    expect(y.length).toBe(x.length);
    let num = 0;
    let den = 0;
    for (let i = 0; i < x.length; i++) {
      num = Math.max(num, Math.abs(x[i]! - y[i]!));
      den = Math.max(den, Math.abs(x[i]!));
    }
    worst = Math.max(worst, den === 0 ? num : num / den);
  }
  return worst;
}

const attentionArb = fc.record({
  kvHeads: fc.integer({ min: 1, max: 2 }),
  groups: fc.integer({ min: 1, max: 3 }),
  headDim: fc.integer({ min: 1, max: 6 }),
  batch: fc.integer({ min: 1, max: 2 }),
  seq: fc.integer({ min: 1, max: 9 }),
  causal: fc.boolean(),
  window: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  tile: fc.integer({ min: 1, max: 10 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});

describe('partitionRank: M -> M1, M0 preserves results, ragged tiles included', () => {
  it('GEMM: any rank, any inner size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom('M', 'N', 'K'), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 99 }), (m, n, k, rank, inner, seed) => {
        const c = buildGemm({ m, n, k, batch: 2 });
        const p = partitionRank(c, rank, `${rank}1`, `${rank}0`, inner);
        expect(p.partitions.map((x) => x.parent)).toEqual([rank]);
        expect(diff(c, p, ['Z'], seed)).toBeLessThanOrEqual(1e-5);
      }),
      { numRuns: 25 },
    );
  });
  it('attention (3-pass, causal or not): partitioning the key rank M or the query rank S', () => {
    fc.assert(
      fc.property(attentionArb, fc.constantFrom('M', 'S'), (o, rank) => {
        const g = new GraphBuilder();
        buildAttention(g, { heads: o.kvHeads * o.groups, kvHeads: o.kvHeads, headDim: o.headDim, batch: o.batch, seq: o.seq, causal: o.causal });
        const c = g.build();
        const p = partitionRank(c, rank, `${rank}1`, `${rank}0`, o.tile);
        expect(diff(c, p, ['AV'], o.seed)).toBeLessThanOrEqual(1e-5);
      }),
      { numRuns: 15 },
    );
  });
  it('a LLaMA block: partitioning the hidden rank D (a reduced rank of every projection)', () => {
    const g = new GraphBuilder();
    buildBlock(g, { hidden: 24, heads: 4, kvHeads: 2, headDim: 6, intermediate: 20, norm: 'rms', normEps: 1e-5, act: 'swiglu', bias: false, rope: true, causal: true, passes: 3 }, { batch: 1, seq: 4 });
    const c = g.build();
    const p = partitionRank(c, 'D', 'D1', 'D0', 7);
    expect(diff(c, p, ['L0_OUT'], 3)).toBeLessThanOrEqual(1e-5);
  });
  it('the 1-pass example (a recurrence over m1): partitioning P, E or F, ragged', () => {
    const c = loadEin('examples/attention/attention-1pass.ein');
    for (const r of ['P', 'E', 'F']) expect(diff(c, partitionRank(c, r, `${r}1`, `${r}0`, 7), ['AV'], 6)).toBeLessThanOrEqual(1e-5);
  });
  it('refuses a rank that does not exist or is already partitioned', () => {
    const c = loadEin('examples/attention/attention-1pass.ein');
    expect(() => partitionRank(c, 'Z', 'Z1', 'Z0', 2)).toThrow(/no rank Z/);
    expect(() => partitionRank(c, 'M', 'X1', 'X0', 2)).toThrow(/already partitioned/);
  });
});

describe('rewrite3to1Pass: the 3-pass softmax becomes the 1-pass recurrence', () => {
  it('examples/attention: the rewritten 3-pass cascade computes what attention-1pass.ein computes, in one pass over M', () => {
    const three = loadEin('examples/attention/attention-3pass.ein');
    const one = loadEin('examples/attention/attention-1pass.ein');
    const r = rewrite3to1Pass(three, { tile: 64 });
    expect(r.rewritten).toEqual(['AV']);
    expect(diff(one, r.cascade, ['AV'], 4)).toBeLessThanOrEqual(1e-5);
    expect(diff(three, r.cascade, ['AV'], 5)).toBeLessThanOrEqual(1e-5);
    expect(countPasses(three, 'M')).toBe(3);
    expect(countPasses(r.cascade, 'M')).toBe(1);
  });
  it('random MHA/GQA/MQA shapes, causal or not, sliding windows, ragged tiles', () => {
    fc.assert(
      fc.property(attentionArb, (o) => {
        const g = new GraphBuilder();
        buildAttention(g, { heads: o.kvHeads * o.groups, kvHeads: o.kvHeads, headDim: o.headDim, batch: o.batch, seq: o.seq, causal: o.causal, ...(o.window ? { window: o.window } : {}) });
        const c = g.build();
        const r = rewrite3to1Pass(c, { tile: o.tile });
        expect(r.rewritten).toEqual(['AV']);
        expect(diff(c, r.cascade, ['AV'], o.seed)).toBeLessThanOrEqual(1e-5);
      }),
      { numRuns: 20 },
    );
  });
  it('a whole 2-layer tiny LLaMA: every layer rewritten, logits unchanged', () => {
    const spec = parseModelConfig(readFileSync(resolve(root, 'examples/models/tiny-llama.json'), 'utf8'));
    const c = buildModel(spec, { kind: 'prefill', batch: 2, seq: 7 });
    const r = rewrite3to1Pass(c, { tile: 3 });
    expect(r.rewritten).toEqual(['L0_AV', 'L1_AV']);
    expect(diff(c, r.cascade, ['LOGITS', 'L1_KR'], 8)).toBeLessThanOrEqual(1e-5);
  });
  it('tiny GPT-2 (biases, K an output), BERT (post-norm) and T5 encoder (position bias): rewritten, outputs unchanged', () => {
    const tiny: [string, Record<string, unknown>, string][] = [
      ['gpt2', JSON.parse(readFileSync(resolve(root, 'examples/models/tiny-gpt2.json'), 'utf8')), 'LOGITS'],
      ['bert', { model_type: 'bert', hidden_size: 32, intermediate_size: 40, num_hidden_layers: 2, num_attention_heads: 4, vocab_size: 30, max_position_embeddings: 16 }, 'L1_OUTN'],
      ['t5', { model_type: 't5', d_model: 32, d_kv: 8, d_ff: 40, num_layers: 2, num_heads: 4, vocab_size: 30 }, 'FN'],
    ];
    for (const [name, cfg, out] of tiny) {
      const c = buildModel(parseModelConfig(JSON.stringify(cfg), `${name}.json`), { kind: 'prefill', batch: 1, seq: 6 });
      const r = rewrite3to1Pass(c, { tile: 4 });
      expect(r.rewritten).toEqual(['L0_AV', 'L1_AV']);
      expect(diff(c, r.cascade, [out], 12)).toBeLessThanOrEqual(1e-5);
    }
  });
  it('leaves a cascade without the pattern alone', () => {
    const c = buildGemm({ m: 3, n: 4, k: 5 });
    expect(rewrite3to1Pass(c)).toEqual({ cascade: c, rewritten: [] });
  });
});

describe('fusion', () => {
  it('fusionGroups: the 3-pass attention is one group fused over P, with every intermediate internal', () => {
    const g = fusionGroups(loadEin('examples/attention/attention-3pass.ein'));
    expect(g).toHaveLength(1);
    expect(g[0]!.sharedRanks).toEqual(['P']);
    expect(g[0]!.internal).toEqual(['QK', 'GM', 'SN', 'SD', 'A']);
  });
  it('fusionGroups: a tiled read (K at m1*M0+m0) starts a new group; recurrence members stand alone', () => {
    const groups = fusionGroups(loadEin('examples/attention/attention-1pass.ein'));
    expect(groups.every((x) => x.einsums.length >= 1)).toBe(true);
    expect(groups.map((x) => x.einsums).flat()).toEqual([...Array(groups.map((x) => x.einsums).flat().length).keys()]);
    expect(groups.find((x) => x.tensors.includes('BK'))!.einsums).toHaveLength(1);
  });
  it('fuseElementwise on random 2-pass attention: inlines the rescaled tile sums, results unchanged', () => {
    fc.assert(
      fc.property(attentionArb, (o) => {
        const g = new GraphBuilder();
        buildAttention(g, { heads: o.kvHeads * o.groups, kvHeads: o.kvHeads, headDim: o.headDim, batch: o.batch, seq: o.seq, causal: o.causal, passes: 2, tile: o.tile, ...(o.window ? { window: o.window } : {}) });
        const c = g.build();
        const f = fuseElementwise(c);
        expect(f.inlined).toContain('SPD');
        expect(f.cascade.einsums.length).toBe(c.einsums.length - f.inlined.length);
        expect(diff(c, f.cascade, ['AV'], o.seed)).toBeLessThanOrEqual(1e-5);
      }),
      { numRuns: 15 },
    );
  });
});
