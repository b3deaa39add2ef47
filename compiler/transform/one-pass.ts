// The 3-pass -> 1-pass softmax rewrite (FuseMax, Nayak et al. MICRO 2024, section 3): recognises
//   GM[p]    = max(m) X[.., m, ..]              the score tensor X, any layout, prefix ranks allowed
//   SN[..]   = exp(X - GM)  or  exp((X - GM) / c)  or  exp((X - GM) * c)
//   SD[p]    = sum(m) SN
//   A[..]    = SN / SD
//   AV[..]   = A * V                           summed over m (and nothing else)
// and emits the FlashAttention-2 recurrence over tiles of M (M -> M1, M0), as in
// examples/attention/attention-1pass.ein: running max RM, correction PRM, running denominator RD,
// running numerator·V RNV; AV keeps its name and indices. The einsums that compute X from the
// inputs (QK, a mask) move into the tiled loop: their m becomes (m1, m0) and they read m1*M0 + m0.
import { exprAccesses, outputVars, reducedVars, someExpr, type Access, type Cascade, type CascadeSource, type Einsum, type Expr, type IndexExpr } from '../ir';
import { indexAsExpr, mapLeaves, plainVars, readersOf, refinalize, substIndex, toSource, TransformError } from './rewrite';

export interface OnePassResult {
  cascade: Cascade;
  /** the AV tensors whose softmax was rewritten */
  rewritten: string[];
}

/** Tile rank names for key rank K: M -> M1, M0; M_L3 -> M1_L3, M0_L3. */
export function tileNames(rank: string): [string, string] {
  const cut = rank.indexOf('_');
  return cut < 0 ? [`${rank}1`, `${rank}0`] : [`${rank.slice(0, cut)}1${rank.slice(cut)}`, `${rank.slice(0, cut)}0${rank.slice(cut)}`];
}

interface Match {
  gm: number;
  sn: number;
  sd: number;
  a: number;
  av: number;
  /** the key variable */
  m: string;
  /** positions of the einsums that compute X from outside values, in program order */
  chain: number[];
  /** exponent pattern: (x, max) -> expression inside exp */
  expo: (x: Expr, mx: Expr) => Expr;
}

const isAccessOf = (e: Expr, t: string): e is { kind: 'access'; access: Access } => e.kind === 'access' && e.access.tensor === t;
const sameIdx = (a: Access, b: Access) => JSON.stringify(plainVars(a)) === JSON.stringify(plainVars(b)) && plainVars(a) !== null;

/** SN's expression as exp(f(X - GM)); returns f as a function of the difference's two operands. */
function matchExponent(e: Expr, X: string, GM: string): ((x: Expr, mx: Expr) => Expr) | null {
  if (e.kind !== 'unary' || e.op !== 'exp') return null;
  const arg = e.arg;
  const isDiff = (d: Expr) => d.kind === 'binary' && d.op === '-' && isAccessOf(d.a, X) && isAccessOf(d.b, GM);
  const diff = (x: Expr, mx: Expr): Expr => ({ kind: 'binary', op: '-', a: x, b: mx });
  if (isDiff(arg)) return diff;
  if (arg.kind === 'binary' && (arg.op === '/' || arg.op === '*')) {
    const [d, k] = isDiff(arg.a) ? [arg.a, arg.b] : arg.op === '*' && isDiff(arg.b) ? [arg.b, arg.a] : [null, null];
    // the scale must be a constant: a number or a rank size expression, no reads
    if (d && k && exprAccesses(k).length === 0 && !hasIvar(k)) return (x, mx) => ({ kind: 'binary', op: arg.op, a: diff(x, mx), b: k });
  }
  return null;
}

function hasIvar(e: Expr): boolean {
  return someExpr(e, (x) => x.kind === 'ivar');
}

function findMatches(c: Cascade): Match[] {
  const es = c.einsums;
  const writers = (t: string) => es.map((e, i) => (e.output.tensor === t ? i : -1)).filter((i) => i >= 0);
  const only = (t: string) => {
    const r = readersOf(es, t);
    return r.length === 1 ? r[0]! : -1;
  };
  const out: Match[] = [];
  es.forEach((g, gm) => {
    if (g.reduce !== 'max' || g.init || !isAccessOfAny(g.expr)) return;
    const red = reducedVars(g);
    if (red.length !== 1) return;
    const m = red[0]!;
    const X = (g.expr as { access: Access }).access;
    const xVars = plainVars(X);
    if (!xVars || !xVars.includes(m) || c.outputs.includes(g.output.tensor)) return;
    const GM = g.output.tensor;
    const sn = only(GM);
    if (sn < 0) return;
    const SNe = es[sn]!;
    if (reducedVars(SNe).length || SNe.init) return;
    const expo = matchExponent(SNe.expr, X.tensor, GM);
    if (!expo) return;
    const snX = exprAccesses(SNe.expr).find((a) => a.tensor === X.tensor)!;
    const snG = exprAccesses(SNe.expr).find((a) => a.tensor === GM)!;
    if (!sameIdx(snX, X) || !sameIdx(SNe.output, X) || !sameIdx(snG, g.output)) return;
    const SN = SNe.output.tensor;
    const snReaders = readersOf(es, SN);
    if (snReaders.length !== 2 || c.outputs.includes(SN)) return;
    const sd = snReaders.find((i) => es[i]!.reduce === 'sum' && JSON.stringify(reducedVars(es[i]!)) === JSON.stringify([m]));
    const a = snReaders.find((i) => i !== sd);
    if (sd === undefined || a === undefined) return;
    const SDe = es[sd]!;
    if (!isAccessOf(SDe.expr, SN) || !sameIdx(SDe.expr.access, SNe.output) || !sameIdx(SDe.output, g.output)) return;
    const Ae = es[a]!;
    const SD = SDe.output.tensor;
    if (only(SD) !== a || c.outputs.includes(SD) || reducedVars(Ae).length) return;
    if (Ae.expr.kind !== 'binary' || Ae.expr.op !== '/' || !isAccessOf(Ae.expr.a, SN) || !isAccessOf(Ae.expr.b, SD)) return;
    if (!sameIdx(Ae.expr.a.access, SNe.output) || !sameIdx(Ae.output, SNe.output) || !sameIdx(Ae.expr.b.access, g.output)) return;
    const A = Ae.output.tensor;
    const av = only(A);
    if (av < 0 || c.outputs.includes(A)) return;
    const AVe = es[av]!;
    if (AVe.reduce !== 'sum' || JSON.stringify(reducedVars(AVe)) !== JSON.stringify([m]) || AVe.expr.kind !== 'binary' || AVe.expr.op !== '*') return;
    const aSide = isAccessOf(AVe.expr.a, A) ? AVe.expr.a : isAccessOf(AVe.expr.b, A) ? AVe.expr.b : null;
    const vSide = aSide === AVe.expr.a ? AVe.expr.b : AVe.expr.a;
    if (!aSide || vSide.kind !== 'access' || !sameIdx(aSide.access, Ae.output)) return;
    // P (GM's indices) must be among AV's output variables, for the final divide
    const avOut = new Set(outputVars(AVe));
    if (!outputVars(g).every((v) => avOut.has(v)) || !plainVars(AVe.output)) return;
    if (writers(GM).length !== 1 || writers(SN).length !== 1 || writers(SD).length !== 1 || writers(A).length !== 1) return;
    // the chain computing X over m: X itself (it must be tiled), and the producers over m that only feed
    // the chain (not outputs, plain output indices, one writer)
    const chain: number[] = [];
    const consumersOk = new Set([gm, sn]);
    const visit = (t: string): boolean => {
      const w = writers(t);
      if (w.length !== 1) return false;
      const e = es[w[0]!]!;
      if (e.init || c.outputs.includes(t) || !plainVars(e.output)?.includes(m)) return false;
      if (!readersOf(es, t).every((i) => consumersOk.has(i))) return false;
      chain.unshift(w[0]!);
      consumersOk.add(w[0]!);
      for (const r of exprAccesses(e.expr)) {
        const rw = writers(r.tensor);
        const rv = plainVars(r);
        // a producer over m joins the tiled loop when only the chain reads it; otherwise (an output such as
        // the K a model hands to its cache) it stays as it is and is read at m1*M0+m0
        if (rw.length === 1 && rv?.includes(m)) visit(r.tensor);
      }
      return true;
    };
    if (!visit(X.tensor)) return;
    chain.sort((x, y) => x - y);
    out.push({ gm, sn, sd, a, av, m, chain, expo });
  });
  return out;
}

function hasNegInf(e: Expr): boolean {
  return someExpr(e, (x) => x.kind === 'num' && x.value === -Infinity);
}

function isAccessOfAny(e: Expr): boolean {
  return e.kind === 'access';
}

/** Rewrites every recognised 3-pass softmax·V into the 1-pass recurrence with tiles of `tile` keys. */
export function rewrite3to1Pass(c: Cascade, opts: { tile?: number } = {}): OnePassResult {
  const tile = opts.tile ?? 64;
  const matches = findMatches(c);
  if (matches.length === 0) return { cascade: c, rewritten: [] };
  const src = toSource(c);
  const taken = new Set([...c.tensors.map((t) => t.name)]);
  const remove = new Set<number>();
  const replace = new Map<number, Einsum[]>();
  const rewritten: string[] = [];

  for (const mt of matches) {
    const es = c.einsums;
    const tl = tileKeyRank(c, src, mt, tile);
    const chainTensors = new Set(mt.chain.map((i) => es[i]!.output.tensor));
    const tileAccess = (a: Access): Expr => ({ kind: 'access', access: { tensor: a.tensor, indices: chainTensors.has(a.tensor) ? tl.tiled(a.indices) : a.indices.map((i) => substIndex(i, tl.sub)) } });
    const mValue = (name: string): Expr => (name === mt.m ? indexAsExpr(tl.mAt) : { kind: 'ivar', name });
    for (const i of mt.chain) {
      const e = es[i]!;
      replace.set(i, [{ ...e, output: { tensor: e.output.tensor, indices: tl.tiled(e.output.indices) }, expr: mapLeaves(e.expr, tileAccess, mValue) }]);
    }
    // the recurrence runs where AV was: everything it reads (V included) is defined by then
    for (const i of [mt.gm, mt.sn, mt.sd, mt.a]) remove.add(i);
    replace.set(mt.av, recurrence(c, mt, tl, taken));
    rewritten.push(es[mt.av]!.output.tensor);
  }
  src.einsums = c.einsums.flatMap((e, i) => (remove.has(i) ? [] : (replace.get(i) ?? [e])));
  return { cascade: refinalize(src, 'the 3-pass to 1-pass rewrite'), rewritten };
}

/** How a match's key rank M is tiled: M -> M1, M0 = tile, with m = m1*M0 + m0. */
interface Tiling {
  K1: string;
  m1: string;
  mAt: IndexExpr;
  sub: Map<string, IndexExpr>;
  /** an index list with m replaced by (m1, m0), as a tiled tensor is indexed; other uses of m become m1*M0+m0 */
  tiled: (ix: IndexExpr[]) => IndexExpr[];
}

/** Partitions the match's key rank in `src` (throws when that is not possible). */
function tileKeyRank(c: Cascade, src: CascadeSource, mt: Match, tile: number): Tiling {
  const K = c.ranks.find((r) => r.name.toLowerCase() === mt.m)!;
  if (c.partitions.some((p) => p.parent === K.name)) throw new TransformError(`rewrite3to1Pass: key rank ${K.name} is already partitioned`);
  if (src.partitions.some((p) => p.parent === K.name)) throw new TransformError(`rewrite3to1Pass: two softmaxes share key rank ${K.name}; give each its own key rank`);
  const [K1, K0] = tileNames(K.name);
  if (c.ranks.some((r) => r.name === K1 || r.name === K0)) throw new TransformError(`rewrite3to1Pass: rank names ${K1}, ${K0} are taken`);
  src.partitions.push({ parent: K.name, parts: [K1, K0], innerSizes: [tile] });
  const m1 = K1.toLowerCase();
  const m0 = K0.toLowerCase();
  const mAt: IndexExpr = { kind: 'ibin', op: '+', a: { kind: 'ibin', op: '*', a: { kind: 'ivar', name: m1 }, b: { kind: 'rsize', rank: K0 } }, b: { kind: 'ivar', name: m0 } };
  const sub = new Map([[mt.m, mAt]]);
  const tiled = (ix: IndexExpr[]): IndexExpr[] => ix.flatMap((i) => (i.kind === 'ivar' && i.name === mt.m ? [{ kind: 'ivar', name: m1 } as IndexExpr, { kind: 'ivar', name: m0 } as IndexExpr] : [substIndex(i, sub)]));
  return { K1, m1, mAt, sub, tiled };
}

/** The running-max recurrence over key tiles that replaces GM, SN, SD, A and AV; AV keeps its name and indices. */
function recurrence(c: Cascade, mt: Match, tl: Tiling, taken: Set<string>): Einsum[] {
  const es = c.einsums;
  const { K1, m1, sub, tiled } = tl;
  const G = es[mt.gm]!;
  const X = (G.expr as { access: Access }).access;
  const AVe = es[mt.av]!;
  const pre = G.output.tensor.endsWith('GM') ? G.output.tensor.slice(0, -2) : `${G.output.tensor}_`;
  const fresh = (base: string) => {
    let n = `${pre}${base}`;
    for (let k = 2; taken.has(n); k++) n = `${pre}${base}${k}`;
    taken.add(n);
    return n;
  };
  const [LM, RM, SLN, SLD, SLNV, PRM, SPD, RD, SPNV, RNV] = ['LM', 'RM', 'SLN', 'SLD', 'SLNV', 'PRM', 'SPD', 'RD', 'SPNV', 'RNV'].map(fresh) as [string, string, string, string, string, string, string, string, string, string];
  const P = G.output.indices;
  const v = (n: string): IndexExpr => ({ kind: 'ivar', name: n });
  const next: IndexExpr = { kind: 'ibin', op: '+', a: v(m1), b: { kind: 'int', value: 1 } };
  const zero: IndexExpr = { kind: 'int', value: 0 };
  const last: IndexExpr = { kind: 'rsize', rank: K1 };
  const at = (t: string, ix: IndexExpr[]): Expr => ({ kind: 'access', access: { tensor: t, indices: ix } });
  const ein = (t: string, ix: IndexExpr[], expr: Expr, reduce: Einsum['reduce'] = 'sum', init = false): Einsum => ({ output: { tensor: t, indices: ix }, expr, reduce, init });
  const bin = (op: '+' | '*' | '/' | 'max', a: Expr, b: Expr): Expr => ({ kind: 'binary', op, a, b });
  const exp = (x: Expr): Expr => ({ kind: 'unary', op: 'exp', arg: x });
  const xT = at(X.tensor, tiled(X.indices));
  const Pm = (m: IndexExpr) => [...P, m];
  const avIx = AVe.output.indices;
  const nv = (m: IndexExpr) => [...avIx, m];
  const aSide = (AVe.expr as { a: Expr; b: Expr }).a.kind === 'access' && ((AVe.expr as { a: Expr }).a as { access: Access }).access.tensor === es[mt.a]!.output.tensor;
  const vAcc = ((aSide ? (AVe.expr as { b: Expr }).b : (AVe.expr as { a: Expr }).a) as { access: Access }).access;
  const aAcc = ((aSide ? (AVe.expr as { a: Expr }).a : (AVe.expr as { b: Expr }).b) as { access: Access }).access;
  // SLN has SN's layout with m tiled; AV reads A (same layout as SN) with aAcc's variables
  const SNe = es[mt.sn]!;
  const snToA = new Map<string, IndexExpr>(plainVars(SNe.output)!.map((sv, k) => [sv, aAcc.indices[k]!]));
  const slnRead = at(SLN, tiled(SNe.output.indices.map((i) => substIndex(i, snToA))));
  // A mask (a -inf in the score chain) can hide a whole tile from a query before any key was seen; then the
  // running max is still -inf and the tile's terms and the empty history's correction must be 0, not NaN.
  const masked = mt.chain.some((i) => hasNegInf(es[i]!.expr));
  const guardIf = (cond: Expr, e: Expr): Expr => (masked ? { kind: 'select', cond: { kind: 'cmp', op: '==', a: cond, b: { kind: 'num', value: -Infinity } }, a: { kind: 'num', value: 0 }, b: e } : e);
  return [
    ein(RM, Pm(zero), { kind: 'num', value: -Infinity }, 'sum', true),
    ein(RD, Pm(zero), { kind: 'num', value: 0 }, 'sum', true),
    ein(RNV, nv(zero), { kind: 'num', value: 0 }, 'sum', true),
    ein(LM, Pm(v(m1)), xT, 'max'),
    ein(RM, Pm(next), bin('max', at(RM, Pm(v(m1))), at(LM, Pm(v(m1))))),
    ein(SLN, tiled(SNe.output.indices), guardIf(at(RM, Pm(next)), exp(mt.expo(xT, at(RM, Pm(next)))))),
    ein(SLD, Pm(v(m1)), at(SLN, tiled(SNe.output.indices))),
    ein(SLNV, nv(v(m1)), bin('*', slnRead, at(vAcc.tensor, vAcc.indices.map((i) => substIndex(i, sub))))),
    ein(PRM, Pm(v(m1)), guardIf(at(RM, Pm(v(m1))), exp(mt.expo(at(RM, Pm(v(m1))), at(RM, Pm(next)))))),
    ein(SPD, Pm(v(m1)), bin('*', at(RD, Pm(v(m1))), at(PRM, Pm(v(m1))))),
    ein(RD, Pm(next), bin('+', at(SLD, Pm(v(m1))), at(SPD, Pm(v(m1))))),
    ein(SPNV, nv(v(m1)), bin('*', at(RNV, nv(v(m1))), at(PRM, Pm(v(m1))))),
    ein(RNV, nv(next), bin('+', at(SLNV, nv(v(m1))), at(SPNV, nv(v(m1))))),
    { ...AVe, expr: bin('/', at(RNV, nv(last)), at(RD, Pm(last))) },
  ];
}
