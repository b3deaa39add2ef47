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
  extract(x: Float64Array): { steps: ScheduleStep[]; final: TierState; peakBytes: number; freedBefore: number[] };
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
      if (outerCapacityBinds[k]) {
        for (let s = a; s <= b; s++) {
          // H[s] <= H[s-1] + W[s]
          const tt: [number, number][] = [[h[k]![s]!, 1]];
          if (s > a) tt.push([h[k]![s - 1]!, -1]);
          if (w[k]![s]! >= 0) tt.push([w[k]![s]!, -1]);
          m.addRow(tt, -Infinity, 0);
          // (B) a load from k needs a copy there after the previous step
          if (l[k]![s]! >= 0) {
            if (s > a) m.addRow([[l[k]![s]!, 1], [h[k]![s - 1]!, -1]], -Infinity, 0);
            else m.addRow([[l[k]![s]!, 1]], -Infinity, 0);
          }
        }
      } else {
        if (ws.length > 0) m.addRow(ws, -Infinity, 1);
        // (B) a load from k needs an earlier spill to k
        for (let s = a; s <= b; s++) {
          if (l[k]![s]! < 0) continue;
          const tt: [number, number][] = [[l[k]![s]!, 1]];
          for (let u = a; u < s; u++) if (w[k]![u]! >= 0) tt.push([w[k]![u]!, -1]);
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
      m.addRow(ws, 1, Infinity);
    }
    // a tensor needed later must survive the window somewhere
    if (p.liveAfter.has(t)) {
      const tt: [number, number][] = [[r[b]!, 1]];
      let have = 0;
      for (let k = 1; k < K; k++) {
        if (hasCopy0(t, k)) have = 1;
        else if (outerCapacityBinds[k]) tt.push([h[k]![b]!, 1]);
        else for (let s = a; s <= b; s++) if (w[k]![s]! >= 0) tt.push([w[k]![s]!, 1]);
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
    else m.addRow(terms, -Infinity, p.sramBytes / unitBytes);
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

  const extract = (x: Float64Array) => {
    const on = (c: number) => c >= 0 && x[c]! > 0.5;
    const order: number[] = new Array(n);
    if (free) ops.forEach((o, s) => X[s]!.forEach((c, u) => on(c) && (order[u] = o)));
    else ops.forEach((o, s) => (order[s] = o));
    const steps: ScheduleStep[] = order.map((op) => ({ op, loads: [], spills: [], frees: [], drops: [] }));
    const final: TierState = { inSram: new Set(), copies: p.initial.copies.map((c) => new Set(c)), loadedOnce: new Set(p.initial.loadedOnce) };
    let peakBytes = 0;
    const freedBefore = [...p.initial.inSram].filter((t) => !on(R.get(t)![lo.get(t)!]!)).sort((a, b) => a - b);
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
    return { steps, final, peakBytes, freedBefore };
  };
  return { model: m, unitBytes, extract };
}

const byTensor = (a: Transfer, b: Transfer) => a.tensor - b.tensor || a.tier - b.tier;
