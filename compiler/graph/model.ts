// A whole model as one cascade: embeddings, N transformer blocks, final norm, LM head.
//
// Lookups are gathers: token ids come in as an integer input TOK[B, S] and the embedding is
// X[b, s, d] = WTE[TOK[b, s], d]; learned positions likewise read WPE[POS[s], d] (POS holds row
// offset + position). A lookup costs the rows it touches and no FLOPs (docs/MODELS.md).
import type { Cascade, DType } from '../ir';
import { acc, add, div, gather, GraphBuilder, idx, mul, rsize, sqrt, type Idx } from './dsl';
import { appendToCache, declareBlockRanks, declarePositions, transformerBlock, type BlockConfig } from './blocks';
import { attentionCore, headLayout, type Passes } from './attention';
import { layerNorm, linear, mlp, norm, residual, type LayerCtx } from './layers';
import { ConfigError, type ModelSpec } from './config';

/** decode: one new token at position kvLen; T5 also needs the encoder length its cross-attention reads (encLen). */
export type Phase = { kind: 'prefill'; batch: number; seq: number } | { kind: 'decode'; batch: number; kvLen: number; encLen?: number };

export interface LowerOptions {
  /** lower only the first N blocks (default: all) */
  layers?: number;
  passes?: Passes;
  tile?: number;
  /** override the config's torch_dtype */
  dtype?: DType;
}

export function blockConfig(spec: ModelSpec, o: LowerOptions = {}): BlockConfig {
  const cfg: BlockConfig = {
    hidden: spec.hidden,
    heads: spec.heads,
    kvHeads: spec.kvHeads,
    headDim: spec.headDim,
    intermediate: spec.intermediate,
    norm: spec.norm,
    normEps: spec.normEps,
    postNorm: spec.postNorm,
    act: spec.act,
    bias: spec.bias,
    rope: spec.ropeTheta !== undefined,
    causal: spec.causal,
    scale: spec.scale,
    passes: o.passes ?? 3,
  };
  if (spec.scoreBias) cfg.scoreBias = 'POS_BIAS';
  if (spec.slidingWindow !== undefined) cfg.window = spec.slidingWindow;
  if (spec.moe) cfg.moe = spec.moe;
  if (o.tile !== undefined) cfg.tile = o.tile;
  return cfg;
}

/** Lowers a model to a cascade. Throws ConfigError for a phase the model cannot run or out-of-range sizes. */
export function buildModel(spec: ModelSpec, phase: Phase, o: LowerOptions = {}): Cascade {
  const layers = o.layers ?? spec.layers;
  if (!Number.isSafeInteger(layers) || layers < 1 || layers > spec.layers) throw new ConfigError(`--layers must be an integer from 1 to ${spec.layers}, got ${layers}`);
  const decode = phase.kind === 'decode';
  if (decode && !spec.decode) throw new ConfigError(`${spec.name}: ${spec.family} is lowered as an encoder and has no decode phase; use --phase prefill`);
  if (phase.kind === 'decode' && spec.decoderLayers !== undefined) return buildEncoderDecoderStep(spec, phase, o);
  const seq = phase.kind === 'prefill' ? phase.seq : 1;
  // a sliding window keeps a rolling cache: the new token sees its own key and the last window-1 cached ones
  const kvLen = phase.kind === 'decode' ? Math.min(phase.kvLen, spec.slidingWindow !== undefined ? spec.slidingWindow - 1 : Infinity) : 0;
  if (spec.positions && seq + kvLen + spec.positions.offset > spec.positions.rows)
    throw new ConfigError(`${spec.name}: ${seq + kvLen} positions exceed the ${spec.positions.rows - spec.positions.offset} learned position embeddings`);
  const dtype = o.dtype ?? spec.dtype;
  const g = new GraphBuilder();
  const c: LayerCtx = { g, dtype };
  g.rank('B', phase.batch);
  const keyRank = declarePositions(g, { decode, seq, kvLen }, true);
  g.rank('D', spec.hidden).rank('V', spec.vocab);
  const cfg = blockConfig(spec, o);

  let x = embeddings(c, spec);
  if (cfg.scoreBias) {
    const heads = headLayout(g, spec.heads, spec.kvHeads);
    g.declare('input', cfg.scoreBias, [...heads.qh.map((v) => v.toUpperCase()), 'S', 'S'], dtype);
  }
  const kv: string[] = [];
  for (let l = 0; l < layers; l++) {
    const r = transformerBlock(c, cfg, { x, layer: l, key: keyRank(l), decode });
    x = r.out;
    kv.push(r.k, r.v);
  }
  if (spec.finalNorm) x = norm(c, spec.norm, x, 'FN', spec.normEps);
  const out = lmHead(c, spec, x);
  // decode appends the new K and V to the caches (blocks.ts); prefill's K and V are the caches it writes
  g.output(out, ...(decode ? [] : kv));
  const phaseName = phase.kind === 'prefill' ? `prefill b${phase.batch} s${phase.seq}` : `decode b${phase.batch} kv${phase.kvLen}`;
  return g.build(`${spec.name} ${phaseName}${layers < spec.layers ? ` (${layers} of ${spec.layers} layers)` : ''}`);
}

/**
 * T5 decode: one step of the decoder stack. Per layer: self-attention against its KV cache (plus the new
 * token, with the relative position bias as inputs DEC_BIAS[H, P, S] for the cached positions and
 * DEC_BIAS_SELF[H, S] for the token itself), cross-attention against the cached encoder keys and values
 * (kvcache L<n>_CKC, L<n>_CVC over N_L<n>, the encoder length; no bias), and the ReLU / gated-GELU MLP.
 * The tied LM head scales by d_model^-0.5 first, as T5ForConditionalGeneration does.
 */
function buildEncoderDecoderStep(spec: ModelSpec, phase: { batch: number; kvLen: number; encLen?: number }, o: LowerOptions): Cascade {
  const layers = o.layers ?? spec.decoderLayers!;
  if (!Number.isSafeInteger(layers) || layers < 1 || layers > spec.decoderLayers!) throw new ConfigError(`--layers must be an integer from 1 to ${spec.decoderLayers}, got ${layers}`);
  if (phase.encLen === undefined) throw new ConfigError(`${spec.name}: ${spec.family} decode cross-attends to the encoder output; give its length with --seq`);
  const dtype = o.dtype ?? spec.dtype;
  const g = new GraphBuilder();
  const c: LayerCtx = { g, dtype };
  g.rank('B', phase.batch).rank('S', 1).rank('P', phase.kvLen).rank('D', spec.hidden).rank('V', spec.vocab);
  const cfg = blockConfig(spec, o);
  declareBlockRanks(g, cfg);
  const heads = headLayout(g, spec.heads, spec.kvHeads);
  const H = heads.qh.map((v) => v.toUpperCase());
  g.declare('input', 'TOK', ['B', 'S'], 'int32');
  g.declare('weight', 'WTE', ['V', 'D'], dtype);
  g.declare('input', 'DEC_BIAS', [...H, 'P', 'S'], dtype);
  g.declare('input', 'DEC_BIAS_SELF', [...H, 'S'], dtype);
  let x = g.def('XT', ['b', 's', 'd'], acc('WTE', [gather('TOK', ['b', 's']), 'd']));
  const X = ['b', 's', 'd'];
  const proj = (x: string, w: string, out: string, hIdx: string[], e: string) =>
    linear(c, { x, xIdx: X, w, wIdx: ['d', ...hIdx, e], out, outIdx: ['b', 's', ...hIdx, e] });
  const outProj = (av: string, w: string, out: string) => {
    g.declare('weight', w, [...H, 'F', 'D'], dtype);
    return g.def(out, X, mul(acc(av, ['b', 's', ...heads.qh, 'f']), acc(w, [...heads.qh, 'f', 'd'])));
  };
  for (let l = 0; l < layers; l++) {
    const P = `L${l}_`;
    const selfKey = `M_L${l}`;
    const crossKey = `N_L${l}`;
    g.alias(selfKey, 'P').rank(crossKey, phase.encLen);
    // self-attention
    const h = norm(c, spec.norm, x, `${P}AN`, spec.normEps);
    const q = proj(h, `${P}WQ`, `${P}Q`, heads.qh, 'e');
    const k = proj(h, `${P}WK`, `${P}KN`, heads.kh, 'e');
    const v = proj(h, `${P}WV`, `${P}VN`, heads.kh, 'f');
    g.declare('kvcache', `${P}KC`, ['B', selfKey, ...H, 'E'], dtype);
    g.declare('kvcache', `${P}VC`, ['B', selfKey, ...H, 'F'], dtype);
    const av = attentionCore(g, {
      prefix: P, heads, key: selfKey, q, k: `${P}KC`, v: `${P}VC`, passes: cfg.passes, scale: false,
      ...(cfg.tile !== undefined ? { tile: cfg.tile } : {}),
      bias: { name: 'DEC_BIAS', key: (ki: Idx): Idx => idx(ki) },
      self: { k, v, bias: 'DEC_BIAS_SELF' },
    });
    appendToCache(g, [`${P}KC`, `${P}VC`], [k, v], heads.kh);
    const x1 = residual(c, x, outProj(av, `${P}WO`, `${P}O`), `${P}H`);
    // cross-attention to the encoder output
    const h2 = norm(c, spec.norm, x1, `${P}CN`, spec.normEps);
    const cq = proj(h2, `${P}WCQ`, `${P}CQ`, heads.qh, 'e');
    g.declare('kvcache', `${P}CKC`, ['B', crossKey, ...H, 'E'], dtype);
    g.declare('kvcache', `${P}CVC`, ['B', crossKey, ...H, 'F'], dtype);
    const cav = attentionCore(g, { prefix: `${P}C`, heads, key: crossKey, q: cq, k: `${P}CKC`, v: `${P}CVC`, passes: cfg.passes, scale: false, ...(cfg.tile !== undefined ? { tile: cfg.tile } : {}) });
    const x2 = residual(c, x1, outProj(cav, `${P}WCO`, `${P}CO`), `${P}CH`);
    // feed-forward
    const h3 = norm(c, spec.norm, x2, `${P}MN`, spec.normEps);
    const f = mlp(c, { x: h3, prefix: P, act: spec.act, bias: false });
    x = residual(c, x2, f.out, `${P}OUT`);
  }
  const xf = norm(c, spec.norm, x, 'FN', spec.normEps);
  const xs = g.def('FNS', X, div(acc(xf, X), sqrt(rsize('D'))));
  const logits = g.def('LOGITS', ['b', 's', 'v'], mul(acc(xs, X), acc('WTE', ['v', 'd'])));
  g.output(logits);
  return g.build(`${spec.name} decode b${phase.batch} kv${phase.kvLen} enc${phase.encLen}${layers < spec.decoderLayers! ? ` (${layers} of ${spec.decoderLayers} decoder layers)` : ''}`);
}

function embeddings(c: LayerCtx, spec: ModelSpec): string {
  const g = c.g;
  const dt = c.dtype;
  g.declare('input', 'TOK', ['B', 'S'], 'int32');
  const embRank = spec.embedDim ? 'W' : 'D';
  if (spec.embedDim) g.rank('W', spec.embedDim);
  g.declare('weight', 'WTE', ['V', embRank], dt);
  let x = g.def(spec.embedDim ? 'XW' : 'XT', ['b', 's', embRank.toLowerCase()], acc('WTE', [gather('TOK', ['b', 's']), embRank.toLowerCase()]));
  if (spec.embedDim) {
    g.declare('weight', 'PROJ_IN', ['W', 'D'], dt);
    x = g.def('XT', ['b', 's', 'd'], mul(acc('XW', ['b', 's', 'w']), acc('PROJ_IN', ['w', 'd'])));
  }
  if (!spec.positions && !spec.tokenTypes) return x;
  let e = acc(x, ['b', 's', 'd']);
  if (spec.positions) {
    g.rank('N', spec.positions.rows);
    g.declare('input', 'POS', ['S'], 'int32');
    g.declare('weight', 'WPE', ['N', 'D'], dt);
    const xp = g.def('XP', ['s', 'd'], acc('WPE', [gather('POS', ['s']), 'd']));
    e = add(e, acc(xp, ['s', 'd']));
  }
  if (spec.tokenTypes) {
    g.rank('T', spec.tokenTypes);
    g.declare('weight', 'WTT', ['T', 'D'], dt);
    e = add(e, acc('WTT', [0, 'd']));
  }
  const x0 = g.def('X0', ['b', 's', 'd'], e);
  return spec.embedNorm ? layerNorm(c, x0, 'EN', spec.normEps) : x0;
}

function lmHead(c: LayerCtx, spec: ModelSpec, x: string): string {
  const g = c.g;
  if (spec.lmHead === 'none') return x;
  if (spec.lmHead === 'separate') {
    g.declare('weight', 'LM_HEAD', ['D', 'V'], c.dtype);
    return g.def('LOGITS', ['b', 's', 'v'], mul(acc(x, ['b', 's', 'd']), acc('LM_HEAD', ['d', 'v'])));
  }
  if (spec.embedDim) {
    g.declare('weight', 'PROJ_OUT', ['D', 'W'], c.dtype);
    const xw = g.def('XO', ['b', 's', 'w'], mul(acc(x, ['b', 's', 'd']), acc('PROJ_OUT', ['d', 'w'])));
    return g.def('LOGITS', ['b', 's', 'v'], mul(acc(xw, ['b', 's', 'w']), acc('WTE', ['v', 'w'])));
  }
  return g.def('LOGITS', ['b', 's', 'v'], mul(acc(x, ['b', 's', 'd']), acc('WTE', ['v', 'd'])));
}
