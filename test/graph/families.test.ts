// Every family lowers and round-trips through the .ein printer and parser; Mistral's sliding window; and a
// T5 decoder step through the interpreter against the plain reference.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, parseModelConfig } from '../../compiler/graph';
import { interpret, randomInputs, type TensorData } from '../../compiler/interp';
import { cascadesEqual, printCascade } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';
import { attention, linear, map, relErr, rmsNorm, type Mat } from './reference';

const shared = resolve(import.meta.dirname, '../../data/models');
const load = (path: string) => parseModelConfig(readFileSync(path, 'utf8'), path);
const transpose = (a: Mat, rows: number, cols: number): Mat => {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c]!;
  return t;
};
/** Token ids as the integer index tensor TOK[B, S] that the embedding gathers rows with. */
function tokenIds(ids: number[][]): TensorData {
  return { dtype: 'int32', shape: [ids.length, ids[0]!.length], data: Float64Array.from(ids.flat()) };
}
const embed = (wte: Mat, D: number, ids: number[]): Mat => {
  const x = new Float64Array(ids.length * D);
  ids.forEach((t, s) => x.set(wte.subarray(t * D, (t + 1) * D), s * D));
  return x;
};

describe('every family lowers, and its .ein text parses back to the same cascade', () => {
  for (const f of ['llama-2-7b', 'llama-3-8b', 'mistral-7b', 'opt-6.7b', 'gpt2', 'bert-base-uncased', 't5-small'])
    for (const passes of [3, 1] as const)
      it(`${f}, 2 layers, ${passes}-pass`, () => {
        const spec = load(resolve(shared, `${f}.json`));
        const c = buildModel(spec, { kind: 'prefill', batch: 1, seq: 32 }, { layers: 2, passes, tile: 8 });
        const back = parseCascade(printCascade(c), `${f}.ein`);
        expect(back.diagnostics).toEqual([]);
        expect(cascadesEqual(back.cascade!, c)).toBe(true);
        if (spec.decode) {
          const d = buildModel(spec, { kind: 'decode', batch: 2, kvLen: 40, encLen: 24 }, { layers: 2, passes, tile: 8 });
          expect(cascadesEqual(parseCascade(printCascade(d)).cascade!, d)).toBe(true);
        }
      });
});

describe('Mistral sliding window', () => {
  const spec = load(resolve(shared, 'mistral-7b.json'));
  it('prefill masks keys 4096 or more positions back; decode keeps a rolling cache of window - 1 keys', () => {
    expect(spec.slidingWindow).toBe(4096);
    const p = buildModel(spec, { kind: 'prefill', batch: 1, seq: 64 }, { layers: 1 });
    expect(printCascade(p)).toContain('L0_QKM[b, g, r, m_l0, s] = select(m_l0 <= s, select(s - m_l0 < 4096, L0_QK[b, g, r, m_l0, s], -inf), -inf)');
    const long = buildModel(spec, { kind: 'decode', batch: 1, kvLen: 10000 }, { layers: 1 });
    expect(long.ranks.find((r) => r.name === 'M_L0')!.size).toBe(4095);
    const short = buildModel(spec, { kind: 'decode', batch: 1, kvLen: 100 }, { layers: 1 });
    expect(short.ranks.find((r) => r.name === 'M_L0')!.size).toBe(100);
  });
});

describe('T5 decode: one decoder step (self-attention with position bias, cross-attention, ReLU MLP)', () => {
  it('a tiny T5 (d_model 32, 4 heads of d_kv 8, 2 decoder layers), cache 5, encoder 6: logits match the reference', () => {
    const spec = parseModelConfig(JSON.stringify({ model_type: 't5', d_model: 32, d_kv: 8, d_ff: 40, num_layers: 3, num_decoder_layers: 2, num_heads: 4, vocab_size: 50, feed_forward_proj: 'relu' }), 'tiny-t5.json');
    const [D, H, E, I, L, N, V] = [32, 4, 8, 40, 5, 6, 50];
    for (const passes of [3, 1] as const) {
      const cas = buildModel(spec, { kind: 'decode', batch: 1, kvLen: L, encLen: N }, { passes, tile: 2 });
      const inp = randomInputs(cas, 31 + passes);
      inp.set('TOK', tokenIds([[13]]));
      const out = interpret(cas, inp);
      const d = (n: string) => inp.get(n)!.data;
      const lin = (x: Mat, w: string, i: number, o: number) => linear(x, 1, i, transpose(d(w), i, o), o);
      const bias = d('DEC_BIAS'); // [H, P, S=1]
      const self = d('DEC_BIAS_SELF'); // [H, S=1]
      let x = embed(d('WTE'), D, [13]);
      for (let l = 0; l < 2; l++) {
        const p = `L${l}_`;
        const h = rmsNorm(x, 1, D, d(`${p}AN_W`), spec.normEps);
        const q = lin(h, `${p}WQ`, D, H * E);
        const k = new Float64Array([...d(`${p}KC`), ...lin(h, `${p}WK`, D, H * E)]);
        const v = new Float64Array([...d(`${p}VC`), ...lin(h, `${p}WV`, D, H * E)]);
        const att = attention(q, 1, k, v, L + 1, H, H, E, false, L, { scale: false, bias: (hh, _q, m) => (m < L ? bias[hh * L + m]! : self[hh]!) });
        const x1 = x.map((t, i) => t + lin(att, `${p}WO`, H * E, D)[i]!);
        const h2 = rmsNorm(x1, 1, D, d(`${p}CN_W`), spec.normEps);
        const cross = attention(lin(h2, `${p}WCQ`, D, H * E), 1, d(`${p}CKC`), d(`${p}CVC`), N, H, H, E, false, 0, { scale: false });
        const x2 = x1.map((t, i) => t + lin(cross, `${p}WCO`, H * E, D)[i]!);
        const h3 = rmsNorm(x2, 1, D, d(`${p}MN_W`), spec.normEps);
        const f = map(lin(h3, `${p}W1`, D, I), (t) => Math.max(t, 0));
        const down = lin(f, `${p}W2`, I, D);
        x = x2.map((t, i) => t + down[i]!);
      }
      const xf = rmsNorm(x, 1, D, d('FN_W'), spec.normEps).map((t) => t / Math.sqrt(D));
      const logits = linear(xf, 1, D, d('WTE'), V);
      expect(relErr(out.get('LOGITS')!.data, logits)).toBeLessThanOrEqual(1e-5);
    }
  });
});
