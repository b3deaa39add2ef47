// Whole transformer blocks (decoder and encoder) from the layers in layers.ts and attention.ts.
//
// Positions: queries live on rank S. In prefill, keys are the same tokens seen from the key side: a rank
// alias `rank M = S` gives them their own index variable over S's extent, and the K/V projections read the
// normed activations at [b, m, d] (no copy einsum). A whole model needs one key rank per layer (a 1-pass
// recurrence loops over its key tiles, and a shared tile rank would merge every layer's loop into one), so
// each layer l gets its alias M_Ll = S. In decode, the key rank is the KV cache length L, and the new token
// (S = 1) sits at position L.
import type { DType } from '../ir';
import { acc, gather, idx, mul, type GraphBuilder, type Idx } from './dsl';
import { attentionCore, headLayout, type Passes } from './attention';
import { moeMlp } from './moe';
import { linear, mlp, norm, residual, rope, type Activation, type LayerCtx, type NormKind } from './layers';

export interface BlockConfig {
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  norm: NormKind;
  normEps: number;
  /** BERT: normalise after each residual add instead of before each sublayer */
  postNorm?: boolean;
  act: Activation;
  /** biases on the Q, K, V, O projections and the MLP */
  bias: boolean;
  /** rotary embeddings read from inputs ROPE_COS / ROPE_SIN [S, E] */
  rope?: boolean;
  causal: boolean;
  /** Mistral: a causal query sees only the last `window` positions, itself included */
  window?: number;
  /** Mixtral: a mixture of experts in place of the MLP (compiler/graph/moe.ts) */
  moe?: { experts: number; topK: number };
  /** divide scores by sqrt(E); T5 does not */
  scale?: boolean;
  /** T5: an additive score bias input [heads.., S, S] shared by every layer (prefill only) */
  scoreBias?: string;
  passes: Passes;
  tile?: number;
}

/** The key-position rank of a block, and the index that reads an S-indexed tensor at a key position. */
export interface KeyRank {
  rank: string;
  read: Idx;
}

export interface BlockIO {
  /** residual stream in, X[b, s, d] */
  x: string;
  layer: number;
  key: KeyRank;
  /** decode: attend to a KV cache (kvcache tensors L<n>_KC, L<n>_VC over M) plus the new token */
  decode: boolean;
}

export interface BlockResult {
  out: string;
  /** the keys and values this block adds to the cache (prefill: all S; decode: the new token) */
  k: string;
  v: string;
}

export const ROPE_COS = 'ROPE_COS';
export const ROPE_SIN = 'ROPE_SIN';

/** Declares the ranks a block uses (D, E, F, I, heads; E1/E0 for rotary). */
export function declareBlockRanks(g: GraphBuilder, cfg: BlockConfig): void {
  g.rank('D', cfg.hidden).rank('E', cfg.headDim).rank('F', cfg.headDim).rank('I', cfg.intermediate);
  if (cfg.rope) {
    if (cfg.headDim % 2 !== 0) throw new Error(`rotary embeddings need an even head dim, got ${cfg.headDim}`);
    g.partition('E', ['E1', 'E0'], [cfg.headDim / 2]);
  }
}

export function transformerBlock(c: LayerCtx, cfg: BlockConfig, io: BlockIO): BlockResult {
  const g = c.g;
  const P = `L${io.layer}_`;
  declareBlockRanks(g, cfg);
  const heads = headLayout(g, cfg.heads, cfg.kvHeads);
  const { qh, kh } = heads;
  const upper = (xs: string[]) => xs.map((v) => v.toUpperCase());
  const bias = (name: string, idx: string[]) => (cfg.bias ? { bias: { name, idx } } : {});

  // ---- attention sublayer
  const h = cfg.postNorm ? io.x : norm(c, cfg.norm, io.x, `${P}AN`, cfg.normEps);
  let q = linear(c, { x: h, xIdx: ['b', 's', 'd'], w: `${P}WQ`, wIdx: ['d', ...qh, 'e'], out: `${P}Q`, outIdx: ['b', 's', ...qh, 'e'], ...bias(`${P}BQ`, [...qh, 'e']) });
  // keys and values of this step: prefill reads every token on the key rank M, decode the new token on S
  const kPos: Idx = io.decode ? 's' : io.key.read;
  const kOut = io.decode ? 's' : io.key.rank.toLowerCase();
  const kName = io.decode ? `${P}KN` : `${P}K`;
  const vName = io.decode ? `${P}VN` : `${P}V`;
  let k = linear(c, { x: h, xIdx: ['b', kPos, 'd'], w: `${P}WK`, wIdx: ['d', ...kh, 'e'], out: kName, outIdx: ['b', kOut, ...kh, 'e'], ...bias(`${P}BK`, [...kh, 'e']) });
  const v = linear(c, { x: h, xIdx: ['b', kPos, 'd'], w: `${P}WV`, wIdx: ['d', ...kh, 'f'], out: vName, outIdx: ['b', kOut, ...kh, 'f'], ...bias(`${P}BV`, [...kh, 'f']) });
  if (cfg.rope) {
    if (!g.isDeclared(ROPE_COS)) {
      g.declare('input', ROPE_COS, ['S', 'E'], c.dtype);
      g.declare('input', ROPE_SIN, ['S', 'E'], c.dtype);
    }
    q = rope(c, { x: q, prefixIdx: ['b', 's', ...qh], out: `${q}R`, pos: 's', cos: ROPE_COS, sin: ROPE_SIN });
    k = rope(c, { x: k, prefixIdx: ['b', kOut, ...kh], out: `${k}R`, pos: kPos, cos: ROPE_COS, sin: ROPE_SIN });
  }
  let cacheK = k;
  let cacheV = v;
  if (io.decode) {
    cacheK = `${P}KC`;
    cacheV = `${P}VC`;
    g.declare('kvcache', cacheK, ['B', io.key.rank, ...upper(kh), 'E'], c.dtype);
    g.declare('kvcache', cacheV, ['B', io.key.rank, ...upper(kh), 'F'], c.dtype);
  }
  const core = {
    prefix: P,
    heads,
    key: io.key.rank,
    q,
    k: cacheK,
    v: cacheV,
    passes: cfg.passes,
    causal: cfg.causal && !io.decode,
    ...(cfg.window !== undefined ? { window: cfg.window } : {}),
    scale: cfg.scale ?? true,
    ...(cfg.tile !== undefined ? { tile: cfg.tile } : {}),
    ...(cfg.scoreBias ? { bias: { name: cfg.scoreBias, key: (ki: Idx): Idx => idx(ki) } } : {}),
    ...(io.decode ? { self: { k, v } } : {}),
  };
  const av = attentionCore(g, core);
  if (io.decode) appendToCache(g, [cacheK, cacheV], [k, v], kh);
  g.declare('weight', `${P}WO`, [...upper(qh), 'F', 'D'], c.dtype);
  const o = g.def(`${P}O`, ['b', 's', 'd'], mul(acc(av, ['b', 's', ...qh, 'f']), acc(`${P}WO`, [...qh, 'f', 'd'])));
  if (cfg.bias) g.declare('weight', `${P}BO`, ['D'], c.dtype);
  let x1 = residual(c, io.x, o, `${P}H`, cfg.bias ? `${P}BO` : undefined);
  if (cfg.postNorm) x1 = norm(c, cfg.norm, x1, `${P}HN`, cfg.normEps);

  // ---- feed-forward sublayer
  const h2 = cfg.postNorm ? x1 : norm(c, cfg.norm, x1, `${P}MN`, cfg.normEps);
  const f: { out: string; outBias?: string } = cfg.moe ? moeMlp(c, { x: h2, prefix: P, ...cfg.moe }) : mlp(c, { x: h2, prefix: P, act: cfg.act, bias: cfg.bias });
  let out = residual(c, x1, f.out, `${P}OUT`, f.outBias);
  if (cfg.postNorm) out = norm(c, cfg.norm, out, `${P}OUTN`, cfg.normEps);
  return { out, k, v };
}

/**
 * Declares the position ranks of a phase and returns each layer's key rank.
 * Single block (perLayer false): prefill S = seq with keys on the alias M = S; decode S = 1, M = L.
 * Whole model (perLayer true): key rank M_Ll per layer, the alias M_Ll = S (prefill) or of size L (decode).
 */
export function declarePositions(g: GraphBuilder, phase: { decode: boolean; seq: number; kvLen?: number }, perLayer = false): (layer: number) => KeyRank {
  const keys = phase.decode ? (phase.kvLen ?? 1) : phase.seq;
  g.rank('S', phase.decode ? 1 : phase.seq);
  const declare = (rank: string) => (phase.decode ? g.rank(rank, keys) : g.alias(rank, 'S'));
  if (!perLayer) {
    declare('M');
    return () => ({ rank: 'M', read: { kind: 'ivar', name: 'm' } });
  }
  return (layer) => {
    const rank = `M_L${layer}`;
    declare(rank);
    return { rank, read: { kind: 'ivar', name: rank.toLowerCase() } };
  };
}

export interface StandaloneBlockOptions {
  batch: number;
  seq: number;
  kvLen?: number;
  decode?: boolean;
  dtype?: DType;
}

export const SLOT = 'SLOT';

/**
 * Decode: after attending over the cache as given, the new token's K and V are appended to it by indexed
 * writes, `L0_KC[b, SLOT[b, s], kh.., e] = L0_KNR[b, s, kh.., e]` (SLOT: the cache slot each sequence's new
 * token takes). The step's reads see the cache as given; the rows written are what the next step reads.
 */
export function appendToCache(g: GraphBuilder, caches: string[], rows: string[], kh: string[]): void {
  if (!g.isDeclared(SLOT)) g.declare('input', SLOT, ['B', 'S'], 'int32');
  caches.forEach((cache, i) => {
    const ch = i === 0 ? 'e' : 'f';
    g.def(cache, ['b', gather(SLOT, ['b', 's']), ...kh, ch], acc(rows[i]!, ['b', 's', ...kh, ch]));
  });
}

/** One block as its own cascade: input X[B, S, D], output the block's residual stream (and K, V). */
export function buildBlock(g: GraphBuilder, cfg: BlockConfig, o: StandaloneBlockOptions): BlockResult {
  const dtype = o.dtype ?? 'fp32';
  g.rank('B', o.batch);
  const key = declarePositions(g, { decode: o.decode ?? false, seq: o.seq, ...(o.kvLen !== undefined ? { kvLen: o.kvLen } : {}) });
  g.rank('D', cfg.hidden);
  g.declare('input', 'X', ['B', 'S', 'D'], dtype);
  if (cfg.scoreBias) {
    const heads = headLayout(g, cfg.heads, cfg.kvHeads);
    g.declare('input', cfg.scoreBias, [...heads.qh.map((v) => v.toUpperCase()), 'S', 'S'], dtype);
  }
  const r = transformerBlock({ g, dtype }, cfg, { x: 'X', layer: 0, key: key(0), decode: o.decode ?? false });
  // decode appends the new K and V to the cache; prefill's K and V are the cache it writes
  if (o.decode) g.output(r.out);
  else g.output(r.out, r.k, r.v);
  return r;
}
