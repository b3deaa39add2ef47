// The COSMA-style ILP, generalised to a chain of tiers. Time steps are operators (one per step). For each
// tensor t and step s inside the steps where t can be alive:
//   R[t,s]    t is in SRAM during step s
//   L[t,k,s]  t is (re)loaded from outer tier k at the start of step s      (non-compulsory, cost_k * bytes)
//   F[t,s]    the first load of an input/parameter from its home tier       (compulsory, free)
//   W[t,k,s]  t is spilled (copied) to tier k at the end of step s          (cost_k * bytes; an output's write home is free)
//   H[t,k,s]  tier k holds a copy after step s (only where tier k's capacity can bind)
//   X[o,s]    operator o runs at step s (free order only; fixed order makes these constants)
// "Create" is X of the producer, "keep" is R[t,s-1] = R[t,s] = 1, "spill" is W, "reload" is L.
// SRAM addresses are not in this model: they are assigned afterwards to the SRAM stays the solution chose
// (addresses.ts), with big-M pairwise order binaries for stays that overlap in time. Every solution of the
// full model is a solution of this one, so its optimum is a lower bound; when the addresses fit (checked), it
// is the optimum of the full model. When they do not, schedule.ts retries with a smaller SRAM and reports the gap.
import { MipModel } from './mip';
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

export interface BuiltIlp {
  model: MipModel;
  /** Bytes per objective unit (objective values are scaled to keep coefficients moderate). */
  unitBytes: number;
  /** `freedBefore`: tensors in SRAM at the window's start that the solution lets go before its first step. */
  /** `offsets`: with jointAddresses, each tensor's SRAM base address (empty otherwise). `stayOffset`: with stepAddresses, the address of tensor t's stay that contains step s. */
  extract(x: Float64Array): { steps: ScheduleStep[]; final: TierState; peakBytes: number; freedBefore: number[]; spilledBefore: Transfer[]; offsets: Map<number, number>; stayOffset: (t: number, s: number) => number | undefined };
}

export function initialState(g: OpGraph, chain: TierChain): TierState {
  const copies = chain.tiers.map(() => new Set<number>());
  g.tensors.forEach((t, i) => {
    if (t.kind === 'input' || t.kind === 'param') copies[chain.homeTier]!.add(i);
  });
  return { inSram: new Set(), copies, loadedOnce: new Set() };
}

export function buildIlp(p: IlpProblem): BuiltIlp {
  const { g, chain, ops, mode } = p;
  const n = ops.length;
  const K = chain.tiers.length;
  const home = chain.homeTier;
  const free = p.order === 'free';
  const m = new MipModel();

  // ---- ASAP/ALAP of each operator within the window (free order); fixed order: its position
  const asap = new Int32Array(n);
  const alap = new Int32Array(n);
  const producerOf = new Map<number, number>();
  ops.forEach((o, s) => g.ops[o]!.outputs.forEach((t) => producerOf.set(t, s)));
  const preds: number[][] = ops.map(() => []);
  ops.forEach((o, s) => {
    for (const t of g.ops[o]!.inputs) {
      const q = producerOf.get(t);
      if (q !== undefined && q !== s && !preds[s]!.includes(q)) preds[s]!.push(q);
    }
  });
  if (free) {
    for (let s = 0; s < n; s++) for (const q of preds[s]!) asap[s] = Math.max(asap[s]!, asap[q]! + 1);
    alap.fill(n - 1);
    for (let s = n - 1; s >= 0; s--) for (const q of preds[s]!) alap[q] = Math.min(alap[q]!, alap[s]! - 1);
  } else
    for (let s = 0; s < n; s++) {
      asap[s] = s;
      alap[s] = s;
    }

  // ---- tensors involved and their windows [lo, hi]
  const usersOf = new Map<number, number[]>();
  ops.forEach((o, s) => {
    for (const t of g.ops[o]!.inputs) {
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
    const live = p.liveAfter.has(t);
    let a: number;
    if (p.initial.inSram.has(t)) a = 0;
    else if (prod !== undefined) a = asap[prod]!;
    else a = Math.min(...users.map((s) => asap[s]!));
    let b = live ? n - 1 : Math.max(-1, ...users.map((s) => alap[s]!), prod !== undefined ? alap[prod]! : -1);
    if (b < a) b = a; // a tensor in SRAM that nothing here reads and nothing later needs: freed at once
    lo.set(t, a);
    hi.set(t, b);
  }

  // ---- objective scaling
  const bytes = (t: number) => g.tensors[t]!.bytes;
  const opBytes = (o: number) => [...new Set([...g.ops[o]!.inputs, ...g.ops[o]!.outputs])].reduce((acc, t) => acc + bytes(t), 0);
  const unitBytes = Math.max(1, Math.min(...tensors.map(bytes).filter((b) => b > 0), Infinity) || 1);
  const minCost = Math.min(...chain.tiers.slice(1).map((t) => t.costPerByte).filter((c) => c > 0), Infinity);
  const costScale = Number.isFinite(minCost) ? minCost : 1;
  const cost = (k: number, t: number) => (mode === 'mpmf' ? 0 : (chain.tiers[k]!.costPerByte / costScale) * (bytes(t) / unitBytes));

  // ---- operator placement variables
  const X: Int32Array[] = ops.map(() => new Int32Array(n).fill(-1));
  if (free) {
    ops.forEach((o, s) => {
      for (let u = asap[s]!; u <= alap[s]!; u++) X[s]![u] = m.addBinary(`X_${o}_${u}`);
    });
    for (let s = 0; s < n; s++) {
      const terms: [number, number][] = [];
      for (let u = asap[s]!; u <= alap[s]!; u++) terms.push([X[s]![u]!, 1]);
      m.addRow(terms, 1, 1);
    }
    for (let u = 0; u < n; u++) {
      const terms: [number, number][] = [];
      for (let s = 0; s < n; s++) if (X[s]![u]! >= 0) terms.push([X[s]![u]!, 1]);
      m.addRow(terms, 1, 1);
    }
    // precedence, cumulative form (tight LP): q done by step u => its predecessor done before u
    for (let s = 0; s < n; s++)
      for (const q of preds[s]!)
        for (let u = asap[s]!; u <= alap[s]!; u++) {
          const terms: [number, number][] = [];
          for (let w = asap[s]!; w <= u; w++) terms.push([X[s]![w]!, 1]);
          for (let w = asap[q]!; w < u && w <= alap[q]!; w++) terms.push([X[q]![w]!, -1]);
          m.addRow(terms, -Infinity, 0);
        }
  }
  /** X[op s at step u] as terms (constant 1 in fixed order is returned as null = "always") */
  const runsAt = (s: number, u: number): { col: number } | 'yes' | 'no' => {
    if (!free) return s === u ? 'yes' : 'no';
    const c = X[s]![u]!;
    return c >= 0 ? { col: c } : 'no';
  };

  // ---- capacity of outer tiers: only model copies (H) where the tier can fill up
  const outerCapacityBinds: boolean[] = chain.tiers.map((tier, k) => {
    if (k === 0 || !Number.isFinite(tier.capacityBytes)) return false;
    let total = 0;
    for (const t of p.initial.copies[k] ?? []) total += bytes(t);
    for (const t of tensors) if (!(p.initial.copies[k]?.has(t) ?? false)) total += bytes(t);
    return total > tier.capacityBytes;
  });
  const constCopyBytes = chain.tiers.map((_, k) => {
    let b = 0;
    for (const t of p.initial.copies[k] ?? []) if (!involved.has(t)) b += bytes(t);
    return b;
  });

  const R = new Map<number, Int32Array>();
  const F = new Map<number, Int32Array>();
  const L = new Map<number, Int32Array[]>();
  const W = new Map<number, Int32Array[]>();
  const H = new Map<number, Int32Array[]>();
  /** W0[t][k]: a tensor in SRAM when the window starts is spilled to tier k just before it (end of the previous window). */
  const W0 = new Map<number, Int32Array>();
  const hasCopy0 = (t: number, k: number) => p.initial.copies[k]?.has(t) ?? false;
  const isInputLike = (t: number) => g.tensors[t]!.kind === 'input' || g.tensors[t]!.kind === 'param';

  for (const t of tensors) {
    const a = lo.get(t)!;
    const b = hi.get(t)!;
    const r = new Int32Array(n).fill(-1);
    const f = new Int32Array(n).fill(-1);
    const l = chain.tiers.map(() => new Int32Array(n).fill(-1));
    const w = chain.tiers.map(() => new Int32Array(n).fill(-1));
    const h = chain.tiers.map(() => new Int32Array(n).fill(-1));
    const prod = producerOf.get(t);
    const users = usersOf.get(t) ?? [];
    // steps at which t is read or written in fixed order (loads are only useful there)
    const useSteps = new Set<number>(users);
    for (let s = a; s <= b; s++) {
      const mustBeIn = !free && (useSteps.has(s) || prod === s);
      r[s] = m.addCol(`R_${t}_${s}`, mustBeIn ? 1 : 0, 1, 0, true);
    }
    const canFirstLoad = isInputLike(t) && !p.initial.loadedOnce.has(t) && !p.initial.inSram.has(t) && hasCopy0(t, home);
    const loadSteps: number[] = [];
    for (let s = a; s <= b; s++) if (free ? users.some((u) => asap[u]! <= s && s <= alap[u]!) : useSteps.has(s)) loadSteps.push(s);
    for (const s of loadSteps) {
      if (canFirstLoad) f[s] = m.addBinary(`F_${t}_${s}`);
      if (mode === 'traffic') for (let k = 1; k < K; k++) l[k]![s] = m.addBinary(`L_${t}_${k}_${s}`, cost(k, t));
    }
    const isOutput = g.tensors[t]!.kind === 'output';
    for (let s = a; s <= b; s++)
      for (let k = 1; k < K; k++) {
        if (hasCopy0(t, k)) continue;
        const freeWrite = isOutput && k === home;
        if (mode === 'mpmf' && !freeWrite) continue;
        w[k]![s] = m.addBinary(`W_${t}_${k}_${s}`, freeWrite ? 0 : cost(k, t));
      }
    for (let k = 1; k < K; k++) if (outerCapacityBinds[k]) for (let s = a; s <= b; s++) h[k]![s] = m.addBinary(`H_${t}_${k}_${s}`);
    const w0 = new Int32Array(K).fill(-1);
    if (p.initial.inSram.has(t) && mode === 'traffic')
      for (let k = 1; k < K; k++) if (!hasCopy0(t, k)) w0[k] = m.addBinary(`W0_${t}_${k}`, isOutput && k === home ? 0 : cost(k, t));
    W0.set(t, w0);
    R.set(t, r);
    F.set(t, f);
    L.set(t, l);
    W.set(t, w);
    H.set(t, h);

    const init = p.initial.inSram.has(t) ? 1 : 0;
    for (let s = a; s <= b; s++) {
      // (A) resident only if it was, or was created, or was loaded
      const terms: [number, number][] = [[r[s]!, 1]];
      let rhs = 0;
      if (s > a) terms.push([r[s - 1]!, -1]);
      else rhs += init;
      if (prod !== undefined) {
        const x = runsAt(prod, s);
        if (x === 'yes') rhs += 1;
        else if (x !== 'no') terms.push([x.col, -1]);
      }
      const loadTerms: [number, number][] = [];
      if (f[s]! >= 0) loadTerms.push([f[s]!, 1]);
      for (let k = 1; k < K; k++) if (l[k]![s]! >= 0) loadTerms.push([l[k]![s]!, 1]);
      for (const [c] of loadTerms) terms.push([c, -1]);
      m.addRow(terms, -Infinity, rhs);
      // (E) no load into SRAM of a tensor already there
      if (loadTerms.length > 0) {
        if (s > a) m.addRow([...loadTerms, [r[s - 1]!, 1]], -Infinity, 1);
        else if (init) for (const [c] of loadTerms) m.addRow([[c, 1]], -Infinity, 0);
      }
      // free order: a load only when a reader runs now; nothing before its creation
      if (free && loadTerms.length > 0) {
        const tt: [number, number][] = [...loadTerms];
        for (const u of users) {
          const x = runsAt(u, s);
          if (x !== 'no' && x !== 'yes') tt.push([x.col, -1]);
        }
        m.addRow(tt, -Infinity, 0);
      }
      if (free && prod !== undefined && !init) {
        const tt: [number, number][] = [[r[s]!, 1]];
        for (let u = 0; u <= s; u++) {
          const x = runsAt(prod, u);
          if (x !== 'no' && x !== 'yes') tt.push([x.col, -1]);
        }
        m.addRow(tt, -Infinity, 0);
      }
      // (D) free order: in SRAM whenever a reader or the producer runs
      if (free)
        for (const u of prod !== undefined ? [...users, prod] : users) {
          const x = runsAt(u, s);
          if (x !== 'no' && x !== 'yes') m.addRow([[r[s]!, 1], [x.col, -1]], 0, Infinity);
        }
      // (C) spills happen when the tensor leaves SRAM (spilling earlier only holds outer capacity longer)
      const wTerms: [number, number][] = [];
      for (let k = 1; k < K; k++) if (w[k]![s]! >= 0) wTerms.push([w[k]![s]!, 1]);
      if (wTerms.length > 0) {
        m.addRow([...wTerms, [r[s]!, -1]], -Infinity, 0);
        if (s < b) m.addRow([...wTerms, [r[s + 1]!, 1]], -Infinity, 1);
      }
    }
    for (let k = 1; k < K; k++) {
      if (hasCopy0(t, k)) continue;
      const ws: [number, number][] = [];
      for (let s = a; s <= b; s++) if (w[k]![s]! >= 0) ws.push([w[k]![s]!, 1]);
      if (w0[k]! >= 0) ws.push([w0[k]!, 1]);
      if (outerCapacityBinds[k]) {
        for (let s = a; s <= b; s++) {
          // H[s] <= H[s-1] + W[s]
          const tt: [number, number][] = [[h[k]![s]!, 1]];
          if (s > a) tt.push([h[k]![s - 1]!, -1]);
          else if (w0[k]! >= 0) tt.push([w0[k]!, -1]);
          if (w[k]![s]! >= 0) tt.push([w[k]![s]!, -1]);
          m.addRow(tt, -Infinity, 0);
          // (B) a load from k needs a copy there after the previous step
          if (l[k]![s]! >= 0) {
            if (s > a) m.addRow([[l[k]![s]!, 1], [h[k]![s - 1]!, -1]], -Infinity, 0);
            else m.addRow(w0[k]! >= 0 ? [[l[k]![s]!, 1], [w0[k]!, -1]] : [[l[k]![s]!, 1]], -Infinity, 0);
          }
        }
      } else {
        if (ws.length > 0) m.addRow(ws, -Infinity, 1);
        // (B) a load from k needs an earlier spill to k
        for (let s = a; s <= b; s++) {
          if (l[k]![s]! < 0) continue;
          const tt: [number, number][] = [[l[k]![s]!, 1]];
          for (let u = a; u < s; u++) if (w[k]![u]! >= 0) tt.push([w[k]![u]!, -1]);
          if (w0[k]! >= 0) tt.push([w0[k]!, -1]);
          m.addRow(tt, -Infinity, 0);
        }
      }
    }
    const fs: [number, number][] = [];
    for (let s = a; s <= b; s++) if (f[s]! >= 0) fs.push([f[s]!, 1]);
    if (fs.length > 1) m.addRow(fs, -Infinity, 1);
    // an output that leaves for good must reach its home tier
    if (isOutput && !p.liveAfter.has(t) && !hasCopy0(t, home)) {
      const ws: [number, number][] = [];
      for (let s = a; s <= b; s++) if (w[home]![s]! >= 0) ws.push([w[home]![s]!, 1]);
      if (w0[home]! >= 0) ws.push([w0[home]!, 1]);
      m.addRow(ws, 1, Infinity);
    }
    // a tensor needed later must survive the window somewhere
    if (p.liveAfter.has(t)) {
      const tt: [number, number][] = [[r[b]!, 1]];
      let have = 0;
      for (let k = 1; k < K; k++) {
        if (hasCopy0(t, k)) have = 1;
        else if (outerCapacityBinds[k]) tt.push([h[k]![b]!, 1]);
        else {
          for (let s = a; s <= b; s++) if (w[k]![s]! >= 0) tt.push([w[k]![s]!, 1]);
          if (w0[k]! >= 0) tt.push([w0[k]!, 1]);
        }
      }
      if (!have) m.addRow(tt, 1, Infinity);
    }
  }

  // ---- capacity: SRAM at every step (a budget, or the peak to minimise), outer tiers where they can bind
  let peakCol = -1;
  if (mode === 'mpmf') peakCol = m.addCol('peak', 0, Infinity, 1, false);
  for (let s = 0; s < n; s++) {
    const terms: [number, number][] = [];
    for (const t of tensors) {
      const c = R.get(t)![s]!;
      if (c >= 0) terms.push([c, bytes(t) / unitBytes]);
    }
    if (mode === 'mpmf') m.addRow([...terms, [peakCol, -1]], -Infinity, 0);
    else {
      let cap = p.sramBytes;
      if (p.budgetBytes !== undefined && p.budgetBytes > cap) {
        let need = 0;
        ops.forEach((o, q) => {
          if (asap[q]! <= s && s <= alap[q]!) need = Math.max(need, opBytes(o));
        });
        cap = Math.min(p.budgetBytes, Math.max(cap, need));
      }
      m.addRow(terms, -Infinity, cap / unitBytes);
    }
  }

  // ---- joint SRAM addresses (COSMA): A_t in [0, C - bytes]; pairs that can be resident together get an order
  // binary O (1: i below j) and Z (both resident at some common step); non-overlap binds only when Z = 1
  const A = new Map<number, number>();
  const pairs: [number, number, number, number][] = []; // i, j, Z, O
  if (p.jointAddresses && mode === 'traffic') {
    const C = (p.budgetBytes ?? p.sramBytes) / unitBytes;
    for (const t of tensors) A.set(t, m.addCol(`A_${t}`, 0, Math.max(0, C - bytes(t) / unitBytes), 0, false));
    for (let x = 0; x < tensors.length; x++)
      for (let y = x + 1; y < tensors.length; y++) {
        const i = tensors[x]!;
        const j = tensors[y]!;
        const from = Math.max(lo.get(i)!, lo.get(j)!);
        const to = Math.min(hi.get(i)!, hi.get(j)!);
        if (from > to) continue;
        const z = m.addBinary(`Z_${i}_${j}`);
        const o = m.addBinary(`O_${i}_${j}`);
        pairs.push([i, j, z, o]);
        for (let u = from; u <= to; u++) m.addRow([[z, 1], [R.get(i)![u]!, -1], [R.get(j)![u]!, -1]], -1, Infinity);
        // A_i + b_i <= A_j + C (1 - O) + C (1 - Z);  A_j + b_j <= A_i + C O + C (1 - Z)
        m.addRow([[A.get(i)!, 1], [A.get(j)!, -1], [o, C], [z, C]], -Infinity, 2 * C - bytes(i) / unitBytes);
        m.addRow([[A.get(j)!, 1], [A.get(i)!, -1], [o, -C], [z, C]], -Infinity, C - bytes(j) / unitBytes);
      }
  }
  for (let k = 1; k < K; k++) {
    if (!outerCapacityBinds[k]) continue;
    for (let s = 0; s < n; s++) {
      const terms: [number, number][] = [];
      let constant = constCopyBytes[k]!;
      for (const t of tensors) {
        if (hasCopy0(t, k)) constant += bytes(t);
        else if (H.get(t)![k]![s]! >= 0) terms.push([H.get(t)![k]![s]!, bytes(t) / unitBytes]);
      }
      m.addRow(terms, -Infinity, (chain.tiers[k]!.capacityBytes - constant) / unitBytes);
    }
  }

  // ---- per-step SRAM addresses: AS[t][s] in [0, C - bytes]; kept tensors keep their address; per step, an
  // order binary for each pair that can be co-resident, binding only when both are resident
  const AS = new Map<number, Int32Array>();
  const stepPairs: [number, number, number, number][] = []; // i, j, step, O (1: i below j)
  if (p.stepAddresses && mode === 'traffic') {
    const C = (p.budgetBytes ?? p.sramBytes) / unitBytes;
    for (const t of tensors) {
      const a = lo.get(t)!;
      const b = hi.get(t)!;
      const col = new Int32Array(n).fill(-1);
      for (let u = a; u <= b; u++) col[u] = m.addCol(`AS_${t}_${u}`, 0, Math.max(0, C - bytes(t) / unitBytes), 0, false);
      const r = R.get(t)!;
      for (let u = a + 1; u <= b; u++) {
        // |AS[u] - AS[u-1]| <= C (2 - R[u-1] - R[u])
        m.addRow([[col[u]!, 1], [col[u - 1]!, -1], [r[u - 1]!, C], [r[u]!, C]], -Infinity, 2 * C);
        m.addRow([[col[u - 1]!, 1], [col[u]!, -1], [r[u - 1]!, C], [r[u]!, C]], -Infinity, 2 * C);
      }
      AS.set(t, col);
    }
    for (let x = 0; x < tensors.length; x++)
      for (let y = x + 1; y < tensors.length; y++) {
        const i = tensors[x]!;
        const j = tensors[y]!;
        for (let u = Math.max(lo.get(i)!, lo.get(j)!); u <= Math.min(hi.get(i)!, hi.get(j)!); u++) {
          const o = m.addBinary(`OS_${i}_${j}_${u}`);
          stepPairs.push([i, j, u, o]);
          const ai = AS.get(i)![u]!;
          const aj = AS.get(j)![u]!;
          const ri = R.get(i)![u]!;
          const rj = R.get(j)![u]!;
          // AS_i + b_i <= AS_j + C (1 - O) + C (2 - R_i - R_j);  AS_j + b_j <= AS_i + C O + C (2 - R_i - R_j)
          m.addRow([[ai, 1], [aj, -1], [o, C], [ri, C], [rj, C]], -Infinity, 3 * C - bytes(i) / unitBytes);
          m.addRow([[aj, 1], [ai, -1], [o, -C], [ri, C], [rj, C]], -Infinity, 2 * C - bytes(j) / unitBytes);
        }
      }
  }

  const extract = (x: Float64Array) => {
    const on = (c: number) => c >= 0 && x[c]! > 0.5;
    const order: number[] = new Array(n);
    if (free) ops.forEach((o, s) => X[s]!.forEach((c, u) => on(c) && (order[u] = o)));
    else ops.forEach((o, s) => (order[s] = o));
    const steps: ScheduleStep[] = order.map((op) => ({ op, loads: [], spills: [], frees: [], drops: [] }));
    const final: TierState = { inSram: new Set(), copies: p.initial.copies.map((c) => new Set(c)), loadedOnce: new Set(p.initial.loadedOnce) };
    let peakBytes = 0;
    const freedBefore = [...p.initial.inSram].filter((t) => !on(R.get(t)![lo.get(t)!]!)).sort((a, b) => a - b);
    const spilledBefore: Transfer[] = [];
    for (const t of [...p.initial.inSram].sort((a, b) => a - b))
      W0.get(t)!.forEach((c, k) => {
        if (on(c)) {
          spilledBefore.push({ tensor: t, tier: k });
          final.copies[k]!.add(t);
        }
      });
    const perStep = new Float64Array(n);
    for (const t of tensors) {
      const a = lo.get(t)!;
      const b = hi.get(t)!;
      const r = R.get(t)!;
      for (let s = a; s <= b; s++) {
        if (on(r[s]!)) perStep[s]! += bytes(t);
        if (on(F.get(t)![s]!)) {
          steps[s]!.loads.push({ tensor: t, tier: home });
          final.loadedOnce.add(t);
        }
        for (let k = 1; k < K; k++) {
          if (on(L.get(t)![k]![s]!)) {
            steps[s]!.loads.push({ tensor: t, tier: k });
            if (isInputLike(t)) final.loadedOnce.add(t);
          }
          if (on(W.get(t)![k]![s]!)) {
            steps[s]!.spills.push({ tensor: t, tier: k });
            final.copies[k]!.add(t);
          }
        }
        const inNow = on(r[s]!);
        const inNext = s < b ? on(r[s + 1]!) : p.liveAfter.has(t);
        if (inNow && !inNext) steps[s]!.frees.push(t);
        if (s === b && inNow && inNext) final.inSram.add(t);
      }
    }
    for (const st of steps) {
      st.loads.sort(byTensor);
      st.spills.sort(byTensor);
      st.frees.sort((a, b) => a - b);
    }
    for (let s = 0; s < n; s++) peakBytes = Math.max(peakBytes, perStep[s]!);
    // integral addresses from the chosen orientation (longest path over "below"), never above the LP's
    const below = new Map<number, number[]>();
    for (const [i, j, z, o] of pairs) {
      if (!on(z)) continue;
      const [lower, upper] = on(o) ? [i, j] : [j, i];
      below.set(upper, [...(below.get(upper) ?? []), lower]);
    }
    const offsets = new Map<number, number>();
    const visit = (t: number): number => {
      const known = offsets.get(t);
      if (known !== undefined) return known;
      offsets.set(t, 0);
      let at = 0;
      for (const l of below.get(t) ?? []) at = Math.max(at, visit(l) + bytes(l));
      offsets.set(t, at);
      return at;
    };
    for (const t of A.keys()) visit(t);
    // per-step addresses: integral offsets by longest path over (tensor, step) "below" relations; a kept
    // tensor's relations carry over, so the offset of its stay is the max over the stay's steps
    const stepBelow = new Map<string, [number, number][]>();
    for (const [i, j, u, o] of stepPairs) {
      const ri = R.get(i)![u]!;
      const rj = R.get(j)![u]!;
      if (!on(ri) || !on(rj)) continue;
      const [lower, upper] = on(o) ? [i, j] : [j, i];
      const key = `${upper}@${u}`;
      stepBelow.set(key, [...(stepBelow.get(key) ?? []), [lower, u]]);
    }
    const stayStartOf = (t: number, u: number) => {
      const r = R.get(t)!;
      let v = u;
      while (v > lo.get(t)! && on(r[v - 1]!) && !steps[v]!.loads.some((l) => l.tensor === t)) v--;
      return v;
    };
    const stayEndOf = (t: number, u: number) => {
      const r = R.get(t)!;
      let v = u;
      while (v < hi.get(t)! && on(r[v + 1]!) && !steps[v + 1]!.loads.some((l) => l.tensor === t)) v++;
      return v;
    };
    const stayOff = new Map<string, number>();
    const visitStay = (t: number, start: number): number => {
      const key = `${t}@${start}`;
      const known = stayOff.get(key);
      if (known !== undefined) return known;
      stayOff.set(key, 0);
      let at = 0;
      for (let u = start; u <= stayEndOf(t, start); u++)
        for (const [l, lu] of stepBelow.get(`${t}@${u}`) ?? []) at = Math.max(at, visitStay(l, stayStartOf(l, lu)) + bytes(l));
      stayOff.set(key, at);
      return at;
    };
    const stayOffset = (t: number, u: number) => (AS.has(t) && R.get(t)![u]! >= 0 && on(R.get(t)![u]!) ? visitStay(t, stayStartOf(t, u)) : undefined);
    return { steps, final, peakBytes, freedBefore, spilledBefore, offsets, stayOffset };
  };
  return { model: m, unitBytes, extract };
}

const byTensor = (a: Transfer, b: Transfer) => a.tensor - b.tensor || a.tier - b.tier;
