// Mapper search over one einsum's space: spatial binding x tile sizes x loop order. Exhaustive when
// the space is small; otherwise seeded random sampling, pruned by the capacity check and the compute
// bound, then a coordinate-descent polish from the best sample. Same seed, same answer.
import type { EinsumCostModel } from './cost';
import type { Objective } from './mapping';
import { uniformRng } from '../ir/prng';

export interface Choice {
  row: number;
  col: number;
  tiles: Int32Array;
  order: Int32Array;
}

export interface SearchOutcome {
  best: Choice | null;
  value: number;
  evaluations: number;
  spaceSize: number;
  exhaustive: boolean;
}

/** The search's seeded stream in [0, 1). */
export const rng = uniformRng;

export function bindings(model: EinsumCostModel): [number, number][] {
  const out: [number, number][] = [];
  const V = model.V;
  if (model.unit.cols === 1) {
    for (let r = -1; r < V; r++) out.push([r, -1]);
    return out;
  }
  // a fixed dataflow restricts the binding: os keeps outputs in place (two output ranks), ws/is
  // accumulate down the columns (a reduced rank on the rows, an output rank on the columns)
  const reduced = (v: number) => v >= 0 && model.w.reduced.includes(model.w.vars[v]!);
  const df = model.unit.dataflow;
  // ws holds the weight (or, without one, the last operand) in the PEs; is holds the other input
  const reads = model.w.tensors.filter((t) => !t.write);
  const weight = reads.find((t) => t.role === 'weight') ?? reads[reads.length - 1];
  const held = df === 'ws' ? weight : reads.find((t) => t !== weight);
  const holds = (r: number, c: number) => !held || (held.mask & (1 << r)) !== 0 && (held.mask & (1 << c)) !== 0;
  for (let r = -1; r < V; r++)
    for (let c = -1; c < V; c++) {
      if (r >= 0 && r === c) continue;
      if (df === 'os' && (reduced(r) || reduced(c))) continue;
      if ((df === 'ws' || df === 'is') && model.w.reduced.length > 0 && (!reduced(r) || c < 0 || reduced(c) || !holds(r, c))) continue;
      out.push([r, c]);
    }
  if (out.length === 0) out.push([-1, -1]);
  return out;
}

export function permutations(n: number): Int32Array[] {
  const out: Int32Array[] = [];
  const a = Array.from({ length: n }, (_, i) => i);
  const rec = (k: number) => {
    if (k === n) {
      out.push(Int32Array.from(a));
      return;
    }
    for (let i = k; i < n; i++) {
      [a[k], a[i]] = [a[i]!, a[k]!];
      rec(k + 1);
      [a[k], a[i]] = [a[i]!, a[k]!];
    }
  };
  rec(0);
  return out;
}

const MAX_PERM_VARS = 6;

export function spaceSize(model: EinsumCostModel): number {
  let s = bindings(model).length;
  for (const c of model.cands) s *= c.length;
  let f = 1;
  for (let i = 2; i <= model.V; i++) f *= i;
  return s * f;
}

export function searchEinsum(model: EinsumCostModel, objective: Objective, opts: { seed?: number; budget?: number; exhaustiveLimit?: number } = {}): SearchOutcome {
  const size = spaceSize(model);
  const limit = opts.exhaustiveLimit ?? 20000;
  const V = model.V;
  const binds = bindings(model);
  let best: Choice | null = null;
  let bestVal = Infinity;
  let evaluations = 0;
  const tiles = new Int32Array(V);
  const consider = (row: number, col: number, order: Int32Array) => {
    evaluations++;
    const v = model.evaluate(row, col, tiles, order, objective, bestVal);
    if (v < bestVal) {
      bestVal = v;
      best = { row, col, tiles: Int32Array.from(tiles), order: Int32Array.from(order) };
    }
    return v;
  };
  if (size <= limit && V <= MAX_PERM_VARS) {
    const perms = permutations(V);
    for (const [row, col] of binds)
      for (const order of perms) {
        tiles.fill(0);
        for (;;) {
          consider(row, col, order);
          let k = 0;
          while (k < V && ++tiles[k]! >= model.cands[k]!.length) tiles[k++] = 0;
          if (k === V) break;
        }
      }
    return { best, value: bestVal, evaluations, spaceSize: size, exhaustive: true };
  }
  const rand = rng(opts.seed ?? 1);
  const budget = opts.budget ?? 4000;
  const order = new Int32Array(V);
  // seed the search with the natural mapping of each binding: whole ranks as tiles, program order
  for (let v = 0; v < V; v++) order[v] = v;
  for (const [row, col] of binds) {
    for (let v = 0; v < V; v++) tiles[v] = model.cands[v]!.length - 1;
    consider(row, col, order);
  }
  for (let it = 0; it < budget; it++) {
    const [row, col] = binds[Math.floor(rand() * binds.length)]!;
    for (let v = 0; v < V; v++) tiles[v] = Math.floor(rand() * model.cands[v]!.length);
    for (let v = 0; v < V; v++) order[v] = v;
    for (let v = V - 1; v > 0; v--) {
      const j = Math.floor(rand() * (v + 1));
      const t = order[v]!;
      order[v] = order[j]!;
      order[j] = t;
    }
    consider(row, col, order);
  }
  // coordinate descent from the best sample: one variable's tile, the binding, or a swap in the order
  for (let round = 0; round < 8 && best; round++) {
    const start = bestVal;
    const b: Choice = best;
    for (let v = 0; v < V; v++)
      for (let t = 0; t < model.cands[v]!.length; t++) {
        tiles.set(b.tiles);
        tiles[v] = t;
        consider(b.row, b.col, b.order);
      }
    for (const [row, col] of binds) {
      tiles.set((best as Choice).tiles);
      consider(row, col, (best as Choice).order);
    }
    for (let i = 0; i < V; i++)
      for (let j = i + 1; j < V; j++) {
        const cur: Choice = best as Choice;
        order.set(cur.order);
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
        tiles.set(cur.tiles);
        consider(cur.row, cur.col, order);
      }
    if (bestVal >= start) break;
  }
  return { best, value: bestVal, evaluations, spaceSize: size, exhaustive: false };
}
