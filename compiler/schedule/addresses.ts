// SRAM addresses for the stays a schedule chose. First a deterministic first-fit (largest first); when that
// leaves a stay without room, an exact MIP: one offset per stay and, for each pair of stays that overlap in
// time (and only those), an order binary with big-M non-overlap constraints.
import { MipModel, type MipSolver } from './mip';
import type { OpGraph, Placement, ScheduleStep } from './types';

export interface Stay {
  tensor: number;
  start: number;
  end: number;
  bytes: number;
}

/** Every stay of every tensor in SRAM, by replaying the events (a stay still open at the end ends at the last step). */
export function sramStays(g: OpGraph, steps: ScheduleStep[]): Stay[] {
  const start = new Map<number, number>();
  const out: Stay[] = [];
  steps.forEach((st, i) => {
    for (const l of st.loads) start.set(l.tensor, i);
    for (const t of g.ops[st.op]!.outputs) if (!start.has(t)) start.set(t, i);
    for (const t of st.frees) {
      const s = start.get(t);
      if (s === undefined) continue;
      out.push({ tensor: t, start: s, end: i, bytes: g.tensors[t]!.bytes });
      start.delete(t);
    }
  });
  for (const [t, s] of start) out.push({ tensor: t, start: s, end: steps.length - 1, bytes: g.tensors[t]!.bytes });
  return out.sort((a, b) => a.start - b.start || a.tensor - b.tensor);
}

const overlapsInTime = (a: Stay, b: Stay) => a.start <= b.end && b.start <= a.end;

type StayOrder = (a: Stay, b: Stay) => number;
const BY_SIZE: StayOrder = (a, b) => b.bytes - a.bytes || a.start - b.start || a.tensor - b.tensor;
const BY_START: StayOrder = (a, b) => a.start - b.start || b.bytes - a.bytes || a.tensor - b.tensor;
const BY_LENGTH: StayOrder = (a, b) => b.end - b.start - (a.end - a.start) || b.bytes - a.bytes || a.start - b.start || a.tensor - b.tensor;
const BY_AREA: StayOrder = (a, b) => b.bytes * (b.end - b.start + 1) - a.bytes * (a.end - a.start + 1) || a.start - b.start || a.tensor - b.tensor;

/** Deterministic first fit: stays in the given priority order, each at the lowest offset free during its stay. */
export function firstFit(stays: Stay[], capacity: number, order: StayOrder = BY_SIZE): Placement[] | null {
  const idx = stays.map((_, i) => i).sort((i, j) => order(stays[i]!, stays[j]!));
  const off = new Float64Array(stays.length).fill(-1);
  const placed: number[] = [];
  for (const i of idx) {
    const a = stays[i]!;
    const busy = placed.filter((j) => overlapsInTime(a, stays[j]!)).map((j) => [off[j]!, off[j]! + stays[j]!.bytes] as const);
    busy.sort((x, y) => x[0] - y[0]);
    let at = 0;
    for (const [lo, hi] of busy) {
      if (at + a.bytes <= lo) break;
      at = Math.max(at, hi);
    }
    if (at + a.bytes > capacity) return null;
    off[i] = at;
    placed.push(i);
  }
  return stays.map((s, i) => ({ tensor: s.tensor, start: s.start, end: s.end, offsetBytes: off[i]! }));
}

export async function assignAddresses(stays: Stay[], capacity: number, solver: MipSolver, timeLimitSeconds: number): Promise<{ placements: Placement[] | null; method: 'first-fit' | 'ilp' | 'none' }> {
  for (const order of [BY_SIZE, BY_START, BY_LENGTH, BY_AREA]) {
    const ff = firstFit(stays, capacity, order);
    if (ff) return { placements: ff, method: 'first-fit' };
  }
  const m = new MipModel();
  const scale = Math.max(1, Math.min(...stays.map((s) => s.bytes)));
  const cap = capacity / scale;
  const A = stays.map((s, i) => m.addCol(`A_${i}`, 0, Math.max(0, cap - s.bytes / scale), 0, false));
  if (stays.some((s) => s.bytes > capacity)) return { placements: null, method: 'none' };
  const pairs: [number, number, number][] = [];
  for (let i = 0; i < stays.length; i++)
    for (let j = i + 1; j < stays.length; j++) {
      if (!overlapsInTime(stays[i]!, stays[j]!)) continue;
      const o = m.addBinary(`O_${i}_${j}`); // 1: i below j
      pairs.push([i, j, o]);
      // A_i + b_i <= A_j + cap (1 - o);  A_j + b_j <= A_i + cap o
      m.addRow([[A[i]!, 1], [A[j]!, -1], [o, cap]], -Infinity, cap - stays[i]!.bytes / scale);
      m.addRow([[A[j]!, 1], [A[i]!, -1], [o, -cap]], -Infinity, -stays[j]!.bytes / scale);
    }
  const r = await solver.solve(m, { timeLimitSeconds });
  if (r.status !== 'optimal' && r.status !== 'feasible') return { placements: null, method: 'none' };
  // integral offsets from the chosen orientation: longest path over "below" edges
  const below: number[][] = stays.map(() => []);
  for (const [i, j, o] of pairs) (r.values[o]! > 0.5 ? below[j]! : below[i]!).push(r.values[o]! > 0.5 ? i : j);
  const off = new Float64Array(stays.length).fill(-1);
  const visit = (i: number): number => {
    if (off[i]! >= 0) return off[i]!;
    let at = 0;
    for (const j of below[i]!) at = Math.max(at, visit(j) + stays[j]!.bytes);
    off[i] = at;
    return at;
  };
  stays.forEach((_, i) => visit(i));
  if (stays.some((s, i) => off[i]! + s.bytes > capacity)) return { placements: null, method: 'none' };
  return { placements: stays.map((s, i) => ({ tensor: s.tensor, start: s.start, end: s.end, offsetBytes: off[i]! })), method: 'ilp' };
}

/**
 * Drops outer copies once nothing will load them again, so outer tiers hold only what is needed. Home copies
 * of inputs, parameters and outputs stay. `homeTier`: one tier for all, or each tensor's (tiers.homeTiers).
 */
export function addDrops(g: OpGraph, homeTier: number | Int32Array, steps: ScheduleStep[]): void {
  const homeOf = (t: number) => (typeof homeTier === 'number' ? homeTier : homeTier[t]!);
  for (const st of steps) st.drops = [];
  steps.forEach((st, i) => {
    for (const { tensor: t, tier: k } of st.spills) {
      if (k === homeOf(t) && g.tensors[t]!.kind === 'output') continue;
      let last = i;
      for (let j = i + 1; j < steps.length; j++) {
        if (steps[j]!.spills.some((x) => x.tensor === t && x.tier === k)) break;
        if (steps[j]!.loads.some((x) => x.tensor === t && x.tier === k)) last = j;
      }
      steps[last]!.drops.push({ tensor: t, tier: k });
    }
  });
  for (const st of steps) st.drops.sort((a, b) => a.tensor - b.tensor || a.tier - b.tier);
}

/**
 * Frees each tensor right after its last use within a stay. A solution may keep a tensor in SRAM past its
 * last read when that costs nothing; releasing it earlier keeps the schedule valid and leaves the address
 * assignment more room. Stays that end with a spill are left as they are (the spill happens at the end).
 */
export function trimStays(g: OpGraph, steps: ScheduleStep[]): void {
  const stays = sramStays(g, steps);
  for (const st of stays) {
    const freeAt = steps[st.end]!.frees.includes(st.tensor) ? st.end : -1;
    if (freeAt < 0) continue; // still resident at the end of the schedule (or of a window)
    if (steps[st.end]!.spills.some((x) => x.tensor === st.tensor)) continue;
    let last = st.start;
    for (let s = st.start; s <= st.end; s++) {
      const op = g.ops[steps[s]!.op]!;
      if (op.inputs.includes(st.tensor) || op.outputs.includes(st.tensor) || steps[s]!.spills.some((x) => x.tensor === st.tensor)) last = s;
    }
    if (last === st.end) continue;
    steps[st.end]!.frees = steps[st.end]!.frees.filter((t) => t !== st.tensor);
    steps[last]!.frees.push(st.tensor);
    steps[last]!.frees.sort((a, b) => a - b);
  }
}
