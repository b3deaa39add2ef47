// A whole model as one cascade: embeddings, N transformer blocks, final norm, LM head.
//
// Lookups are einsums too: token ids come in as a one-hot input TOK[B, S, V] and the embedding is
// X[b, s, d] = TOK[b, s, v] * WTE[v, d]; learned positions likewise read a one-hot POS[S, N] (row
// offset + position). Analysis therefore counts an embedding lookup as a V x D matmul per token, the
// same FLOPs the tied LM head spends; docs/MODELS.md states the formula with this term.
import type { Cascade, DType } from '../ir';
import { acc, add, GraphBuilder, mul } from './dsl';
import { declarePositions, transformerBlock, type BlockConfig } from './blocks';
import type { Passes } from './attention';
import { headLayout } from './attention';
import { layerNorm, norm, type LayerCtx } from './layers';
import { ConfigError, type ModelSpec } from './config';

export type Phase = { kind: 'prefill'; batch: number; seq: number } | { kind: 'decode'; batch: number; kvLen: number };

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
  if (o.tile !== undefined) cfg.tile = o.tile;
  return cfg;
}

/** Lowers a model to a cascade. Throws ConfigError for a phase the model cannot run or out-of-range sizes. */
export function buildModel(spec: ModelSpec, phase: Phase, o: LowerOptions = {}): Cascade {
  const layers = o.layers ?? spec.layers;
  if (!Number.isSafeInteger(layers) || layers < 1 || layers > spec.layers) throw new ConfigError(`--layers must be an integer from 1 to ${spec.layers}, got ${layers}`);
  const decode = phase.kind === 'decode';
  if (decode && !spec.decode) throw new ConfigError(`${spec.name}: ${spec.family} is lowered as an encoder and has no decode phase; use --phase prefill`);
  const seq = phase.kind === 'prefill' ? phase.seq : 1;
  const kvLen = phase.kind === 'decode' ? phase.kvLen : 0;
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
  g.output(out, ...kv);
  const phaseName = phase.kind === 'prefill' ? `prefill b${phase.batch} s${phase.seq}` : `decode b${phase.batch} kv${phase.kvLen}`;
  return g.build(`${spec.name} ${phaseName}${layers < spec.layers ? ` (${layers} of ${spec.layers} layers)` : ''}`);
}

function embeddings(c: LayerCtx, spec: ModelSpec): string {
  const g = c.g;
  const dt = c.dtype;
  g.declare('input', 'TOK', ['B', 'S', 'V'], dt);
  const embRank = spec.embedDim ? 'W' : 'D';
  if (spec.embedDim) g.rank('W', spec.embedDim);
  g.declare('weight', 'WTE', ['V', embRank], dt);
  let x = g.def(spec.embedDim ? 'XW' : 'XT', ['b', 's', embRank.toLowerCase()], mul(acc('TOK', ['b', 's', 'v']), acc('WTE', ['v', embRank.toLowerCase()])));
  if (spec.embedDim) {
    g.declare('weight', 'PROJ_IN', ['W', 'D'], dt);
    x = g.def('XT', ['b', 's', 'd'], mul(acc('XW', ['b', 's', 'w']), acc('PROJ_IN', ['w', 'd'])));
  }
  if (!spec.positions && !spec.tokenTypes) return x;
  let e = acc(x, ['b', 's', 'd']);
  if (spec.positions) {
    g.rank('N', spec.positions.rows);
    g.declare('input', 'POS', ['S', 'N'], dt);
    g.declare('weight', 'WPE', ['N', 'D'], dt);
    const xp = g.def('XP', ['s', 'd'], mul(acc('POS', ['s', 'n']), acc('WPE', ['n', 'd'])));
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
