// Per-token layers of a transformer as einsums over activations X[b, s, d]:
// RMSNorm, LayerNorm, linear projections, rotary embeddings, MLPs (GELU, ReLU, SwiGLU), residual adds.
// Every builder takes the tensor prefix (e.g. 'L0_') and returns the name of what it defined.
import type { DType, Expr, IndexExpr } from '../ir';
import { acc, add, div, erf, exp, ivar, max2, mul, neg, num, recompose, rsize, sqrt, sub, tanh, type GraphBuilder, type Idx } from './dsl';

export interface LayerCtx {
  g: GraphBuilder;
  /** element type of weights and activations */
  dtype: DType;
}

const XI = ['b', 's', 'd'];

/** RMSNorm (LLaMA, T5): X / sqrt(mean(X^2) + eps) * W. */
export function rmsNorm(c: LayerCtx, x: string, name: string, eps: number): string {
  c.g.declare('weight', `${name}_W`, ['D'], c.dtype);
  const SS = c.g.def(`${name}_SS`, ['b', 's'], mul(acc(x, XI), acc(x, XI)));
  const RS = c.g.def(`${name}_RS`, ['b', 's'], div(num(1), sqrt(add(div(acc(SS, ['b', 's']), rsize('D')), num(eps)))));
  return c.g.def(name, XI, mul(mul(acc(x, XI), acc(RS, ['b', 's'])), acc(`${name}_W`, ['d'])));
}

/** LayerNorm (GPT-2, OPT, BERT): (X - mean) / sqrt(var + eps) * W + B, with the biased variance as in PyTorch. */
export function layerNorm(c: LayerCtx, x: string, name: string, eps: number): string {
  c.g.declare('weight', `${name}_W`, ['D'], c.dtype).declare('weight', `${name}_B`, ['D'], c.dtype);
  const MU = c.g.def(`${name}_MU`, ['b', 's'], div(acc(x, XI), rsize('D')));
  const XC = c.g.def(`${name}_XC`, XI, sub(acc(x, XI), acc(MU, ['b', 's'])));
  const VAR = c.g.def(`${name}_VAR`, ['b', 's'], div(mul(acc(XC, XI), acc(XC, XI)), rsize('D')));
  const RS = c.g.def(`${name}_RS`, ['b', 's'], div(num(1), sqrt(add(acc(VAR, ['b', 's']), num(eps)))));
  return c.g.def(name, XI, add(mul(mul(acc(XC, XI), acc(RS, ['b', 's'])), acc(`${name}_W`, ['d'])), acc(`${name}_B`, ['d'])));
}

export type NormKind = 'rms' | 'layer';
export function norm(c: LayerCtx, kind: NormKind, x: string, name: string, eps: number): string {
  return kind === 'rms' ? rmsNorm(c, x, name, eps) : layerNorm(c, x, name, eps);
}

/**
 * out[outIdx] = sum x[xIdx] * W[wRanks], declaring W as a weight; with `bias`, a second einsum adds
 * B[biasRanks] (a bias cannot sit inside the sum: it would be added once per reduced point).
 */
export function linear(
  c: LayerCtx,
  o: { x: string; xIdx: Idx[]; w: string; wIdx: string[]; out: string; outIdx: Idx[]; bias?: { name: string; idx: string[] } },
): string {
  c.g.declare('weight', o.w, o.wIdx.map((v) => v.toUpperCase()), c.dtype);
  const y = c.g.def(o.bias ? `${o.out}_NB` : o.out, o.outIdx, mul(acc(o.x, o.xIdx), acc(o.w, o.wIdx)));
  if (!o.bias) return y;
  c.g.declare('weight', o.bias.name, o.bias.idx.map((v) => v.toUpperCase()), c.dtype);
  return c.g.def(o.out, o.outIdx, add(acc(y, o.outIdx), acc(o.bias.name, o.bias.idx)));
}

/**
 * Rotary position embedding, Hugging Face `rotate_half` convention (LLaMA, Mistral):
 *   out = x * cos + rotate_half(x) * sin,   rotate_half(x) = [-x2, x1] over the two halves of E.
 * E is split E -> E1, E0 = E/2, so e = e1*E0 + e0 and the partner element is at (1 - e1)*E0 + e0;
 * the sign is -1 for the first half (e1 = 0) and +1 for the second: (2*e1 - 1).
 * COS and SIN are inputs over [S, E] holding cos/sin(pos * theta^(-2*(e mod E/2)/E)); see ropeTables.
 * `pos` is the index of the row to read: 's' for queries, or m*U+u for keys on the key rank M.
 */
export function rope(c: LayerCtx, o: { x: string; prefixIdx: Idx[]; out: string; pos: Idx; cos: string; sin: string }): string {
  const e = recompose('E1', 'E0');
  const partner: IndexExpr = {
    kind: 'ibin',
    op: '+',
    a: { kind: 'ibin', op: '*', a: { kind: 'ibin', op: '-', a: { kind: 'int', value: 1 }, b: { kind: 'ivar', name: 'e1' } }, b: { kind: 'rsize', rank: 'E0' } },
    b: { kind: 'ivar', name: 'e0' },
  };
  const sign = sub(mul(num(2), ivar('e1')), num(1));
  const x = acc(o.x, [...o.prefixIdx, e]);
  const rot = mul(sign, acc(o.x, [...o.prefixIdx, partner]));
  return c.g.def(o.out, [...o.prefixIdx, e], add(mul(x, acc(o.cos, [o.pos, e])), mul(rot, acc(o.sin, [o.pos, e]))));
}

/** The cos/sin tables rope() reads, for positions offset .. offset+rows-1 (row-major [rows, headDim]). */
export function ropeTables(rows: number, headDim: number, theta: number, offset = 0): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(rows * headDim);
  const sin = new Float64Array(rows * headDim);
  const half = headDim / 2;
  for (let p = 0; p < rows; p++)
    for (let e = 0; e < headDim; e++) {
      const invFreq = Math.pow(theta, -(2 * (e % half)) / headDim);
      const a = (p + offset) * invFreq;
      cos[p * headDim + e] = Math.cos(a);
      sin[p * headDim + e] = Math.sin(a);
    }
  return { cos, sin };
}

export type Activation = 'swiglu' | 'geglu' | 'gelu' | 'gelu_tanh' | 'relu' | 'silu';

/** The elementwise activation as an expression of x. */
export function activationExpr(kind: Exclude<Activation, 'swiglu' | 'geglu'>, x: Expr): Expr {
  switch (kind) {
    case 'relu':
      return max2(x, num(0));
    case 'silu':
      return div(x, add(num(1), exp(neg(x))));
    case 'gelu': // exact: x/2 * (1 + erf(x / sqrt 2))
      return mul(mul(num(0.5), x), add(num(1), erf(div(x, sqrt(num(2))))));
    case 'gelu_tanh': // GPT-2 "gelu_new": x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
      return mul(mul(num(0.5), x), add(num(1), tanh(mul(num(Math.sqrt(2 / Math.PI)), add(x, mul(num(0.044715), mul(x, mul(x, x))))))));
  }
}

/**
 * The feed-forward network on normed activations XN[b, s, d], over the intermediate rank I.
 * Gated (swiglu: silu(x W_gate) * (x W_up), geglu: gelu_tanh gate): three matrices, no biases.
 * Plain (gelu, relu...): act(x W1 + B1) W2; the output bias B2 is returned for the residual add.
 */
export function mlp(c: LayerCtx, o: { x: string; prefix: string; act: Activation; bias: boolean }): { out: string; outBias?: string } {
  const P = o.prefix;
  const g = c.g;
  if (o.act === 'swiglu' || o.act === 'geglu') {
    const gate = linear(c, { x: o.x, xIdx: XI, w: `${P}WG`, wIdx: ['d', 'i'], out: `${P}GATE`, outIdx: ['b', 's', 'i'] });
    const up = linear(c, { x: o.x, xIdx: XI, w: `${P}WU`, wIdx: ['d', 'i'], out: `${P}UP`, outIdx: ['b', 's', 'i'] });
    const gx = acc(gate, ['b', 's', 'i']);
    const act = g.def(`${P}ACT`, ['b', 's', 'i'], mul(activationExpr(o.act === 'swiglu' ? 'silu' : 'gelu_tanh', gx), acc(up, ['b', 's', 'i'])));
    return { out: linear(c, { x: act, xIdx: ['b', 's', 'i'], w: `${P}WD`, wIdx: ['i', 'd'], out: `${P}DOWN`, outIdx: XI }) };
  }
  const up = linear(c, { x: o.x, xIdx: XI, w: `${P}W1`, wIdx: ['d', 'i'], out: `${P}UP`, outIdx: ['b', 's', 'i'] });
  let u = acc(up, ['b', 's', 'i']);
  if (o.bias) {
    g.declare('weight', `${P}B1`, ['I'], c.dtype);
    u = add(u, acc(`${P}B1`, ['i']));
  }
  const act = g.def(`${P}ACT`, ['b', 's', 'i'], activationExpr(o.act, u));
  const out = linear(c, { x: act, xIdx: ['b', 's', 'i'], w: `${P}W2`, wIdx: ['i', 'd'], out: `${P}DOWN`, outIdx: XI });
  if (!o.bias) return { out };
  g.declare('weight', `${P}B2`, ['D'], c.dtype);
  return { out, outBias: `${P}B2` };
}

/** out = x + y (+ bias[d]): the residual connection. */
export function residual(c: LayerCtx, x: string, y: string, out: string, bias?: string): string {
  let e = add(acc(x, XI), acc(y, XI));
  if (bias) e = add(e, acc(bias, ['d']));
  return c.g.def(out, XI, e);
}
