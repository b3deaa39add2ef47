// The baselines COSMA compares against: a fixed operator order (the program's topological order), an arena
// allocator (first fit at the lowest free offset, as TFLite's), and a replacement policy that picks which
// resident tensor to evict when an operator's tensors do not fit: Belady (the one read furthest in the
// future) or LRU (the one touched longest ago). An evicted tensor that has no copy in an outer tier is
// spilled to the nearest outer tier with room; one that has a copy is simply freed. Outer tiers hold the homes
// of inputs, parameters and outputs (reserved from the start) and spilled copies, which are dropped once the
// tensor's last use has run.
import { InfeasibleBudgetError } from './errors';
import { hasHome, homeTiers, reservedHomeBytes } from './tiers';
import type { OpGraph, Placement, Schedule, ScheduleStep, TierChain } from './types';

export type ReplacementPolicy = 'belady' | 'lru';

export interface BaselineFailure {
  step: number;
  tensor: number;
  message: string;
}

export function baselineSchedule(g: OpGraph, chain: TierChain, policy: ReplacementPolicy, order: number[] = g.ops.map((_, i) => i)): { schedule: Schedule } | { failure: BaselineFailure } {
  const T = g.tensors.length;
  const K = chain.tiers.length;
  let homes: Int32Array;
  try {
    homes = homeTiers(g, chain);
  } catch (e) {
    if (!(e instanceof InfeasibleBudgetError)) throw e;
    return { failure: { step: 0, tensor: Math.max(0, g.tensors.findIndex((t) => t.name === e.tensor)), message: e.message } };
  }
  const cap = chain.tiers[0]!.capacityBytes;
  const bytes = (t: number) => g.tensors[t]!.bytes;
  const uses: number[][] = g.tensors.map(() => []);
  order.forEach((op, s) => g.ops[op]!.inputs.forEach((t) => uses[t]!.includes(s) || uses[t]!.push(s)));
  const nextUse = (t: number, s: number) => {
    for (const u of uses[t]!) if (u > s) return u;
    return Infinity;
  };
  const lastTouch = new Float64Array(T).fill(-1);
  const offset = new Float64Array(T).fill(-1); // >= 0 while in SRAM
  const stayStart = new Int32Array(T).fill(-1);
  const hasCopy: Uint8Array[] = Array.from({ length: K }, () => new Uint8Array(T));
  const tierUsed = Float64Array.from(reservedHomeBytes(g, chain, homes));
  g.tensors.forEach((t, i) => {
    if (t.kind === 'input' || t.kind === 'param') hasCopy[homes[i]!]![i] = 1;
  });
  /** bytes of copies dropped at the end of step s: free for spills placed at step s + 1 or later */
  const freedAt = new Float64Array(K * (order.length + 2));
  const steps: ScheduleStep[] = order.map((op) => ({ op, loads: [], spills: [], frees: [], drops: [] }));
  const placements: Placement[] = [];
  const resident = () => {
    const r: number[] = [];
    for (let t = 0; t < T; t++) if (offset[t]! >= 0) r.push(t);
    return r;
  };
  const firstFit = (t: number): number => {
    const busy = resident()
      .map((u) => [offset[u]!, offset[u]! + bytes(u)] as const)
      .sort((a, b) => a[0] - b[0]);
    let at = 0;
    for (const [lo, hi] of busy) {
      if (at + bytes(t) <= lo) break;
      at = Math.max(at, hi);
    }
    return at + bytes(t) <= cap ? at : -1;
  };
  const leave = (t: number, s: number) => {
    placements.push({ tensor: t, start: stayStart[t]!, end: s, offsetBytes: offset[t]! });
    steps[s]!.frees.push(t);
    offset[t] = -1;
  };
  const anyCopy = (t: number) => hasCopy.some((c) => c[t] === 1);
  /** evict t before step s: its events go at the end of step s - 1 */
  const evict = (t: number, s: number): BaselineFailure | null => {
    if (nextUse(t, s - 1) !== Infinity && !anyCopy(t)) {
      let k = 1;
      while (k < K && tierUsed[k]! + bytes(t) > chain.tiers[k]!.capacityBytes) k++;
      if (k === K) return { step: s, tensor: t, message: `no outer tier has room to spill ${g.tensors[t]!.name}` };
      steps[s - 1]!.spills.push({ tensor: t, tier: k });
      hasCopy[k]![t] = 1;
      tierUsed[k] += bytes(t);
    }
    leave(t, s - 1);
    return null;
  };

  for (let s = 0; s < order.length; s++) {
    // evictions while placing step s put their spills at step s - 1: copies dropped at step s - 2 are gone by then
    if (s >= 2) for (let k = 1; k < K; k++) tierUsed[k] -= freedAt[(s - 2) * K + k]!;
    const op = g.ops[order[s]!]!;
    const pinned = new Set([...op.inputs, ...op.outputs]);
    const toPlace = [...new Set([...op.inputs.filter((t) => offset[t]! < 0), ...op.outputs])];
    const need = [...pinned].reduce((a, t) => a + bytes(t), 0);
    if (need > cap) {
      const big = [...pinned].sort((a, b) => bytes(b) - bytes(a) || a - b)[0]!;
      return { failure: { step: s, tensor: big, message: `${op.name} needs ${need} bytes at once (its largest tensor, ${g.tensors[big]!.name}, is ${bytes(big)} bytes) but SRAM has ${cap}` } };
    }
    toPlace.sort((a, b) => bytes(b) - bytes(a) || a - b);
    const placedNow: number[] = [];
    /** Place toPlace (and the moved tensors `move`) by first fit, all or nothing; moved tensors are evicted first. */
    const tryPlace = (move: number[]): boolean | BaselineFailure => {
      const old = move.map((u) => offset[u]!);
      for (const u of move) offset[u] = -1;
      const list = [...toPlace, ...move].sort((a, b) => bytes(b) - bytes(a) || a - b);
      const done: number[] = [];
      for (const t of list) {
        const at = firstFit(t);
        if (at < 0) {
          for (const d of done) offset[d] = -1;
          move.forEach((u, i) => (offset[u] = old[i]!));
          return false;
        }
        offset[t] = at;
        done.push(t);
      }
      const fresh = move.map((u) => offset[u]!);
      move.forEach((u, i) => (offset[u] = old[i]!));
      for (const u of move) {
        const f = evict(u, s);
        if (f) return f;
      }
      move.forEach((u, i) => (offset[u] = fresh[i]!));
      for (const t of list) {
        stayStart[t] = s;
        placedNow.push(t);
      }
      return true;
    };
    let ok: boolean | BaselineFailure = toPlace.length === 0 || tryPlace([]);
    while (ok === false) {
      const victims = resident().filter((u) => !pinned.has(u));
      if (victims.length === 0) break;
      const v =
        policy === 'belady'
          ? victims.reduce((a, b) => (nextUse(b, s) > nextUse(a, s) || (nextUse(b, s) === nextUse(a, s) && bytes(b) > bytes(a)) ? b : a))
          : victims.reduce((a, b) => (lastTouch[b]! < lastTouch[a]! ? b : a));
      const f = evict(v, s);
      if (f) return { failure: f };
      ok = tryPlace([]);
    }
    if (ok === false && s > 0) {
      // Only this operator's tensors are left and they are fragmented: move one of its resident inputs (the
      // smallest that helps), or all of them, to a better offset; a move costs a spill (if dirty) and a reload.
      const movable = resident()
        .filter((u) => pinned.has(u))
        .sort((a, b) => bytes(a) - bytes(b) || a - b);
      for (const u of movable) if (ok === false) ok = tryPlace([u]);
      if (ok === false) ok = tryPlace(movable);
    }
    if (typeof ok === 'object') return { failure: ok };
    if (ok === false) return { failure: { step: s, tensor: toPlace[0]!, message: `${op.name}'s tensors do not fit in SRAM at step ${s}` } };
    for (const t of placedNow)
      if (!op.outputs.includes(t)) {
        const k = hasCopy.findIndex((c, kk) => kk >= 1 && c[t] === 1);
        steps[s]!.loads.push({ tensor: t, tier: k });
      }
    for (const t of pinned) lastTouch[t] = s;
    for (const t of op.outputs)
      if (g.tensors[t]!.kind === 'output') {
        steps[s]!.spills.push({ tensor: t, tier: homes[t]! });
        hasCopy[homes[t]!]![t] = 1; // its room is reserved
      }
    for (const t of pinned) {
      if (nextUse(t, s) !== Infinity) continue;
      if (offset[t]! >= 0) leave(t, s);
      for (let k = 1; k < K; k++)
        if (hasCopy[k]![t] && !(hasHome(g, t) && k === homes[t])) {
          steps[s]!.drops.push({ tensor: t, tier: k });
          hasCopy[k]![t] = 0;
          freedAt[s * K + k] += bytes(t);
        }
    }
  }
  for (const t of resident()) leave(t, order.length - 1);
  for (const st of steps) {
    st.frees = [...new Set(st.frees)].sort((a, b) => a - b);
    st.drops.sort((a, b) => a.tensor - b.tensor || a.tier - b.tier);
  }
  return { schedule: { graph: g.name, steps, placements } };
}
