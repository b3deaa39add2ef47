// A tiny LLaMA-style block and a GPT-2 block, lowered to cascades and run through the interpreter, against
// the plain implementations in reference.ts (written separately, HF conventions). fp32, norm-wise relative
// error max|got - ref| / max|ref| <= 1e-5.
import { describe, expect, it } from 'vitest';
import { buildBlock, GraphBuilder, type BlockConfig } from '../../compiler/graph';
import { interpret, randomInputs, type TensorData } from '../../compiler/interp';
import type { Cascade } from '../../compiler/ir';
import { bertLayer, gpt2Block, llamaLayer, relErr, seqOf, t5EncoderLayer, transpose } from './reference';


/** HF rotary tables for positions pos0 .. pos0+rows-1: cos/sin(pos / theta^(2*(e mod E/2)/E)). */
function hfRopeTables(rows: number, E: number, theta: number, pos0: number): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(rows * E);
  const sin = new Float64Array(rows * E);
  for (let p = 0; p < rows; p++)
    for (let e = 0; e < E; e++) {
      const a = (pos0 + p) / Math.pow(theta, (2 * (e % (E / 2))) / E);
      cos[p * E + e] = Math.cos(a);
      sin[p * E + e] = Math.sin(a);
    }
  return { cos, sin };
}

const HIDDEN = 64;
const INTER = 96;
const THETA = 10000;
const EPS = 1e-5;

function llamaCfg(heads: number, kvHeads: number, passes: 1 | 2 | 3, window?: number): BlockConfig {
  return { hidden: HIDDEN, heads, kvHeads, headDim: HIDDEN / heads, intermediate: INTER, norm: 'rms', normEps: EPS, act: 'swiglu', bias: false, rope: true, causal: true, passes, tile: 2, ...(window ? { window } : {}) };
}

function runLlama(heads: number, kvHeads: number, passes: 1 | 2 | 3, o: { batch: number; seq: number; kvLen?: number; window?: number }, seed: number) {
  const decode = o.kvLen !== undefined;
  const g = new GraphBuilder();
  const cfg = llamaCfg(heads, kvHeads, passes, o.window);
  buildBlock(g, cfg, { batch: o.batch, seq: decode ? 1 : o.seq, ...(decode ? { kvLen: o.kvLen!, decode: true } : {}) });
  const c: Cascade = g.build();
  const inputs = randomInputs(c, seed);
  const E = HIDDEN / heads;
  const seq = decode ? 1 : o.seq;
  const t = hfRopeTables(seq, E, THETA, o.kvLen ?? 0);
  inputs.set('ROPE_COS', { dtype: 'fp32', shape: [seq, E], data: t.cos });
  inputs.set('ROPE_SIN', { dtype: 'fp32', shape: [seq, E], data: t.sin });
  const out = interpret(c, inputs);
  const w = {
    ln1: inputs.get('L0_AN_W')!.data,
    ln2: inputs.get('L0_MN_W')!.data,
    q: transpose(inputs.get('L0_WQ')!.data, HIDDEN, heads * E),
    k: transpose(inputs.get('L0_WK')!.data, HIDDEN, kvHeads * E),
    v: transpose(inputs.get('L0_WV')!.data, HIDDEN, kvHeads * E),
    o: transpose(inputs.get('L0_WO')!.data, heads * E, HIDDEN),
    gate: transpose(inputs.get('L0_WG')!.data, HIDDEN, INTER),
    up: transpose(inputs.get('L0_WU')!.data, HIDDEN, INTER),
    down: transpose(inputs.get('L0_WD')!.data, INTER, HIDDEN),
  };
  let err = 0;
  for (let b = 0; b < o.batch; b++) {
    const cache = decode ? { k: seqOf(inputs.get('L0_KC')!, b), v: seqOf(inputs.get('L0_VC')!, b), len: o.kvLen! } : undefined;
    const ref = llamaLayer(seqOf(inputs.get('X')!, b), seq, w, { hidden: HIDDEN, heads, kvHeads, inter: INTER, eps: EPS, theta: THETA, ...(o.window ? { window: o.window } : {}) }, cache);
    err = Math.max(err, relErr(seqOf(out.get('L0_OUT')!, b), ref.out));
    // the cache entries the block emits: rotated keys and values
    err = Math.max(err, relErr(seqOf(out.get(decode ? 'L0_KNR' : 'L0_KR')!, b), ref.k));
    err = Math.max(err, relErr(seqOf(out.get(decode ? 'L0_VN' : 'L0_V')!, b), ref.v));
  }
  return err;
}

describe('LLaMA-style block (hidden 64, RMSNorm, RoPE, SwiGLU) vs an independent reference', () => {
  it('GQA: 4 heads, 2 KV heads, 3 tokens, 3-pass causal attention: rel err <= 1e-5', () => {
    const err = runLlama(4, 2, 3, { batch: 1, seq: 3 }, 1);
    console.log(`llama block (4 heads, 2 kv heads, 3 tokens) max rel err ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(1e-5);
  });
  for (const [heads, kv, label] of [[4, 4, 'MHA'], [4, 2, 'GQA'], [4, 1, 'MQA']] as const)
    for (const passes of [3, 2, 1] as const) {
      it(`${label} ${passes}-pass prefill, batch 2, 5 tokens (ragged tiles of 2)`, () => {
        expect(runLlama(heads, kv, passes, { batch: 2, seq: 5 }, 7 + passes)).toBeLessThanOrEqual(1e-5);
      });
      it(`${label} ${passes}-pass prefill with a sliding window of 2 (Mistral)`, () => {
        expect(runLlama(heads, kv, passes, { batch: 1, seq: 5, window: 2 }, 3 + passes)).toBeLessThanOrEqual(1e-5);
      });
      it(`${label} ${passes}-pass decode against a KV cache of length 5`, () => {
        expect(runLlama(heads, kv, passes, { batch: 2, seq: 1, kvLen: 5 }, 11 + passes)).toBeLessThanOrEqual(1e-5);
      });
    }
});

describe('GPT-2 block (LayerNorm, biases, causal MHA, gelu_new) vs an independent reference', () => {
  it('hidden 64, 4 heads, 3 tokens: rel err <= 1e-5', () => {
    const heads = 4;
    const inner = 4 * HIDDEN;
    const g = new GraphBuilder();
    const cfg: BlockConfig = { hidden: HIDDEN, heads, kvHeads: heads, headDim: HIDDEN / heads, intermediate: inner, norm: 'layer', normEps: EPS, act: 'gelu_tanh', bias: true, causal: true, passes: 3 };
    buildBlock(g, cfg, { batch: 2, seq: 3 });
    const c = g.build();
    const inputs = randomInputs(c, 3);
    const out = interpret(c, inputs);
    const d = (n: string) => inputs.get(n)!.data;
    const w = {
      ln1w: d('L0_AN_W'), ln1b: d('L0_AN_B'), ln2w: d('L0_MN_W'), ln2b: d('L0_MN_B'),
      q: transpose(d('L0_WQ'), HIDDEN, HIDDEN), qb: d('L0_BQ'),
      k: transpose(d('L0_WK'), HIDDEN, HIDDEN), kb: d('L0_BK'),
      v: transpose(d('L0_WV'), HIDDEN, HIDDEN), vb: d('L0_BV'),
      o: transpose(d('L0_WO'), HIDDEN, HIDDEN), ob: d('L0_BO'),
      fc: transpose(d('L0_W1'), HIDDEN, inner), fcb: d('L0_B1'),
      proj: transpose(d('L0_W2'), inner, HIDDEN), projb: d('L0_B2'),
    };
    let err = 0;
    for (let b = 0; b < 2; b++) err = Math.max(err, relErr(seqOf(out.get('L0_OUT')!, b), gpt2Block(seqOf(inputs.get('X')!, b), 3, w, { hidden: HIDDEN, heads, inner, eps: EPS })));
    console.log(`gpt2 block (4 heads, 3 tokens) max rel err ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(1e-5);
  });
});

describe('encoder blocks vs independent references', () => {
  const d = (inp: Map<string, TensorData>) => (n: string) => inp.get(n)!.data;
  it('BERT (post-LayerNorm, bidirectional, exact GELU): hidden 48, 4 heads, 5 tokens, 2-pass', () => {
    const [D, heads, I] = [48, 4, 80];
    const g = new GraphBuilder();
    buildBlock(g, { hidden: D, heads, kvHeads: heads, headDim: D / heads, intermediate: I, norm: 'layer', normEps: 1e-12, postNorm: true, act: 'gelu', bias: true, causal: false, passes: 2, tile: 2 }, { batch: 1, seq: 5 });
    const c = g.build();
    const inp = randomInputs(c, 17);
    const w = d(inp);
    const ref = bertLayer(w('X'), 5, {
      q: transpose(w('L0_WQ'), D, D), qb: w('L0_BQ'), k: transpose(w('L0_WK'), D, D), kb: w('L0_BK'), v: transpose(w('L0_WV'), D, D), vb: w('L0_BV'),
      o: transpose(w('L0_WO'), D, D), ob: w('L0_BO'), w1: transpose(w('L0_W1'), D, I), b1: w('L0_B1'), w2: transpose(w('L0_W2'), I, D), b2: w('L0_B2'),
      ln1w: w('L0_HN_W'), ln1b: w('L0_HN_B'), ln2w: w('L0_OUTN_W'), ln2b: w('L0_OUTN_B'),
    }, { hidden: D, heads, inter: I, eps: 1e-12 });
    expect(relErr(interpret(c, inp).get('L0_OUTN')!.data, ref)).toBeLessThanOrEqual(1e-5);
  });
  it('T5 encoder (RMS norm, unscaled scores, position bias input, ReLU): d_model 32, 4 heads of d_kv 12, 1-pass', () => {
    const [D, heads, dkv, I] = [32, 4, 12, 40];
    const g = new GraphBuilder();
    buildBlock(g, { hidden: D, heads, kvHeads: heads, headDim: dkv, intermediate: I, norm: 'rms', normEps: 1e-6, act: 'relu', bias: false, causal: false, scale: false, scoreBias: 'POS_BIAS', passes: 1, tile: 3 }, { batch: 1, seq: 4 });
    const c = g.build();
    const inp = randomInputs(c, 23);
    const w = d(inp);
    const pb = w('POS_BIAS'); // [H, S(key), S(query)]
    const ref = t5EncoderLayer(w('X'), 4, {
      q: transpose(w('L0_WQ'), D, heads * dkv), k: transpose(w('L0_WK'), D, heads * dkv), v: transpose(w('L0_WV'), D, heads * dkv),
      o: transpose(w('L0_WO'), heads * dkv, D), w1: transpose(w('L0_W1'), D, I), w2: transpose(w('L0_W2'), I, D), ln1w: w('L0_AN_W'), ln2w: w('L0_MN_W'),
    }, (h, q, k) => pb[(h * 4 + k) * 4 + q]!, { hidden: D, heads, dkv, inter: I, eps: 1e-6 });
    expect(relErr(interpret(c, inp).get('L0_OUT')!.data, ref)).toBeLessThanOrEqual(1e-5);
  });
});
