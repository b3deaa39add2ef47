// Plain implementations of transformer blocks, written the way PyTorch / Hugging Face code does it
// (nn.Linear weights as [out][in], heads by reshaping, repeat_kv for GQA, rotate_half for RoPE),
// independently of compiler/graph. Float64 throughout; one sequence at a time.

export type Mat = Float64Array; // row-major [rows][cols]

export const transpose = (a: Mat, rows: number, cols: number): Mat => {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c]!;
  return t;
};

/** The rows of batch element b of a [B, ...] tensor. */
export const seqOf = (t: { data: Float64Array; shape: number[] }, b: number): Mat => {
  const per = t.data.length / t.shape[0]!;
  return t.data.slice(b * per, (b + 1) * per);
};

/** y[s][o] = sum_i x[s][i] * w[o][i] + b[o]  (nn.Linear) */
export function linear(x: Mat, rows: number, inF: number, w: Mat, outF: number, b?: Mat): Mat {
  const y = new Float64Array(rows * outF);
  for (let s = 0; s < rows; s++)
    for (let o = 0; o < outF; o++) {
      let a = b ? b[o]! : 0;
      for (let i = 0; i < inF; i++) a += x[s * inF + i]! * w[o * inF + i]!;
      y[s * outF + o] = a;
    }
  return y;
}

export function rmsNorm(x: Mat, rows: number, d: number, w: Mat, eps: number): Mat {
  const y = new Float64Array(rows * d);
  for (let s = 0; s < rows; s++) {
    let ms = 0;
    for (let i = 0; i < d; i++) ms += x[s * d + i]! ** 2;
    const r = 1 / Math.sqrt(ms / d + eps);
    for (let i = 0; i < d; i++) y[s * d + i] = x[s * d + i]! * r * w[i]!;
  }
  return y;
}

export function layerNorm(x: Mat, rows: number, d: number, w: Mat, b: Mat, eps: number): Mat {
  const y = new Float64Array(rows * d);
  for (let s = 0; s < rows; s++) {
    let mu = 0;
    for (let i = 0; i < d; i++) mu += x[s * d + i]!;
    mu /= d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x[s * d + i]! - mu) ** 2;
    v /= d;
    for (let i = 0; i < d; i++) y[s * d + i] = ((x[s * d + i]! - mu) / Math.sqrt(v + eps)) * w[i]! + b[i]!;
  }
  return y;
}

/** HF apply_rotary_pos_emb on x viewed as [rows][heads][dim]; position of row s is pos0 + s. */
export function rotary(x: Mat, rows: number, heads: number, dim: number, theta: number, pos0: number): Mat {
  const y = new Float64Array(x.length);
  const half = dim / 2;
  for (let s = 0; s < rows; s++)
    for (let h = 0; h < heads; h++) {
      const base = (s * heads + h) * dim;
      for (let i = 0; i < dim; i++) {
        const invFreq = 1 / Math.pow(theta, (2 * (i % half)) / dim); // cat(freqs, freqs)
        const ang = (pos0 + s) * invFreq;
        const rot = i < half ? -x[base + i + half]! : x[base + i - half]!; // rotate_half
        y[base + i] = x[base + i]! * Math.cos(ang) + rot * Math.sin(ang);
      }
    }
  return y;
}

/**
 * softmax(q k^T / sqrt(dim) [+ mask]) v, q: [sq][heads][dim], k, v: [sk][kvHeads][dim].
 * Query head h uses key head floor(h / (heads / kvHeads)) (HF repeat_kv). Query row s sits at
 * position qPos0 + s and, when causal, sees keys at positions <= its own.
 */
export function attention(
  q: Mat, sq: number, k: Mat, v: Mat, sk: number, heads: number, kvHeads: number, dim: number, causal: boolean, qPos0 = 0,
  o: { scale?: boolean; bias?: (h: number, qPos: number, kPos: number) => number; window?: number } = {},
): Mat {
  const rep = heads / kvHeads;
  const out = new Float64Array(sq * heads * dim);
  const sc = new Float64Array(sk);
  for (let h = 0; h < heads; h++) {
    const kh = Math.floor(h / rep);
    for (let s = 0; s < sq; s++) {
      let mx = -Infinity;
      for (let m = 0; m < sk; m++) {
        let a = 0;
        for (let e = 0; e < dim; e++) a += q[(s * heads + h) * dim + e]! * k[(m * kvHeads + kh) * dim + e]!;
        if (o.scale ?? true) a /= Math.sqrt(dim);
        if (o.bias) a += o.bias(h, qPos0 + s, m);
        if (causal && m > qPos0 + s) a = -Infinity;
        if (causal && o.window !== undefined && qPos0 + s - m >= o.window) a = -Infinity;
        sc[m] = a;
        mx = Math.max(mx, a);
      }
      let den = 0;
      for (let m = 0; m < sk; m++) den += sc[m] = Math.exp(sc[m]! - mx);
      for (let e = 0; e < dim; e++) {
        let a = 0;
        for (let m = 0; m < sk; m++) a += sc[m]! * v[(m * kvHeads + kh) * dim + e]!;
        out[(s * heads + h) * dim + e] = a / den;
      }
    }
  }
  return out;
}

export const silu = (x: number) => x / (1 + Math.exp(-x));
export const geluNew = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

export function map(x: Mat, f: (v: number, i: number) => number): Mat {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = f(x[i]!, i);
  return y;
}
export function addMat(a: Mat, b: Mat): Mat {
  return map(a, (v, i) => v + b[i]!);
}

export interface LlamaWeights {
  ln1: Mat; ln2: Mat;
  q: Mat; k: Mat; v: Mat; o: Mat; // nn.Linear layout
  gate: Mat; up: Mat; down: Mat;
}

/**
 * LlamaDecoderLayer for one sequence x[seq][hidden], optionally with a KV cache of earlier tokens
 * (already rotated keys, as HF stores them). Returns the layer output and the new keys/values.
 */
export function llamaLayer(
  x: Mat, seq: number, w: LlamaWeights,
  c: { hidden: number; heads: number; kvHeads: number; inter: number; eps: number; theta: number; window?: number },
  cache?: { k: Mat; v: Mat; len: number },
): { out: Mat; k: Mat; v: Mat } {
  const E = c.hidden / c.heads;
  const pos0 = cache?.len ?? 0;
  const h = rmsNorm(x, seq, c.hidden, w.ln1, c.eps);
  const q = rotary(linear(h, seq, c.hidden, w.q, c.heads * E), seq, c.heads, E, c.theta, pos0);
  const k = rotary(linear(h, seq, c.hidden, w.k, c.kvHeads * E), seq, c.kvHeads, E, c.theta, pos0);
  const v = linear(h, seq, c.hidden, w.v, c.kvHeads * E);
  const kAll = cache ? concat(cache.k, k) : k;
  const vAll = cache ? concat(cache.v, v) : v;
  const att = attention(q, seq, kAll, vAll, pos0 + seq, c.heads, c.kvHeads, E, true, pos0, c.window !== undefined ? { window: c.window } : {});
  const x1 = addMat(x, linear(att, seq, c.heads * E, w.o, c.hidden));
  const h2 = rmsNorm(x1, seq, c.hidden, w.ln2, c.eps);
  const g = linear(h2, seq, c.hidden, w.gate, c.inter);
  const u = linear(h2, seq, c.hidden, w.up, c.inter);
  const act = map(g, (v, i) => silu(v) * u[i]!);
  return { out: addMat(x1, linear(act, seq, c.inter, w.down, c.hidden)), k, v };
}

export interface Gpt2Weights {
  ln1w: Mat; ln1b: Mat; ln2w: Mat; ln2b: Mat;
  q: Mat; qb: Mat; k: Mat; kb: Mat; v: Mat; vb: Mat; o: Mat; ob: Mat;
  fc: Mat; fcb: Mat; proj: Mat; projb: Mat;
}

/** GPT2Block for one sequence: pre-LayerNorm, causal MHA with biases, gelu_new MLP (OPTDecoderLayer with act = ReLU). */
export function gpt2Block(x: Mat, seq: number, w: Gpt2Weights, c: { hidden: number; heads: number; inner: number; eps: number; act?: (t: number) => number }): Mat {
  const E = c.hidden / c.heads;
  const h = layerNorm(x, seq, c.hidden, w.ln1w, w.ln1b, c.eps);
  const q = linear(h, seq, c.hidden, w.q, c.hidden, w.qb);
  const k = linear(h, seq, c.hidden, w.k, c.hidden, w.kb);
  const v = linear(h, seq, c.hidden, w.v, c.hidden, w.vb);
  const att = attention(q, seq, k, v, seq, c.heads, c.heads, E, true);
  const x1 = addMat(x, linear(att, seq, c.hidden, w.o, c.hidden, w.ob));
  const h2 = layerNorm(x1, seq, c.hidden, w.ln2w, w.ln2b, c.eps);
  const f = map(linear(h2, seq, c.hidden, w.fc, c.inner, w.fcb), c.act ?? geluNew);
  return addMat(x1, linear(f, seq, c.inner, w.proj, c.hidden, w.projb));
}

function concat(a: Mat, b: Mat): Mat {
  const y = new Float64Array(a.length + b.length);
  y.set(a);
  y.set(b, a.length);
  return y;
}

/** Norm-wise relative error: max |a - b| / max |b|. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
}

export interface EncoderWeights {
  q: Mat; k: Mat; v: Mat; o: Mat; w1: Mat; w2: Mat;
  qb?: Mat; kb?: Mat; vb?: Mat; ob?: Mat; b1?: Mat; b2?: Mat;
  ln1w: Mat; ln1b?: Mat; ln2w: Mat; ln2b?: Mat;
}

/** BertLayer: bidirectional MHA with biases, post-LayerNorm, exact GELU. */
export function bertLayer(x: Mat, seq: number, w: EncoderWeights, c: { hidden: number; heads: number; inter: number; eps: number }): Mat {
  const E = c.hidden / c.heads;
  const q = linear(x, seq, c.hidden, w.q, c.hidden, w.qb);
  const k = linear(x, seq, c.hidden, w.k, c.hidden, w.kb);
  const v = linear(x, seq, c.hidden, w.v, c.hidden, w.vb);
  const att = attention(q, seq, k, v, seq, c.heads, c.heads, E, false);
  const x1 = layerNorm(addMat(x, linear(att, seq, c.hidden, w.o, c.hidden, w.ob)), seq, c.hidden, w.ln1w, w.ln1b!, c.eps);
  const erfGelu = (t: number) => 0.5 * t * (1 + erf(t / Math.SQRT2));
  const f = map(linear(x1, seq, c.hidden, w.w1, c.inter, w.b1), erfGelu);
  return layerNorm(addMat(x1, linear(f, seq, c.inter, w.w2, c.hidden, w.b2)), seq, c.hidden, w.ln2w, w.ln2b!, c.eps);
}

/** T5LayerFF + T5LayerSelfAttention (encoder): T5 RMS norm before each, no score scaling, additive position bias, ReLU. */
export function t5EncoderLayer(x: Mat, seq: number, w: EncoderWeights, bias: (h: number, q: number, k: number) => number, c: { hidden: number; heads: number; dkv: number; inter: number; eps: number }): Mat {
  const inner = c.heads * c.dkv;
  const h = rmsNorm(x, seq, c.hidden, w.ln1w, c.eps);
  const q = linear(h, seq, c.hidden, w.q, inner);
  const k = linear(h, seq, c.hidden, w.k, inner);
  const v = linear(h, seq, c.hidden, w.v, inner);
  const att = attention(q, seq, k, v, seq, c.heads, c.heads, c.dkv, false, 0, { scale: false, bias });
  const x1 = addMat(x, linear(att, seq, inner, w.o, c.hidden));
  const h2 = rmsNorm(x1, seq, c.hidden, w.ln2w, c.eps);
  const f = map(linear(h2, seq, c.hidden, w.w1, c.inter), (t) => Math.max(t, 0));
  return addMat(x1, linear(f, seq, c.inter, w.w2, c.hidden));
}

/** erf by its Maclaurin series (|t| < 3) or the continued-fraction tail: accurate to ~1e-12 where used. */
export function erf(t: number): number {
  const a = Math.abs(t);
  if (a < 3) {
    let sum = 0;
    let term = a;
    for (let n = 0; n < 80; n++) {
      sum += term / (2 * n + 1);
      term *= (-a * a) / (n + 1);
    }
    return Math.sign(t) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(a) ~ exp(-a^2)/(a sqrt(pi)) * continued fraction
  let f = 0;
  for (let n = 60; n >= 1; n--) f = (n / 2) / (a + f);
  return Math.sign(t) * (1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * (a + f)));
}
