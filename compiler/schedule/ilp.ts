// The COSMA-style ILP, generalised to a chain of tiers. Time steps are operators (one per step). For each
// tensor t and step s inside the steps where t can be alive:
//   R[t,s]    t is in SRAM during step s
//   L[t,k,s]  t is (re)loaded from outer tier k at the start of step s      (non-compulsory, cost_k * bytes)
//   F[t,s]    the first load of an input/parameter from its home tier       (compulsory, free)
//   W[t,k,s]  t is spilled (copied) to tier k at the end of step s          (cost_k * bytes; an output's write home is free)
//   H[t,k,s]  tier k holds a spilled copy after step s (only where tier k's capacity can bind)
//   X[o,s]    operator o runs at step s (free order only; fixed order makes these constants)
// "Create" is X of the producer, "keep" is R[t,s-1] = R[t,s] = 1, "spill" is W, "reload" is L.
// Homes (inputs, parameters, outputs; tiers.homeTiers) are reserved in their tier for the whole schedule.
// SRAM addresses are not in this model by default: they are assigned afterwards to the SRAM stays the solution
// chose (addresses.ts). Every solution of the full model is a solution of this one, so its optimum is a lower
// bound; when the addresses fit (checked), it is the optimum of the full model. When they do not, schedule.ts
// retries with a smaller SRAM and reports the gap.
//
// buildIlp is a pipeline of small steps over one context (IlpContext): operator windows, tensor windows, the
// objective scale, order variables, per-tensor variables and rows (residency, copies, window ends), capacity
// rows (SRAM, outer tiers), the optional address models, then `extract` (solution -> schedule) and `encode`
// (schedule -> solution, the warm start).
import { MipModel } from './mip';
import { hasHome, homeTiers, reservedHomeBytes } from './tiers';
import type { OpGraph, ScheduleStep, TierChain, Transfer } from './types';

export type IlpMode = 'traffic' | 'mpmf';

/** What the tiers hold before the first step of a window (the whole graph is one window). */
export interface TierState {
  inSram: Set<number>;
  /** copies[k] for k >= 1: tensors tier k holds. */
  copies: Set<number>[];
  /** inputs/parameters already loaded once (their next load is not compulsory) */
  loadedOnce: Set<number>;
}

export interface IlpProblem {
  g: OpGraph;
  chain: TierChain;
  /** SRAM capacity in bytes (the budget); ignored in MPMF mode. */
  sramBytes: number;
  /**
   * When set (and above sramBytes), a step may use up to this many bytes if its operator alone needs more than
   * sramBytes: a uniformly tightened SRAM that still admits every operator (used to leave address slack).
   */
  budgetBytes?: number;
  /**
   * Put SRAM addresses in the model (COSMA's joint form): one base address per tensor, and for each pair of
   * tensors whose windows overlap an order binary with big-M non-overlap, active when both are resident at a
   * common step. Slower; used when addresses for a residency-only solution cannot be found.
   */
  jointAddresses?: boolean;
  /**
   * Addresses in the model per step rather than per tensor: A[t,s] is fixed while t stays resident and free
   * to change when it is reloaded; each pair of tensors that can be resident at a common step gets an order
   * binary for that step. Exact for the schedules the checker accepts; larger. Used as the last fallback.
   */
  stepAddresses?: boolean;
  /** Operators of this window; in fixed order they run in this order. */
  ops: number[];
  order: 'fixed' | 'free';
  mode: IlpMode;
  initial: TierState;
  /** Tensors used after this window: at its end each must be in SRAM or have an outer copy. */
  liveAfter: Set<number>;
}

export interface Extracted {
  steps: ScheduleStep[];
  final: TierState;
  peakBytes: number;
  /** tensors in SRAM at the window's start that the solution lets go before its first step */
  freedBefore: number[];
  spilledBefore: Transfer[];
  /** with jointAddresses, each tensor's SRAM base address (empty otherwise) */
  offsets: Map<number, number>;
  /** with stepAddresses, the address of tensor t's stay that contains step s */
  stayOffset: (t: number, s: number) => number | undefined;
}

export interface BuiltIlp {
  model: MipModel;
  /** Bytes per objective unit (objective values are scaled to keep coefficients moderate). */
  unitBytes: number;
  /** Objective units -> cost (bytes x tier cost per byte). */
  toCost: (objective: number) => number;
  extract(x: Float64Array): Extracted;
  /**
   * The column vector of a complete schedule of this (whole-graph, traffic-mode) problem, or null when the
   * schedule is outside the model (an operator outside its ASAP..ALAP window, a tensor resident outside its
   * window, an address model). Used as a warm start.
   */
  encode(steps: ScheduleStep[]): Float64Array | null;
}

type Terms = [number, number][];

/** Columns of one tensor: index -1 where the variable does not exist. */
interface TensorCols {
  a: number;
  b: number;
  r: Int32Array;
  f: Int32Array;
  l: Int32Array[];
  w: Int32Array[];
  h: Int32Array[];
  w0: Int32Array;
}

interface IlpContext {
  p: IlpProblem;
  g: OpGraph;
  m: MipModel;
  n: number;
  K: number;
  free: boolean;
  asap: Int32Array;
  alap: Int32Array;
  preds: number[][];
  producerOf: Map<number, number>;
  usersOf: Map<number, number[]>;
  tensors: number[];
  involved: Set<number>;
  lo: Map<number, number>;
  hi: Map<number, number>;
  homes: Int32Array;
  reserved: number[];
  unitBytes: number;
  costScale: number;
  /** tier k's capacity can bind in this window: copies there are modelled (H) */
  binds: boolean[];
  /** bytes in tier k at every step that are neither homes nor tensors of this window */
  constCopyBytes: number[];
  X: Int32Array[];
  cols: Map<number, TensorCols>;
  A: Map<number, number>;
  pairs: [number, number, number, number][];
  AS: Map<number, Int32Array>;
  stepPairs: [number, number, number, number][];
}

export function initialState(g: OpGraph, chain: TierChain): TierState {
  const homes = homeTiers(g, chain);
  const copies = chain.tiers.map(() => new Set<number>());
  g.tensors.forEach((t, i) => {
    if (t.kind === 'input' || t.kind === 'param') copies[homes[i]!]!.add(i);
  });
  return { inSram: new Set(), copies, loadedOnce: new Set() };
}

const bytesOf = (c: IlpContext, t: number) => c.g.tensors[t]!.bytes;
const isInputLike = (c: IlpContext, t: number) => c.g.tensors[t]!.kind === 'input' || c.g.tensors[t]!.kind === 'param';
const hasCopy0 = (c: IlpContext, t: number, k: number) => c.p.initial.copies[k]?.has(t) ?? false;
/** tier k is t's home (reserved for the whole schedule) */
const isHomeOf = (c: IlpContext, t: number, k: number) => hasHome(c.g, t) && c.homes[t] === k;
const cost = (c: IlpContext, k: number, t: number) => (c.p.mode === 'mpmf' ? 0 : (c.p.chain.tiers[k]!.costPerByte / c.costScale) * (bytesOf(c, t) / c.unitBytes));
/** X[op at position s of the window runs at step u]: a column, or a constant */
const runsAt = (c: IlpContext, s: number, u: number): { col: number } | 'yes' | 'no' => {
  if (!c.free) return s === u ? 'yes' : 'no';
  const col = c.X[s]![u]!;
  return col >= 0 ? { col } : 'no';
};

/** ASAP/ALAP of each operator within the window (free order); fixed order: its position. */
function operatorWindows(p: IlpProblem) {
  const n = p.ops.length;
  const asap = new Int32Array(n);
  const alap = new Int32Array(n);
  const producerOf = new Map<number, number>();
  p.ops.forEach((o, s) => p.g.ops[o]!.outputs.forEach((t) => producerOf.set(t, s)));
  const preds: number[][] = p.ops.map(() => []);
  p.ops.forEach((o, s) => {
    for (const t of p.g.ops[o]!.inputs) {
      const q = producerOf.get(t);
      if (q !== undefined && q !== s && !preds[s]!.includes(q)) preds[s]!.push(q);
    }
  });
  if (p.order === 'free') {
    // one operator per step: all of an operator's ancestors run before it and all its descendants after it,
    // so its step lies in [#ancestors, n - 1 - #descendants] (much tighter than ASAP/ALAP on a critical path)
    const anc = p.ops.map(() => new Set<number>());
    for (let s = 0; s < n; s++) for (const q of preds[s]!) anc[s] = new Set([...anc[s]!, ...anc[q]!, q]);
    const desc = new Int32Array(n);
    for (let s = 0; s < n; s++) for (const q of anc[s]!) desc[q]! += 1;
    for (let s = 0; s < n; s++) {
      asap[s] = anc[s]!.size;
      alap[s] = n - 1 - desc[s]!;
    }
  } else
    for (let s = 0; s < n; s++) {
      asap[s] = s;
      alap[s] = s;
    }
  return { asap, alap, preds, producerOf };
}

/** The tensors of the window and the steps [lo, hi] where each can be alive. */
function tensorWindows(p: IlpProblem, asap: Int32Array, alap: Int32Array, producerOf: Map<number, number>) {
  const n = p.ops.length;
  const usersOf = new Map<number, number[]>();
  p.ops.forEach((o, s) => {
    for (const t of p.g.ops[o]!.inputs) {
      const u = usersOf.get(t) ?? [];
      if (!u.includes(s)) u.push(s);
      usersOf.set(t, u);
    }
  });
  const involved = new Set<number>([...p.initial.inSram, ...usersOf.keys(), ...producerOf.keys()]);
  const tensors = [...involved].sort((a, b) => a - b);
  const lo = new Map<number, number>();
  const hi = new Map<number, number>();
  for (const t of tensors) {
    const prod = producerOf.get(t);
    const users = usersOf.get(t) ?? [];
    let a: number;
    if (p.initial.inSram.has(t)) a = 0;
    else if (prod !== undefined) a = asap[prod]!;
    else a = Math.min(...users.map((s) => asap[s]!));
    let b = p.liveAfter.has(t) ? n - 1 : Math.max(-1, ...users.map((s) => alap[s]!), prod !== undefined ? alap[prod]! : -1);
    if (b < a) b = a; // a tensor in SRAM that nothing here reads and nothing later needs: freed at once
    lo.set(t, a);
    hi.set(t, b);
  }
  return { usersOf, involved, tensors, lo, hi };
}

/** Which outer tiers can fill up in this window (only those get copy variables H and capacity rows). */
function outerTierBinding(c: IlpContext): void {
  const { p } = c;
  c.binds = p.chain.tiers.map((tier, k) => {
    if (k === 0 || !Number.isFinite(tier.capacityBytes)) return false;
    let total = c.reserved[k]!;
    for (const t of p.initial.copies[k] ?? []) if (!isHomeOf(c, t, k)) total += bytesOf(c, t);
    for (const t of c.tensors) if (!hasCopy0(c, t, k) && !isHomeOf(c, t, k)) total += bytesOf(c, t);
    return total > tier.capacityBytes;
  });
  c.constCopyBytes = p.chain.tiers.map((_, k) => {
    let b = 0;
    for (const t of p.initial.copies[k] ?? []) if (!isHomeOf(c, t, k)) b += bytesOf(c, t);
    return b;
  });
}

/** Free order: X[o,u] with one operator per step, one step per operator, precedence in the cumulative form. */
function addOrderVariables(c: IlpContext): void {
  const { m, n, asap, alap, preds } = c;
  c.X = c.p.ops.map(() => new Int32Array(n).fill(-1));
  if (!c.free) return;
  c.p.ops.forEach((o, s) => {
    for (let u = asap[s]!; u <= alap[s]!; u++) c.X[s]![u] = m.addBinary(`X_${o}_${u}`);
  });
  for (let s = 0; s < n; s++) {
    const terms: Terms = [];
    for (let u = asap[s]!; u <= alap[s]!; u++) terms.push([c.X[s]![u]!, 1]);
    m.addRow(terms, 1, 1);
  }
  for (let u = 0; u < n; u++) {
    const terms: Terms = [];
    for (let s = 0; s < n; s++) if (c.X[s]![u]! >= 0) terms.push([c.X[s]![u]!, 1]);
    m.addRow(terms, 1, 1);
  }
  // precedence, cumulative form (tight LP): s done by step u => its predecessor q done before u. Rows where q
  // is surely done before u (u > alap[q]) are implied and left out.
  for (let s = 0; s < n; s++)
    for (const q of preds[s]!)
      for (let u = asap[s]!; u <= Math.min(alap[s]!, alap[q]!); u++) {
        const terms: Terms = [];
        for (let w = asap[s]!; w <= u; w++) terms.push([c.X[s]![w]!, 1]);
        for (let w = asap[q]!; w < u && w <= alap[q]!; w++) terms.push([c.X[q]![w]!, -1]);
        m.addRow(terms, -Infinity, 0);
      }
}

/** The columns of one tensor: R over its window, F/L at the steps a reader can run, W at every step, H, W0. */
function addTensorVariables(c: IlpContext, t: number): TensorCols {
  const { m, n, K, p } = c;
  const a = c.lo.get(t)!;
  const b = c.hi.get(t)!;
  const col = () => new Int32Array(n).fill(-1);
  const tc: TensorCols = { a, b, r: col(), f: col(), l: p.chain.tiers.map(col), w: p.chain.tiers.map(col), h: p.chain.tiers.map(col), w0: new Int32Array(K).fill(-1) };
  const prod = c.producerOf.get(t);
  const users = c.usersOf.get(t) ?? [];
  for (let s = a; s <= b; s++) {
    const mustBeIn = !c.free && (users.includes(s) || prod === s);
    tc.r[s] = m.addCol(`R_${t}_${s}`, mustBeIn ? 1 : 0, 1, 0, true);
  }
  const home = c.homes[t]!;
  const canFirstLoad = isInputLike(c, t) && !p.initial.loadedOnce.has(t) && !p.initial.inSram.has(t) && hasCopy0(c, t, home);
  for (let s = a; s <= b; s++) {
    if (!users.some((u) => c.asap[u]! <= s && s <= c.alap[u]!)) continue; // a load only when a reader can run
    if (canFirstLoad) tc.f[s] = m.addBinary(`F_${t}_${s}`);
    if (p.mode === 'traffic') for (let k = 1; k < K; k++) tc.l[k]![s] = m.addBinary(`L_${t}_${k}_${s}`, cost(c, k, t));
  }
  const isOutput = c.g.tensors[t]!.kind === 'output';
  // Where a tier cannot fill up, a spill right after the tensor's last touch (its producer or a reader) is never
  // worse than a later one (it frees SRAM sooner): spills only at steps where an operator touching t can run.
  const touches = prod !== undefined ? [...users, prod] : users;
  const touchable = (s: number) => touches.some((u) => c.asap[u]! <= s && s <= c.alap[u]!);
  for (let k = 1; k < K; k++) {
    if (hasCopy0(c, t, k)) continue;
    const freeWrite = isOutput && k === home;
    if (p.mode === 'mpmf' && !freeWrite) continue;
    for (let s = a; s <= b; s++) if (c.binds[k] || touchable(s)) tc.w[k]![s] = m.addBinary(`W_${t}_${k}_${s}`, freeWrite ? 0 : cost(c, k, t));
    if (c.binds[k] && !freeWrite) for (let s = a; s <= b; s++) tc.h[k]![s] = m.addBinary(`H_${t}_${k}_${s}`);
    // a tensor in SRAM when the window starts may be spilled just before it (end of the previous window); into
    // a tier that can bind only where its copy is modelled (H), so that the row of step a counts it
    if (p.initial.inSram.has(t) && p.mode === 'traffic') tc.w0[k] = m.addBinary(`W0_${t}_${k}`, freeWrite ? 0 : cost(c, k, t));
  }
  return tc;
}

/** Residency: resident only if kept, created or loaded; loads and spills where they make sense. */
function addResidencyRows(c: IlpContext, t: number, tc: TensorCols): void {
  const { m, K, free } = c;
  const { a, b, r, f, l, w } = tc;
  const prod = c.producerOf.get(t);
  const users = c.usersOf.get(t) ?? [];
  const init = c.p.initial.inSram.has(t) ? 1 : 0;
  for (let s = a; s <= b; s++) {
    // (A) resident only if it was, or was created, or was loaded
    const terms: Terms = [[r[s]!, 1]];
    let rhs = 0;
    if (s > a) terms.push([r[s - 1]!, -1]);
    else rhs += init;
    if (prod !== undefined) {
      const x = runsAt(c, prod, s);
      if (x === 'yes') rhs += 1;
      else if (x !== 'no') terms.push([x.col, -1]);
    }
    const loadTerms: Terms = [];
    if (f[s]! >= 0) loadTerms.push([f[s]!, 1]);
    for (let k = 1; k < K; k++) if (l[k]![s]! >= 0) loadTerms.push([l[k]![s]!, 1]);
    for (const [col] of loadTerms) terms.push([col, -1]);
    m.addRow(terms, -Infinity, rhs);
    // (E) no load into SRAM of a tensor already there
    if (loadTerms.length > 0) {
      if (s > a) m.addRow([...loadTerms, [r[s - 1]!, 1]], -Infinity, 1);
      else if (init) for (const [col] of loadTerms) m.addRow([[col, 1]], -Infinity, 0);
    }
    if (free) addFreeOrderResidencyRows(c, t, tc, s, loadTerms, users, prod, init);
    // (C) spills happen when the tensor leaves SRAM (spilling earlier only holds outer capacity longer)
    const wTerms: Terms = [];
    for (let k = 1; k < K; k++) if (w[k]![s]! >= 0) wTerms.push([w[k]![s]!, 1]);
    if (wTerms.length > 0) {
      m.addRow([...wTerms, [r[s]!, -1]], -Infinity, 0);
      if (s < b) m.addRow([...wTerms, [r[s + 1]!, 1]], -Infinity, 1);
    }
  }
}

/** Free order: loads only when a reader runs now, nothing before creation, resident whenever used. */
function addFreeOrderResidencyRows(c: IlpContext, t: number, tc: TensorCols, s: number, loadTerms: Terms, users: number[], prod: number | undefined, init: number): void {
  const { m } = c;
  const r = tc.r;
  if (loadTerms.length > 0) {
    const tt: Terms = [...loadTerms];
    for (const u of users) {
      const x = runsAt(c, u, s);
      if (x !== 'no' && x !== 'yes') tt.push([x.col, -1]);
    }
    m.addRow(tt, -Infinity, 0);
  }
  if (prod !== undefined && !init) {
    const tt: Terms = [[r[s]!, 1]];
    for (let u = 0; u <= s; u++) {
      const x = runsAt(c, prod, u);
      if (x !== 'no' && x !== 'yes') tt.push([x.col, -1]);
    }
    m.addRow(tt, -Infinity, 0);
  }
  // (D) in SRAM whenever a reader or the producer runs
  for (const u of prod !== undefined ? [...users, prod] : users) {
    const x = runsAt(c, u, s);
    if (x !== 'no' && x !== 'yes') m.addRow([[r[s]!, 1], [x.col, -1]], 0, Infinity);
  }
  // dominance (symmetry breaking): a tensor no later operator touches is not kept; keeping it is never
  // better, and every such choice would be another copy of the same schedule for the search to rule out
  if (c.p.liveAfter.has(t)) return;
  const tt: Terms = [[r[s]!, 1]];
  for (const u of prod !== undefined ? [...users, prod] : users) for (let w = Math.max(s, c.asap[u]!); w <= c.alap[u]!; w++) tt.push([c.X[u]![w]!, -1]);
  m.addRow(tt, -Infinity, 0);
}

/**
 * Outer copies, per tier. Where the tier can bind, H tracks the copy: it appears with a spill, holds through
 * every load from it (as the checker counts it: a copy dropped after its last load is there during that step)
 * and may vanish after; a second spill needs the copy gone. Elsewhere a tier is written at most once per tensor.
 * A load from tier k needs an earlier spill to k (or a copy there when the window starts).
 */
function addCopyRows(c: IlpContext, t: number, tc: TensorCols): void {
  const { m, K } = c;
  const { a, b, l, w, h, w0 } = tc;
  for (let k = 1; k < K; k++) {
    if (hasCopy0(c, t, k)) continue;
    if (h[k]![a]! >= 0) {
      for (let s = a; s <= b; s++) {
        const prev: Terms = s > a ? [[h[k]![s - 1]!, 1]] : w0[k]! >= 0 ? [[w0[k]!, 1]] : [];
        // H[s] <= H[s-1] + W[s];  H[s] >= W[s];  W[s] + H[s-1] <= 1;  L[s] <= H[s-1];  H[s] >= L[s]
        m.addRow([[h[k]![s]!, 1], [w[k]![s]!, -1], ...prev.map(([col]) => [col, -1] as [number, number])], -Infinity, 0);
        m.addRow([[h[k]![s]!, 1], [w[k]![s]!, -1]], 0, Infinity);
        if (prev.length) m.addRow([[w[k]![s]!, 1], ...prev], -Infinity, 1);
        if (l[k]![s]! >= 0) {
          m.addRow([[l[k]![s]!, 1], ...prev.map(([col]) => [col, -1] as [number, number])], -Infinity, 0);
          m.addRow([[h[k]![s]!, 1], [l[k]![s]!, -1]], 0, Infinity);
        }
      }
      if (w0[k]! >= 0) m.addRow([[h[k]![a]!, 1], [w0[k]!, -1]], 0, Infinity);
      continue;
    }
    const ws: Terms = [];
    for (let s = a; s <= b; s++) if (w[k]![s]! >= 0) ws.push([w[k]![s]!, 1]);
    if (w0[k]! >= 0) ws.push([w0[k]!, 1]);
    if (ws.length > 1) m.addRow(ws, -Infinity, 1);
    for (let s = a; s <= b; s++) {
      if (l[k]![s]! < 0) continue;
      const tt: Terms = [[l[k]![s]!, 1]];
      for (let u = a; u < s; u++) if (w[k]![u]! >= 0) tt.push([w[k]![u]!, -1]);
      if (w0[k]! >= 0) tt.push([w0[k]!, -1]);
      m.addRow(tt, -Infinity, 0);
    }
  }
}

/** Window ends: one first load, outputs reach home, tensors needed later survive the window somewhere. */
function addEndRows(c: IlpContext, t: number, tc: TensorCols): void {
  const { m, K, p } = c;
  const { a, b, r, f, w, h, w0 } = tc;
  const fs: Terms = [];
  for (let s = a; s <= b; s++) if (f[s]! >= 0) fs.push([f[s]!, 1]);
  if (fs.length > 1) m.addRow(fs, -Infinity, 1);
  const home = c.homes[t]!;
  if (c.g.tensors[t]!.kind === 'output' && !p.liveAfter.has(t) && !hasCopy0(c, t, home)) {
    const ws: Terms = [];
    for (let s = a; s <= b; s++) if (w[home]![s]! >= 0) ws.push([w[home]![s]!, 1]);
    if (w0[home]! >= 0) ws.push([w0[home]!, 1]);
    m.addRow(ws, 1, Infinity);
  }
  if (!p.liveAfter.has(t)) return;
  const tt: Terms = [[r[b]!, 1]];
  for (let k = 1; k < K; k++) {
    if (hasCopy0(c, t, k)) return; // a copy is already there
    if (h[k]![b]! >= 0) tt.push([h[k]![b]!, 1]);
    else {
      for (let s = a; s <= b; s++) if (w[k]![s]! >= 0) tt.push([w[k]![s]!, 1]);
      if (w0[k]! >= 0) tt.push([w0[k]!, 1]);
    }
  }
  m.addRow(tt, 1, Infinity);
}

/** SRAM at every step: the budget (or the peak to minimise, MPMF). */
function addSramCapacity(c: IlpContext): void {
  const { m, n, p } = c;
  const peakCol = p.mode === 'mpmf' ? m.addCol('peak', 0, Infinity, 1, false) : -1;
  const opBytes = (o: number) => [...new Set([...c.g.ops[o]!.inputs, ...c.g.ops[o]!.outputs])].reduce((acc, t) => acc + bytesOf(c, t), 0);
  for (let s = 0; s < n; s++) {
    const terms: Terms = [];
    for (const t of c.tensors) {
      const col = c.cols.get(t)!.r[s]!;
      if (col >= 0) terms.push([col, bytesOf(c, t) / c.unitBytes]);
    }
    if (p.mode === 'mpmf') {
      m.addRow([...terms, [peakCol, -1]], -Infinity, 0);
      continue;
    }
    let cap = p.sramBytes;
    if (p.budgetBytes !== undefined && p.budgetBytes > cap) {
      let need = 0;
      p.ops.forEach((o, q) => {
        if (c.asap[q]! <= s && s <= c.alap[q]!) need = Math.max(need, opBytes(o));
      });
      cap = Math.min(p.budgetBytes, Math.max(cap, need));
    }
    m.addRow(terms, -Infinity, cap / c.unitBytes);
  }
}

/** Outer tiers that can bind: homes (reserved) + copies from before the window + modelled copies <= capacity. */
function addOuterCapacity(c: IlpContext): void {
  const { m, n, K, p } = c;
  for (let k = 1; k < K; k++) {
    if (!c.binds[k]) continue;
    for (let s = 0; s < n; s++) {
      const terms: Terms = [];
      for (const t of c.tensors) {
        const col = c.cols.get(t)!.h[k]![s]!;
        if (col >= 0) terms.push([col, bytesOf(c, t) / c.unitBytes]);
      }
      const room = p.chain.tiers[k]!.capacityBytes - c.reserved[k]! - c.constCopyBytes[k]!;
      m.addRow(terms, -Infinity, room / c.unitBytes);
    }
  }
}

/**
 * COSMA's joint SRAM addresses: A_t in [0, C - bytes]; pairs that can be resident together get an order binary
 * O (1: i below j) and Z (both resident at some common step); non-overlap binds only when Z = 1.
 */
function addJointAddresses(c: IlpContext): void {
  const { m, p } = c;
  const C = (p.budgetBytes ?? p.sramBytes) / c.unitBytes;
  for (const t of c.tensors) c.A.set(t, m.addCol(`A_${t}`, 0, Math.max(0, C - bytesOf(c, t) / c.unitBytes), 0, false));
  for (let x = 0; x < c.tensors.length; x++)
    for (let y = x + 1; y < c.tensors.length; y++) {
      const i = c.tensors[x]!;
      const j = c.tensors[y]!;
      const from = Math.max(c.lo.get(i)!, c.lo.get(j)!);
      const to = Math.min(c.hi.get(i)!, c.hi.get(j)!);
      if (from > to) continue;
      const z = m.addBinary(`Z_${i}_${j}`);
      const o = m.addBinary(`O_${i}_${j}`);
      c.pairs.push([i, j, z, o]);
      for (let u = from; u <= to; u++) m.addRow([[z, 1], [c.cols.get(i)!.r[u]!, -1], [c.cols.get(j)!.r[u]!, -1]], -1, Infinity);
      // A_i + b_i <= A_j + C (1 - O) + C (1 - Z);  A_j + b_j <= A_i + C O + C (1 - Z)
      m.addRow([[c.A.get(i)!, 1], [c.A.get(j)!, -1], [o, C], [z, C]], -Infinity, 2 * C - bytesOf(c, i) / c.unitBytes);
      m.addRow([[c.A.get(j)!, 1], [c.A.get(i)!, -1], [o, -C], [z, C]], -Infinity, C - bytesOf(c, j) / c.unitBytes);
    }
}

/**
 * Per-step SRAM addresses: AS[t][s] in [0, C - bytes]; kept tensors keep their address; per step, an order
 * binary for each pair that can be co-resident, binding only when both are resident.
 */
function addStepAddresses(c: IlpContext): void {
  const { m, n, p } = c;
  const C = (p.budgetBytes ?? p.sramBytes) / c.unitBytes;
  for (const t of c.tensors) {
    const a = c.lo.get(t)!;
    const b = c.hi.get(t)!;
    const col = new Int32Array(n).fill(-1);
    for (let u = a; u <= b; u++) col[u] = m.addCol(`AS_${t}_${u}`, 0, Math.max(0, C - bytesOf(c, t) / c.unitBytes), 0, false);
    const r = c.cols.get(t)!.r;
    for (let u = a + 1; u <= b; u++) {
      // |AS[u] - AS[u-1]| <= C (2 - R[u-1] - R[u])
      m.addRow([[col[u]!, 1], [col[u - 1]!, -1], [r[u - 1]!, C], [r[u]!, C]], -Infinity, 2 * C);
      m.addRow([[col[u - 1]!, 1], [col[u]!, -1], [r[u - 1]!, C], [r[u]!, C]], -Infinity, 2 * C);
    }
    c.AS.set(t, col);
  }
  for (let x = 0; x < c.tensors.length; x++)
    for (let y = x + 1; y < c.tensors.length; y++) {
      const i = c.tensors[x]!;
      const j = c.tensors[y]!;
      for (let u = Math.max(c.lo.get(i)!, c.lo.get(j)!); u <= Math.min(c.hi.get(i)!, c.hi.get(j)!); u++) {
        const o = m.addBinary(`OS_${i}_${j}_${u}`);
        c.stepPairs.push([i, j, u, o]);
        const ai = c.AS.get(i)![u]!;
        const aj = c.AS.get(j)![u]!;
        const ri = c.cols.get(i)!.r[u]!;
        const rj = c.cols.get(j)!.r[u]!;
        // AS_i + b_i <= AS_j + C (1 - O) + C (2 - R_i - R_j);  AS_j + b_j <= AS_i + C O + C (2 - R_i - R_j)
        m.addRow([[ai, 1], [aj, -1], [o, C], [ri, C], [rj, C]], -Infinity, 3 * C - bytesOf(c, i) / c.unitBytes);
        m.addRow([[aj, 1], [ai, -1], [o, -C], [ri, C], [rj, C]], -Infinity, 2 * C - bytesOf(c, j) / c.unitBytes);
      }
    }
}

export function buildIlp(p: IlpProblem): BuiltIlp {
  const n = p.ops.length;
  const { asap, alap, preds, producerOf } = operatorWindows(p);
  const { usersOf, involved, tensors, lo, hi } = tensorWindows(p, asap, alap, producerOf);
  const homes = homeTiers(p.g, p.chain);
  const unitBytes = Math.max(1, Math.min(...tensors.map((t) => p.g.tensors[t]!.bytes).filter((b) => b > 0), Infinity) || 1);
  const minCost = Math.min(...p.chain.tiers.slice(1).map((t) => t.costPerByte).filter((x) => x > 0), Infinity);
  const c: IlpContext = {
    p, g: p.g, m: new MipModel(), n, K: p.chain.tiers.length, free: p.order === 'free',
    asap, alap, preds, producerOf, usersOf, tensors, involved, lo, hi,
    homes, reserved: reservedHomeBytes(p.g, p.chain, homes), unitBytes, costScale: Number.isFinite(minCost) ? minCost : 1,
    binds: [], constCopyBytes: [], X: [], cols: new Map(), A: new Map(), pairs: [], AS: new Map(), stepPairs: [],
  };
  outerTierBinding(c);
  addOrderVariables(c);
  for (const t of tensors) {
    const tc = addTensorVariables(c, t);
    c.cols.set(t, tc);
    addResidencyRows(c, t, tc);
    addCopyRows(c, t, tc);
    addEndRows(c, t, tc);
  }
  addSramCapacity(c);
  addOuterCapacity(c);
  if (p.jointAddresses && p.mode === 'traffic') addJointAddresses(c);
  if (p.stepAddresses && p.mode === 'traffic') addStepAddresses(c);
  return {
    model: c.m,
    unitBytes,
    toCost: (v) => v * unitBytes * c.costScale,
    extract: (x) => extractSolution(c, x),
    encode: (steps) => encodeSchedule(c, steps),
  };
}

const on = (x: Float64Array, col: number) => col >= 0 && x[col]! > 0.5;

/** The schedule (events per step) and the tier state the window leaves. */
function extractSteps(c: IlpContext, x: Float64Array): Pick<Extracted, 'steps' | 'final' | 'peakBytes' | 'freedBefore' | 'spilledBefore'> {
  const { p, n, K } = c;
  const order: number[] = new Array(n);
  if (c.free) p.ops.forEach((o, s) => c.X[s]!.forEach((col, u) => on(x, col) && (order[u] = o)));
  else p.ops.forEach((o, s) => (order[s] = o));
  const steps: ScheduleStep[] = order.map((op) => ({ op, loads: [], spills: [], frees: [], drops: [] }));
  const final: TierState = { inSram: new Set(), copies: p.initial.copies.map((s) => new Set(s)), loadedOnce: new Set(p.initial.loadedOnce) };
  const freedBefore = [...p.initial.inSram].filter((t) => !on(x, c.cols.get(t)!.r[c.lo.get(t)!]!)).sort((a, b) => a - b);
  const spilledBefore: Transfer[] = [];
  for (const t of [...p.initial.inSram].sort((a, b) => a - b))
    c.cols.get(t)!.w0.forEach((col, k) => {
      if (on(x, col)) {
        spilledBefore.push({ tensor: t, tier: k });
        final.copies[k]!.add(t);
      }
    });
  const perStep = new Float64Array(n);
  for (const t of c.tensors) {
    const { a, b, r, f, l, w } = c.cols.get(t)!;
    for (let s = a; s <= b; s++) {
      if (on(x, r[s]!)) perStep[s]! += bytesOf(c, t);
      if (on(x, f[s]!)) {
        steps[s]!.loads.push({ tensor: t, tier: c.homes[t]! });
        final.loadedOnce.add(t);
      }
      for (let k = 1; k < K; k++) {
        if (on(x, l[k]![s]!)) {
          steps[s]!.loads.push({ tensor: t, tier: k });
          if (isInputLike(c, t)) final.loadedOnce.add(t);
        }
        if (on(x, w[k]![s]!)) {
          steps[s]!.spills.push({ tensor: t, tier: k });
          final.copies[k]!.add(t);
        }
      }
      const inNow = on(x, r[s]!);
      const inNext = s < b ? on(x, r[s + 1]!) : p.liveAfter.has(t);
      if (inNow && !inNext) steps[s]!.frees.push(t);
      if (s === b && inNow && inNext) final.inSram.add(t);
    }
  }
  pruneFinalCopies(c, x, final, steps);
  for (const st of steps) {
    st.loads.sort(byTensor);
    st.spills.sort(byTensor);
    st.frees.sort((a, b) => a - b);
  }
  return { steps, final, peakBytes: Math.max(0, ...perStep), freedBefore, spilledBefore };
}

/**
 * The copies the next window starts with: homes, copies of tensors used later, and copies still there during
 * the last step (loaded or spilled then, or held per H), which the checker counts at that step.
 */
function pruneFinalCopies(c: IlpContext, x: Float64Array, final: TierState, steps: ScheduleStep[]): void {
  const last = steps[c.n - 1];
  for (let k = 1; k < c.K; k++)
    for (const t of [...final.copies[k]!]) {
      if (isHomeOf(c, t, k) || c.p.liveAfter.has(t)) continue;
      if (last && (last.loads.some((e) => e.tensor === t && e.tier === k) || last.spills.some((e) => e.tensor === t && e.tier === k))) continue;
      const tc = c.cols.get(t);
      if (tc && tc.h[k]![c.n - 1]! >= 0 && on(x, tc.h[k]![c.n - 1]!)) continue;
      final.copies[k]!.delete(t);
    }
}

/** Integral base addresses from the joint model's orientation (longest path over "below"). */
function tensorOffsets(c: IlpContext, x: Float64Array): Map<number, number> {
  const below = new Map<number, number[]>();
  for (const [i, j, z, o] of c.pairs) {
    if (!on(x, z)) continue;
    const [lower, upper] = on(x, o) ? [i, j] : [j, i];
    below.set(upper, [...(below.get(upper) ?? []), lower]);
  }
  const offsets = new Map<number, number>();
  const visit = (t: number): number => {
    const known = offsets.get(t);
    if (known !== undefined) return known;
    offsets.set(t, 0);
    let at = 0;
    for (const l of below.get(t) ?? []) at = Math.max(at, visit(l) + bytesOf(c, l));
    offsets.set(t, at);
    return at;
  };
  for (const t of c.A.keys()) visit(t);
  return offsets;
}

/**
 * Per-step addresses: integral offsets by longest path over (tensor, step) "below" relations; a kept tensor's
 * relations carry over, so the offset of its stay is the max over the stay's steps.
 */
function stayOffsets(c: IlpContext, x: Float64Array, steps: ScheduleStep[]): (t: number, s: number) => number | undefined {
  const R = (t: number) => c.cols.get(t)!.r;
  const stepBelow = new Map<string, [number, number][]>();
  for (const [i, j, u, o] of c.stepPairs) {
    if (!on(x, R(i)[u]!) || !on(x, R(j)[u]!)) continue;
    const [lower, upper] = on(x, o) ? [i, j] : [j, i];
    const key = `${upper}@${u}`;
    stepBelow.set(key, [...(stepBelow.get(key) ?? []), [lower, u]]);
  }
  const loadedAt = (t: number, v: number) => steps[v]!.loads.some((l) => l.tensor === t);
  const stayStartOf = (t: number, u: number) => {
    let v = u;
    while (v > c.lo.get(t)! && on(x, R(t)[v - 1]!) && !loadedAt(t, v)) v--;
    return v;
  };
  const stayEndOf = (t: number, u: number) => {
    let v = u;
    while (v < c.hi.get(t)! && on(x, R(t)[v + 1]!) && !loadedAt(t, v + 1)) v++;
    return v;
  };
  const stayOff = new Map<string, number>();
  const visitStay = (t: number, start: number): number => {
    const key = `${t}@${start}`;
    const known = stayOff.get(key);
    if (known !== undefined) return known;
    stayOff.set(key, 0);
    let at = 0;
    for (let u = start; u <= stayEndOf(t, start); u++) for (const [l, lu] of stepBelow.get(`${t}@${u}`) ?? []) at = Math.max(at, visitStay(l, stayStartOf(l, lu)) + bytesOf(c, l));
    stayOff.set(key, at);
    return at;
  };
  return (t, u) => (c.AS.has(t) && R(t)[u]! >= 0 && on(x, R(t)[u]!) ? visitStay(t, stayStartOf(t, u)) : undefined);
}

function extractSolution(c: IlpContext, x: Float64Array): Extracted {
  const e = extractSteps(c, x);
  return { ...e, offsets: tensorOffsets(c, x), stayOffset: stayOffsets(c, x, e.steps) };
}

/**
 * A baseline moves a fragmented tensor by a free (and a spill) at step u and a reload at u + 1. Residency
 * needs no move: keep the tensor, and put the spill, if any, where the tensor next leaves SRAM.
 */
function withoutMoves(steps0: ScheduleStep[]): ScheduleStep[] {
  const steps = steps0.map((st) => ({ ...st, loads: [...st.loads], spills: [...st.spills], frees: [...st.frees], drops: [...st.drops] }));
  const deferred = new Map<number, Transfer[]>();
  steps.forEach((st, u) => {
    for (const t of [...st.frees]) {
      const next = steps[u + 1];
      const reload = next?.loads.find((l) => l.tensor === t);
      if (!next || !reload) {
        const d = deferred.get(t);
        if (d) st.spills.push(...d.filter((x) => !st.spills.some((y) => y.tensor === x.tensor && y.tier === x.tier)));
        deferred.delete(t);
        continue;
      }
      st.frees = st.frees.filter((x) => x !== t);
      next.loads = next.loads.filter((l) => l !== reload);
      const moved = st.spills.filter((x) => x.tensor === t);
      st.spills = st.spills.filter((x) => x.tensor !== t);
      if (moved.length) deferred.set(t, [...(deferred.get(t) ?? []), ...moved]);
    }
  });
  return steps;
}

/**
 * A baseline evicts a tensor (spill and free) at whatever step needs the room. Where the model has spills only
 * right after a touch (tiers that cannot bind), the same spill and free move back to the tensor's last touch:
 * it leaves SRAM sooner, which never costs room.
 */
function withEarlySpills(c: IlpContext, steps: ScheduleStep[]): void {
  const touches = (t: number, v: number) => steps[v]!.loads.some((l) => l.tensor === t) || c.g.ops[steps[v]!.op]!.inputs.includes(t) || c.g.ops[steps[v]!.op]!.outputs.includes(t);
  steps.forEach((st, u) => {
    for (const e of [...st.spills]) {
      const w = c.cols.get(e.tensor)?.w[e.tier];
      if (!w || w[u]! >= 0 || !st.frees.includes(e.tensor)) continue;
      let v = u;
      while (v > 0 && !touches(e.tensor, v)) v--;
      if (v === u || w[v]! < 0) continue;
      st.spills = st.spills.filter((x) => x !== e);
      st.frees = st.frees.filter((x) => x !== e.tensor);
      steps[v]!.spills.push(e);
      steps[v]!.frees.push(e.tensor);
    }
  });
}

/** A complete schedule of the whole graph as a column vector of this model (warm start), or null. */
function encodeSchedule(c: IlpContext, steps0: ScheduleStep[]): Float64Array | null {
  const { p, n } = c;
  if (p.mode !== 'traffic' || p.jointAddresses || p.stepAddresses || p.initial.inSram.size > 0 || steps0.length !== n) return null;
  const steps = withoutMoves(steps0);
  withEarlySpills(c, steps);
  const x = new Float64Array(c.m.numCols);
  const set = (col: number | undefined) => {
    if (col === undefined || col < 0) return false;
    x[col] = 1;
    return true;
  };
  const pos = new Map(p.ops.map((o, s) => [o, s]));
  for (let u = 0; u < n; u++) {
    const s = pos.get(steps[u]!.op);
    if (s === undefined || (c.free ? !set(c.X[s]![u]) : s !== u)) return null;
  }
  const resident = new Set<number>();
  const loadedOnce = new Set<number>(p.initial.loadedOnce);
  const homeWritePending = new Set<number>(); // outputs written home while they stay resident: the write moves to their free
  for (let u = 0; u < n; u++) {
    const st = steps[u]!;
    for (const { tensor: t, tier: k } of st.loads) {
      const tc = c.cols.get(t);
      if (!tc) return null;
      const first = isInputLike(c, t) && k === c.homes[t] && !loadedOnce.has(t);
      loadedOnce.add(t);
      if (!(first ? set(tc.f[u]) : set(tc.l[k]![u]))) return null;
      resident.add(t);
    }
    for (const t of c.g.ops[st.op]!.outputs) resident.add(t);
    for (const t of resident) if (!set(c.cols.get(t)?.r[u])) return null;
    for (const { tensor: t, tier: k } of st.spills) {
      const tc = c.cols.get(t)!;
      if (c.g.tensors[t]!.kind === 'output' && k === c.homes[t] && !st.frees.includes(t)) homeWritePending.add(t);
      else if (!set(tc.w[k]![u])) return null;
      // a copy in a tier that can bind is held (H) from its spill through its last load (as addDrops drops it)
      if (tc.h[k]![u]! >= 0) {
        let end = u;
        for (let v = u + 1; v < n && !steps[v]!.spills.some((e) => e.tensor === t && e.tier === k); v++) if (steps[v]!.loads.some((e) => e.tensor === t && e.tier === k)) end = v;
        for (let v = u; v <= end; v++) if (!set(tc.h[k]![v])) return null;
      }
    }
    for (const t of st.frees) {
      resident.delete(t);
      if (homeWritePending.delete(t) && !set(c.cols.get(t)!.w[c.homes[t]!]![u])) return null;
    }
  }
  return homeWritePending.size === 0 ? x : null;
}

const byTensor = (a: Transfer, b: Transfer) => a.tensor - b.tensor || a.tier - b.tier;
