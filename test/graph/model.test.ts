// Whole models from config.json: tiny LLaMA and GPT-2 models through the interpreter against the plain
// reference (embedding lookup, blocks, final norm, LM head).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, parseModelConfig } from '../../compiler/graph';
import { interpret, randomInputs, type TensorData } from '../../compiler/interp';
import { gpt2Block, layerNorm, linear, llamaLayer, relErr, rmsNorm, seqOf, transpose, type Mat } from './reference';

const root = resolve(import.meta.dirname, '../..');
const load = (path: string) => parseModelConfig(readFileSync(path, 'utf8'), path);

/** Token ids as the integer index tensor TOK[B, S] that the embedding gathers rows with. */
function tokenIds(ids: number[][]): TensorData {
  return { dtype: 'int32', shape: [ids.length, ids[0]!.length], data: Float64Array.from(ids.flat()) };
}
function embed(wte: Mat, D: number, ids: number[]): Mat {
  const x = new Float64Array(ids.length * D);
  ids.forEach((t, s) => x.set(wte.subarray(t * D, (t + 1) * D), s * D));
  return x;
}

describe('tiny LLaMA model (2 layers, hidden 64, 4 heads, 2 KV heads) vs the reference', () => {
  const spec = load(resolve(root, 'examples/models/tiny-llama.json'));
  const D = spec.hidden;
  const E = D / spec.heads;
  const c = { hidden: D, heads: spec.heads, kvHeads: spec.kvHeads, inter: spec.intermediate, eps: spec.normEps, theta: spec.ropeTheta! };
  const weights = (inp: Map<string, TensorData>, l: number) => {
    const d = (n: string) => inp.get(`L${l}_${n}`)!.data;
    return {
      ln1: d('AN_W'), ln2: d('MN_W'),
      q: transpose(d('WQ'), D, spec.heads * E), k: transpose(d('WK'), D, spec.kvHeads * E), v: transpose(d('WV'), D, spec.kvHeads * E),
      o: transpose(d('WO'), spec.heads * E, D),
      gate: transpose(d('WG'), D, spec.intermediate), up: transpose(d('WU'), D, spec.intermediate), down: transpose(d('WD'), spec.intermediate, D),
    };
  };
  const ropeInputs = (inp: Map<string, TensorData>, rows: number, pos0: number) => {
    const cos = new Float64Array(rows * E);
    const sin = new Float64Array(rows * E);
    for (let p = 0; p < rows; p++)
      for (let e = 0; e < E; e++) {
        const a = (pos0 + p) / Math.pow(c.theta, (2 * (e % (E / 2))) / E);
        cos[p * E + e] = Math.cos(a);
        sin[p * E + e] = Math.sin(a);
      }
    inp.set('ROPE_COS', { dtype: 'fp32', shape: [rows, E], data: cos });
    inp.set('ROPE_SIN', { dtype: 'fp32', shape: [rows, E], data: sin });
  };
  const ids = [
    [3, 17, 42, 99, 0],
    [8, 8, 61, 5, 23],
  ];

  for (const passes of [3, 2, 1] as const)
    it(`prefill, ${passes}-pass attention: logits and KV cache match (rel err <= 1e-5)`, () => {
      const cas = buildModel(spec, { kind: 'prefill', batch: 2, seq: 5 }, { passes, tile: 2 });
      const inp = randomInputs(cas, 21);
      inp.set('TOK', tokenIds(ids));
      ropeInputs(inp, 5, 0);
      const out = interpret(cas, inp);
      let err = 0;
      for (let b = 0; b < 2; b++) {
        let x = embed(inp.get('WTE')!.data, D, ids[b]!);
        for (let l = 0; l < spec.layers; l++) {
          const r = llamaLayer(x, 5, weights(inp, l), c);
          err = Math.max(err, relErr(seqOf(out.get(`L${l}_KR`)!, b), r.k), relErr(seqOf(out.get(`L${l}_V`)!, b), r.v));
          x = r.out;
        }
        const logits = linear(rmsNorm(x, 5, D, inp.get('FN_W')!.data, c.eps), 5, D, transpose(inp.get('LM_HEAD')!.data, D, spec.vocab), spec.vocab);
        err = Math.max(err, relErr(seqOf(out.get('LOGITS')!, b), logits));
      }
      expect(err).toBeLessThanOrEqual(1e-5);
    });

  for (const passes of [3, 1] as const)
    it(`decode against a KV cache of length 6, ${passes}-pass: logits and new cache entries match`, () => {
      const L = 6;
      const cas = buildModel(spec, { kind: 'decode', batch: 2, kvLen: L }, { passes, tile: 4 });
      const inp = randomInputs(cas, 5);
      const tok = [[7], [91]];
      inp.set('TOK', tokenIds(tok));
      ropeInputs(inp, 1, L);
      const out = interpret(cas, inp);
      let err = 0;
      for (let b = 0; b < 2; b++) {
        let x = embed(inp.get('WTE')!.data, D, tok[b]!);
        for (let l = 0; l < spec.layers; l++) {
          const r = llamaLayer(x, 1, weights(inp, l), c, { k: seqOf(inp.get(`L${l}_KC`)!, b), v: seqOf(inp.get(`L${l}_VC`)!, b), len: L });
          err = Math.max(err, relErr(seqOf(out.get(`L${l}_KNR`)!, b), r.k), relErr(seqOf(out.get(`L${l}_VN`)!, b), r.v));
          x = r.out;
        }
        const logits = linear(rmsNorm(x, 1, D, inp.get('FN_W')!.data, c.eps), 1, D, transpose(inp.get('LM_HEAD')!.data, D, spec.vocab), spec.vocab);
        err = Math.max(err, relErr(seqOf(out.get('LOGITS')!, b), logits));
      }
      expect(err).toBeLessThanOrEqual(1e-5);
    });
});

describe('tiny GPT-2 and OPT models (learned positions, biases, tied LM head) vs the reference', () => {
  const opt = { model_type: 'opt', hidden_size: 64, ffn_dim: 80, num_hidden_layers: 2, num_attention_heads: 4, vocab_size: 100, max_position_embeddings: 16, activation_function: 'relu' };
  for (const family of ['gpt2', 'opt']) {
    it(`${family}: prefill of 4 tokens, logits match (rel err <= 1e-5)`, () => {
      const spec = family === 'gpt2' ? load(resolve(root, 'examples/models/tiny-gpt2.json')) : parseModelConfig(JSON.stringify(opt), 'tiny-opt.json');
      // OPT's position table starts at row 2
      const offset = spec.positions!.offset;
      const D = spec.hidden;
      const cas = buildModel(spec, { kind: 'prefill', batch: 1, seq: 4 });
      const inp = randomInputs(cas, 9);
      const ids = [5, 77, 5, 12];
      inp.set('TOK', tokenIds([ids]));
      inp.set('POS', { dtype: 'int32', shape: [4], data: Float64Array.from([0, 1, 2, 3], (s) => s + offset) });
      const out = interpret(cas, inp);
      const d = (n: string) => inp.get(n)!.data;
      const wte = d('WTE');
      let x: Mat = embed(wte, D, ids).map((v, i) => v + d('WPE')[i + offset * D]!);
      const I = spec.intermediate;
      for (let l = 0; l < spec.layers; l++) {
        const p = (n: string) => d(`L${l}_${n}`);
        x = gpt2Block(x, 4, {
          ln1w: p('AN_W'), ln1b: p('AN_B'), ln2w: p('MN_W'), ln2b: p('MN_B'),
          q: transpose(p('WQ'), D, D), qb: p('BQ'), k: transpose(p('WK'), D, D), kb: p('BK'), v: transpose(p('WV'), D, D), vb: p('BV'),
          o: transpose(p('WO'), D, D), ob: p('BO'), fc: transpose(p('W1'), D, I), fcb: p('B1'), proj: transpose(p('W2'), I, D), projb: p('B2'),
        }, { hidden: D, heads: spec.heads, inner: I, eps: spec.normEps, ...(family === 'opt' ? { act: (t: number) => Math.max(t, 0) } : {}) });
      }
      const logits = linear(layerNorm(x, 4, D, d('FN_W'), d('FN_B'), spec.normEps), 4, D, wte, spec.vocab);
      expect(relErr(out.get('LOGITS')!.data, logits)).toBeLessThanOrEqual(1e-5);
    });
  }
});
