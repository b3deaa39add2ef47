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
  let homes: Int32Array;
  try {
    homes = homeTiers(g, chain);
  } catch (e) {
    if (!(e instanceof InfeasibleBudgetError)) throw e;
    return { failure: { step: 0, tensor: Math.max(0, g.tensors.findIndex((t) => t.name === e.tensor)), message: e.message } };
  }
  const arena = new Arena(g, chain, homes, order);
  for (let s = 0; s < order.length; s++) {
    const f = arena.step(s, policy);
    if (f) return { failure: f };
  }
  return { schedule: arena.finish() };
}

/** The replay state of one baseline run: SRAM offsets, copies in the outer tiers, and the events written so far. */
class Arena {
  private readonly T: number;
  private readonly K: number;
  private readonly cap: number;
  private readonly uses: number[][];
  private readonly lastTouch: Float64Array;
  /** >= 0 while in SRAM */
  private readonly offset: Float64Array;
  private readonly stayStart: Int32Array;
  private readonly hasCopy: Uint8Array[];
  private readonly tierUsed: Float64Array;
  /** bytes of copies dropped at the end of step s: free for spills placed at step s + 1 or later */
  private readonly freedAt: Float64Array;
  private readonly steps: ScheduleStep[];
  private readonly placements: Placement[] = [];

  constructor(
    private readonly g: OpGraph,
    private readonly chain: TierChain,
    private readonly homes: Int32Array,
    private readonly order: number[],
  ) {
    this.T = g.tensors.length;
    this.K = chain.tiers.length;
    this.cap = chain.tiers[0]!.capacityBytes;
    this.uses = g.tensors.map(() => []);
    order.forEach((op, s) => g.ops[op]!.inputs.forEach((t) => this.uses[t]!.includes(s) || this.uses[t]!.push(s)));
    this.lastTouch = new Float64Array(this.T).fill(-1);
    this.offset = new Float64Array(this.T).fill(-1);
    this.stayStart = new Int32Array(this.T).fill(-1);
    this.hasCopy = Array.from({ length: this.K }, () => new Uint8Array(this.T));
    this.tierUsed = Float64Array.from(reservedHomeBytes(g, chain, homes));
    g.tensors.forEach((t, i) => {
      if (t.kind === 'input' || t.kind === 'param') this.hasCopy[homes[i]!]![i] = 1;
    });
    this.freedAt = new Float64Array(this.K * (order.length + 2));
    this.steps = order.map((op) => ({ op, loads: [], spills: [], frees: [], drops: [] }));
  }

  private bytes(t: number): number {
    return this.g.tensors[t]!.bytes;
  }

  private nextUse(t: number, s: number): number {
    for (const u of this.uses[t]!) if (u > s) return u;
    return Infinity;
  }

  private resident(): number[] {
    const r: number[] = [];
    for (let t = 0; t < this.T; t++) if (this.offset[t]! >= 0) r.push(t);
    return r;
  }

  /** The lowest offset where t fits between the resident tensors, or -1. */
  private firstFit(t: number): number {
    const busy = this.resident()
      .map((u) => [this.offset[u]!, this.offset[u]! + this.bytes(u)] as const)
      .sort((a, b) => a[0] - b[0]);
    let at = 0;
    for (const [lo, hi] of busy) {
      if (at + this.bytes(t) <= lo) break;
      at = Math.max(at, hi);
    }
    return at + this.bytes(t) <= this.cap ? at : -1;
  }

  private leave(t: number, s: number): void {
    this.placements.push({ tensor: t, start: this.stayStart[t]!, end: s, offsetBytes: this.offset[t]! });
    this.steps[s]!.frees.push(t);
    this.offset[t] = -1;
  }

  /** Evicts t before step s: its events go at the end of step s - 1. */
  private evict(t: number, s: number): BaselineFailure | null {
    if (this.nextUse(t, s - 1) !== Infinity && !this.hasCopy.some((c) => c[t] === 1)) {
      let k = 1;
      while (k < this.K && this.tierUsed[k]! + this.bytes(t) > this.chain.tiers[k]!.capacityBytes) k++;
      if (k === this.K) return { step: s, tensor: t, message: `no outer tier has room to spill ${this.g.tensors[t]!.name}` };
      this.steps[s - 1]!.spills.push({ tensor: t, tier: k });
      this.hasCopy[k]![t] = 1;
      this.tierUsed[k] += this.bytes(t);
    }
    this.leave(t, s - 1);
    return null;
  }

  /**
   * Places toPlace (and the moved tensors `move`) by first fit, all or nothing; moved tensors are evicted first.
   * On success the placed tensors are appended to placedNow.
   */
  private tryPlace(s: number, toPlace: number[], move: number[], placedNow: number[]): boolean | BaselineFailure {
    const { offset } = this;
    const old = move.map((u) => offset[u]!);
    for (const u of move) offset[u] = -1;
    const list = [...toPlace, ...move].sort((a, b) => this.bytes(b) - this.bytes(a) || a - b);
    const done: number[] = [];
    for (const t of list) {
      const at = this.firstFit(t);
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
      const f = this.evict(u, s);
      if (f) return f;
    }
    move.forEach((u, i) => (offset[u] = fresh[i]!));
    for (const t of list) {
      this.stayStart[t] = s;
      placedNow.push(t);
    }
    return true;
  }

  /** The resident tensor the policy evicts, among those step s does not use; undefined when there is none. */
  private victim(s: number, pinned: Set<number>, policy: ReplacementPolicy): number | undefined {
    const victims = this.resident().filter((u) => !pinned.has(u));
    if (victims.length === 0) return undefined;
    if (policy === 'lru') return victims.reduce((a, b) => (this.lastTouch[b]! < this.lastTouch[a]! ? b : a));
    return victims.reduce((a, b) => {
      const na = this.nextUse(a, s);
      const nb = this.nextUse(b, s);
      return nb > na || (nb === na && this.bytes(b) > this.bytes(a)) ? b : a;
    });
  }

  /** Runs step s: makes room, places the operator's tensors, and writes its loads, spills, frees and drops. */
  step(s: number, policy: ReplacementPolicy): BaselineFailure | null {
    const { g, K } = this;
    // evictions while placing step s put their spills at step s - 1: copies dropped at step s - 2 are gone by then
    if (s >= 2) for (let k = 1; k < K; k++) this.tierUsed[k] -= this.freedAt[(s - 2) * K + k]!;
    const op = g.ops[this.order[s]!]!;
    const pinned = new Set([...op.inputs, ...op.outputs]);
    const toPlace = [...new Set([...op.inputs.filter((t) => this.offset[t]! < 0), ...op.outputs])];
    const need = [...pinned].reduce((a, t) => a + this.bytes(t), 0);
    if (need > this.cap) {
      const big = [...pinned].sort((a, b) => this.bytes(b) - this.bytes(a) || a - b)[0]!;
      return { step: s, tensor: big, message: `${op.name} needs ${need} bytes at once (its largest tensor, ${g.tensors[big]!.name}, is ${this.bytes(big)} bytes) but SRAM has ${this.cap}` };
    }
    toPlace.sort((a, b) => this.bytes(b) - this.bytes(a) || a - b);
    const placedNow: number[] = [];
    let ok: boolean | BaselineFailure = toPlace.length === 0 || this.tryPlace(s, toPlace, [], placedNow);
    while (ok === false) {
      const v = this.victim(s, pinned, policy);
      if (v === undefined) break;
      const f = this.evict(v, s);
      if (f) return f;
      ok = this.tryPlace(s, toPlace, [], placedNow);
    }
    if (ok === false && s > 0) {
      // Only this operator's tensors are left and they are fragmented: move one of its resident inputs (the
      // smallest that helps), or all of them, to a better offset; a move costs a spill (if dirty) and a reload.
      const movable = this.resident()
        .filter((u) => pinned.has(u))
        .sort((a, b) => this.bytes(a) - this.bytes(b) || a - b);
      for (const u of movable) if (ok === false) ok = this.tryPlace(s, toPlace, [u], placedNow);
      if (ok === false) ok = this.tryPlace(s, toPlace, movable, placedNow);
    }
    if (typeof ok === 'object') return ok;
    if (ok === false) return { step: s, tensor: toPlace[0]!, message: `${op.name}'s tensors do not fit in SRAM at step ${s}` };
    this.record(s, placedNow, pinned);
    return null;
  }

  /** The events of a placed step: loads of what was placed, home writes of outputs, and the end of last uses. */
  private record(s: number, placedNow: number[], pinned: Set<number>): void {
    const { g, K, hasCopy, homes } = this;
    const op = g.ops[this.order[s]!]!;
    const st = this.steps[s]!;
    for (const t of placedNow)
      if (!op.outputs.includes(t)) st.loads.push({ tensor: t, tier: hasCopy.findIndex((c, kk) => kk >= 1 && c[t] === 1) });
    for (const t of pinned) this.lastTouch[t] = s;
    for (const t of op.outputs)
      if (g.tensors[t]!.kind === 'output') {
        st.spills.push({ tensor: t, tier: homes[t]! });
        hasCopy[homes[t]!]![t] = 1; // its room is reserved
      }
    for (const t of pinned) {
      if (this.nextUse(t, s) !== Infinity) continue;
      if (this.offset[t]! >= 0) this.leave(t, s);
      for (let k = 1; k < K; k++)
        if (hasCopy[k]![t] && !(hasHome(g, t) && k === homes[t])) {
          st.drops.push({ tensor: t, tier: k });
          hasCopy[k]![t] = 0;
          this.freedAt[s * K + k] += this.bytes(t);
        }
    }
  }

  finish(): Schedule {
    for (const t of this.resident()) this.leave(t, this.order.length - 1);
    for (const st of this.steps) {
      st.frees = [...new Set(st.frees)].sort((a, b) => a - b);
      st.drops.sort((a, b) => a.tensor - b.tensor || a.tier - b.tier);
    }
    return { graph: this.g.name, steps: this.steps, placements: this.placements };
  }
}
