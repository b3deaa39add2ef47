// Scaled dot-product attention as an einsum cascade, in the 3-, 2- and 1-pass forms of FuseMax
// (Nayak et al., MICRO 2024), for MHA, GQA and MQA, prefill (with an optional causal mask) and decode.
//
// Index conventions (every builder in compiler/graph uses them):
//   b batch, s query position, m key position, e query/key head dim (rank E), f value head dim (rank F).
//   Heads: MHA uses one rank H for queries and keys. GQA and MQA split the query heads into
//   G (key/value heads) x R (query heads per key/value head): query head h = g*R + r reads key head g.
//   So Q[b, s, g, r, e] and K[b, m, g, e]: the sharing is visible in the indices, with no gather.
//   Score tensors are laid out [b, heads..., m, s], like QK[m, p] in examples/attention.
// Scaling: scores are not pre-scaled; the softmax exponent carries it, exp((QK - max) / sqrt(E)),
// which equals softmax(QK / sqrt(E)) because sqrt(E) > 0 (the FlashAttention formulation).
import type { DType, Expr } from '../ir';
import { acc, add, cmp, div, exp, ivar, max2, mul, num, recompose, rsize, select, shift, sqrt, sub, type GraphBuilder, type Idx } from './dsl';

export type Passes = 1 | 2 | 3;

export interface HeadLayout {
  /** index variables of a query head: ['h'] for MHA, ['g', 'r'] for GQA/MQA */
  qh: string[];
  /** index variables of a key/value head: ['h'] or ['g'] */
  kh: string[];
}

/** Declares the head ranks (H, or G and R) and returns the index layout. */
export function headLayout(g: GraphBuilder, heads: number, kvHeads: number): HeadLayout {
  if (!(heads >= 1 && kvHeads >= 1) || heads % kvHeads !== 0) throw new Error(`attention: ${heads} query heads cannot be grouped over ${kvHeads} key/value heads`);
  if (kvHeads === heads) {
    g.rank('H', heads);
    return { qh: ['h'], kh: ['h'] };
  }
  g.rank('G', kvHeads).rank('R', heads / kvHeads);
  return { qh: ['g', 'r'], kh: ['g'] };
}

export interface AttentionCoreOptions {
  /** tensor name prefix for everything this call defines, e.g. 'L3_' */
  prefix: string;
  heads: HeadLayout;
  /** Q[b, s, qh.., e] */
  q: string;
  /** K[b, m, kh.., e] and V[b, m, kh.., f]: in decode, the KV cache (length L = size of M) */
  k: string;
  v: string;
  passes: Passes;
  /** M0 for the 2- and 1-pass forms; M is split M -> M1, M0 (ragged when it does not divide) */
  tile?: number;
  /**
   * The key-position rank (default M). A whole model gives each layer its own (M_L0, M_L1, ...):
   * a 1-pass recurrence loops over its tile rank, and one shared tile rank would fuse every layer's
   * loop into one.
   */
  key?: string;
  /** mask keys after the query: key m is visible to query s when m <= s (prefill only) */
  causal?: boolean;
  /** with causal: also mask keys W or more positions back (Mistral's sliding window): visible when s - m < W */
  window?: number;
  /** divide scores by sqrt(E) (T5 does not) */
  scale?: boolean;
  /**
   * An additive score bias BIAS[heads.., S, S] (T5 relative positions), read at [heads.., key(m), s]
   * where key maps the key index to a position on S (the bias table is over positions, not key ranks).
   */
  bias?: { name: string; key: (keyIdx: Idx) => Idx };
  /**
   * Decode: the new token's own key and value, KN[b, s, kh.., e] and VN[b, s, kh.., f]. The query at
   * position L attends to all L cached keys and to itself, so no mask is needed. `bias` (T5) is the
   * score bias of the token against itself, BIAS[heads.., s].
   */
  self?: { k: string; v: string; bias?: string };
}

/** What the three softmax forms share: names, index helpers, the exponent, and decode's self term. */
interface Core {
  g: GraphBuilder;
  o: AttentionCoreOptions;
  P: string;
  kh: Idx[];
  /** the key rank, its tile ranks and their variables */
  KR: string;
  KR1: string;
  KR0: string;
  m: string;
  m1: string;
  m0: string;
  /** exponent of a softmax term: (x - max) / sqrt(E) */
  expo: (x: Expr, m: Expr) => Expr;
  Q: (s?: string) => Expr;
  avIdx: Idx[];
  hs: (...rest: Idx[]) => Idx[];
  /** decode: the new token's score against itself, and its value */
  selfScore: string | undefined;
  selfV: () => Expr;
}

/** Defines the attention cascade; returns the name of AV[b, s, qh.., f] (normalised attention times V). */
export function attentionCore(g: GraphBuilder, o: AttentionCoreOptions): string {
  const P = o.prefix;
  const { qh, kh } = o.heads;
  const KR = o.key ?? 'M';
  const [KR1, KR0] = tileRanks(KR);
  const scaled = o.scale ?? true;
  const Q = (s = 's') => acc(o.q, ['b', s, ...qh, 'e']);
  const hs = (...rest: Idx[]) => ['b', ...qh, ...rest];
  // decode: the new token's score against itself
  let selfScore: string | undefined;
  if (o.self) selfScore = g.def(`${P}QKN`, hs('s'), mul(Q(), acc(o.self.k, ['b', 's', ...kh, 'e'])));
  if (o.self?.bias) selfScore = g.def(`${P}QKNB`, hs('s'), add(acc(selfScore!, hs('s')), acc(o.self.bias, [...qh, 's'])));
  const x: Core = {
    g,
    o,
    P,
    kh,
    KR,
    KR1,
    KR0,
    m: KR.toLowerCase(),
    m1: KR1.toLowerCase(),
    m0: KR0.toLowerCase(),
    expo: (v, m) => exp(scaled ? div(sub(v, m), sqrt(rsize('E'))) : sub(v, m)),
    Q,
    avIdx: ['b', 's', ...qh, 'f'],
    hs,
    selfScore,
    selfV: () => acc(o.self!.v, ['b', 's', ...kh, 'f']),
  };
  return o.passes === 3 ? threePass(x) : tiledPasses(x);
}

/** 3-pass: scores, their max, exponentials and sum, then the normalised scores times V. */
function threePass(x: Core): string {
  const { g, o, P, kh, m, expo, Q, avIdx, hs, selfScore, selfV } = x;
  let X = g.def(`${P}QK`, hs(m, 's'), mul(Q(), acc(o.k, ['b', m, ...kh, 'e'])));
  X = maskAndBias(g, o, X, hs(m, 's'), ivar(m), m);
  const xs = () => acc(X, hs(m, 's'));
  let GM = g.def(`${P}GM`, hs('s'), xs(), { reduce: 'max' });
  if (selfScore) GM = g.def(`${P}GMS`, hs('s'), max2(acc(GM, hs('s')), acc(selfScore, hs('s'))));
  const SN = g.def(`${P}SN`, hs(m, 's'), expo(xs(), acc(GM, hs('s'))));
  let SD = g.def(`${P}SD`, hs('s'), acc(SN, hs(m, 's')));
  let SNN: string | undefined;
  if (selfScore) {
    SNN = g.def(`${P}SNN`, hs('s'), expo(acc(selfScore, hs('s')), acc(GM, hs('s'))));
    SD = g.def(`${P}SDS`, hs('s'), add(acc(SD, hs('s')), acc(SNN, hs('s'))));
  }
  const A = g.def(`${P}A`, hs(m, 's'), div(acc(SN, hs(m, 's')), acc(SD, hs('s'))));
  const AV = g.def(`${P}AV${selfScore ? 'C' : ''}`, avIdx, mul(acc(A, hs(m, 's')), acc(o.v, ['b', m, ...kh, 'f'])));
  if (!SNN) return AV;
  return g.def(`${P}AV`, avIdx, add(acc(AV, avIdx), mul(div(acc(SNN, hs('s')), acc(SD, hs('s'))), selfV())));
}

/** The 2- and 1-pass forms: keys in tiles of M0, each tile's scores (masked, biased) first. */
function tiledPasses(x: Core): string {
  const { g, o, P, kh, KR, KR1, KR0, m1, m0, Q, hs } = x;
  g.partition(KR, [KR1, KR0], [o.tile ?? 64]);
  const mAt = recompose(KR1, KR0);
  const mVal = add(mul(ivar(m1), rsize(KR0)), ivar(m0));
  let X = g.def(`${P}BQK`, hs(m1, m0, 's'), mul(Q(), acc(o.k, ['b', mAt, ...kh, 'e'])));
  X = maskAndBias(g, o, X, hs(m1, m0, 's'), mVal, mAt);
  const scores = () => acc(X, hs(m1, m0, 's'));
  const vTile = () => acc(o.v, ['b', mAt, ...kh, 'f']);
  return o.passes === 2 ? twoPass(x, scores, vTile) : onePass(x, scores, vTile);
}

/** 2-pass: each tile's max and sum, the global max, then the exponentials times V over the tiles. */
function twoPass(x: Core, scores: () => Expr, vTile: () => Expr): string {
  const { g, o, P, m1, m0, expo, avIdx, hs, selfScore, selfV } = x;
  const LM = g.def(`${P}LM`, hs(m1, 's'), scores(), { reduce: 'max' });
  const lm = () => acc(LM, hs(m1, 's'));
  // A tile wholly masked by causality has LM = -inf; its exponentials are 0, not exp(-inf + inf).
  const sln = expo(scores(), lm());
  const SLN = g.def(`${P}SLN`, hs(m1, m0, 's'), o.causal ? select(cmp('==', lm(), num(-Infinity)), num(0), sln) : sln);
  const SLD = g.def(`${P}SLD`, hs(m1, 's'), acc(SLN, hs(m1, m0, 's')));
  let GM = g.def(`${P}GM`, hs('s'), lm(), { reduce: 'max' });
  if (selfScore) GM = g.def(`${P}GMS`, hs('s'), max2(acc(GM, hs('s')), acc(selfScore, hs('s'))));
  const gm = () => acc(GM, hs('s'));
  const SPD = g.def(`${P}SPD`, hs(m1, 's'), mul(acc(SLD, hs(m1, 's')), expo(lm(), gm())));
  let SD = g.def(`${P}SD`, hs('s'), acc(SPD, hs(m1, 's')));
  const SN = g.def(`${P}SN`, hs(m1, m0, 's'), expo(scores(), gm()));
  let SNV = g.def(`${P}SNV${selfScore ? 'C' : ''}`, avIdx, mul(acc(SN, hs(m1, m0, 's')), vTile()));
  if (selfScore) {
    const SNN = g.def(`${P}SNN`, hs('s'), expo(acc(selfScore, hs('s')), gm()));
    SD = g.def(`${P}SDS`, hs('s'), add(acc(SD, hs('s')), acc(SNN, hs('s'))));
    SNV = g.def(`${P}SNV`, avIdx, add(acc(SNV, avIdx), mul(acc(SNN, hs('s')), selfV())));
  }
  return g.def(`${P}AV`, avIdx, div(acc(SNV, avIdx), acc(SD, hs('s'))));
}

/**
 * 1-pass: running max RM, running denominator RD, running numerator·V RNV, correction PRM. In decode
 * the recurrence starts from the new token's own term instead of (-inf, 0, 0).
 */
function onePass(x: Core, scores: () => Expr, vTile: () => Expr): string {
  const { g, o, P, KR1, m1, m0, expo, avIdx, hs, selfScore, selfV } = x;
  const nvIdx = (m1: Idx) => hs('f', m1, 's');
  const RM = `${P}RM`;
  const RD = `${P}RD`;
  const RNV = `${P}RNV`;
  g.def(RM, hs(0, 's'), selfScore ? acc(selfScore, hs('s')) : num(-Infinity), { init: true });
  g.def(RD, hs(0, 's'), num(selfScore ? 1 : 0), { init: true });
  g.def(RNV, nvIdx(0), selfScore ? selfV() : num(0), { init: true });
  const m1p = shift(m1, 1);
  const LM = g.def(`${P}LM`, hs(m1, 's'), scores(), { reduce: 'max' });
  g.def(RM, hs(m1p, 's'), max2(acc(RM, hs(m1, 's')), acc(LM, hs(m1, 's'))));
  const rmNext = () => acc(RM, hs(m1p, 's'));
  // With a sliding window a whole tile can be masked before any key is seen (running max still -inf);
  // its terms and the correction of an empty history are 0, not exp(-inf + inf).
  const guard = o.causal === true && o.window !== undefined;
  const isEmpty = (e: Expr) => cmp('==', e, num(-Infinity));
  const SLN = g.def(`${P}SLN`, hs(m1, m0, 's'), guard ? select(isEmpty(rmNext()), num(0), expo(scores(), rmNext())) : expo(scores(), rmNext()));
  const SLD = g.def(`${P}SLD`, hs(m1, 's'), acc(SLN, hs(m1, m0, 's')));
  const SLNV = g.def(`${P}SLNV`, nvIdx(m1), mul(acc(SLN, hs(m1, m0, 's')), vTile()));
  const prm = expo(acc(RM, hs(m1, 's')), rmNext());
  const PRM = g.def(`${P}PRM`, hs(m1, 's'), guard ? select(isEmpty(acc(RM, hs(m1, 's'))), num(0), prm) : prm);
  const SPD = g.def(`${P}SPD`, hs(m1, 's'), mul(acc(RD, hs(m1, 's')), acc(PRM, hs(m1, 's'))));
  g.def(RD, hs(m1p, 's'), add(acc(SLD, hs(m1, 's')), acc(SPD, hs(m1, 's'))));
  const SPNV = g.def(`${P}SPNV`, nvIdx(m1), mul(acc(RNV, nvIdx(m1)), acc(PRM, hs(m1, 's'))));
  g.def(RNV, nvIdx(m1p), add(acc(SLNV, nvIdx(m1)), acc(SPNV, nvIdx(m1))));
  return g.def(`${P}AV`, avIdx, div(acc(RNV, nvIdx(KR1)), acc(RD, hs(KR1, 's'))));
}

/** The tile ranks of a key rank: M -> M1, M0; M_L3 -> M1_L3, M0_L3. */
export function tileRanks(key: string): [string, string] {
  const cut = key.indexOf('_');
  return cut < 0 ? [`${key}1`, `${key}0`] : [`${key.slice(0, cut)}1${key.slice(cut)}`, `${key.slice(0, cut)}0${key.slice(cut)}`];
}

/** Adds the score bias and the causal mask (select(m <= s, x, -inf), and the sliding window) as one einsum when asked for. */
function maskAndBias(g: GraphBuilder, o: AttentionCoreOptions, X: string, ix: Idx[], keyPos: Expr, keyIdx: Idx): string {
  if (!o.causal && !o.bias) return X;
  let e: Expr = acc(X, ix);
  if (o.bias) e = add(e, acc(o.bias.name, [...o.heads.qh, o.bias.key(keyIdx), 's']));
  if (o.causal && o.window !== undefined) e = select(cmp('<', sub(ivar('s'), keyPos), num(o.window)), e, num(-Infinity));
  if (o.causal) e = select(cmp('<=', keyPos, ivar('s')), e, num(-Infinity));
  return g.def(`${X}M`, ix, e);
}

export interface AttentionOptions {
  heads: number;
  kvHeads?: number;
  /** query/key head dim E; value head dim F defaults to E */
  headDim: number;
  valueDim?: number;
  batch: number;
  /** query positions S */
  seq: number;
  /** key positions: defaults to seq; in decode the KV cache length L */
  kvLen?: number;
  passes?: Passes;
  tile?: number;
  causal?: boolean;
  /** with causal: the sliding window W (a query sees itself and the W-1 keys before it) */
  window?: number;
  /** decode: K and V are a KV cache (role kvcache) of length kvLen, plus the new token's own K, V */
  decode?: boolean;
  dtype?: DType;
}

/**
 * A standalone attention cascade on given Q, K, V (inputs) for the examples and tests:
 * Q[B, S, heads.., E], K[B, M, kvheads.., E], V[B, M, kvheads.., F]; output AV[B, S, heads.., F].
 */
export function buildAttention(g: GraphBuilder, o: AttentionOptions): string {
  const dt = o.dtype ?? 'fp32';
  const heads = headLayout(g, o.heads, o.kvHeads ?? o.heads);
  const headRanks = (ix: string[]) => ix.map((v) => v.toUpperCase());
  g.rank('B', o.batch).rank('S', o.seq).rank('M', o.kvLen ?? o.seq).rank('E', o.headDim).rank('F', o.valueDim ?? o.headDim);
  g.declare('input', 'Q', ['B', 'S', ...headRanks(heads.qh), 'E'], dt);
  const kvRole = o.decode ? 'kvcache' : 'input';
  g.declare(kvRole, 'K', ['B', 'M', ...headRanks(heads.kh), 'E'], dt);
  g.declare(kvRole, 'V', ['B', 'M', ...headRanks(heads.kh), 'F'], dt);
  const core: AttentionCoreOptions = { prefix: '', heads, q: 'Q', k: 'K', v: 'V', passes: o.passes ?? 3, causal: !o.decode && (o.causal ?? false) };
  if (o.tile !== undefined) core.tile = o.tile;
  if (o.window !== undefined && core.causal) core.window = o.window;
  if (o.decode) {
    g.declare('input', 'KN', ['B', 'S', ...headRanks(heads.kh), 'E'], dt);
    g.declare('input', 'VN', ['B', 'S', ...headRanks(heads.kh), 'F'], dt);
    core.self = { k: 'KN', v: 'VN' };
  }
  const av = attentionCore(g, core);
  g.output(av);
  return av;
}
