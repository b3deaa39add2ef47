// Mapper search over one einsum's space: spatial binding x tile sizes x loop order. Exhaustive when
// the space is small; otherwise rounds of seeded random samples, each followed by hill-climbing from
// its best points, until a round no longer improves the best (docs/MAPPER.md, "Search"). Pruned by
// the capacity check and the compute bound. Same seed, same answer.
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
      // a systolic array sums partial sums along one dimension only: a contraction never puts
      // reduced ranks on both (each PE would need its own streamed operand: no dataflow runs it)
      if (model.unit.kind === '2d' && model.w.contraction && reduced(r) && reduced(c)) continue;
      // a systolic contraction holds one tensor in place (the stationary one, varying along both
      // dimensions) and moves the others along a row or a column, each shared along the other
      // dimension: two tensors that vary along both would each need a stream of their own per PE
      if (model.unit.kind === '2d' && model.w.contraction && r >= 0 && c >= 0 && model.w.tensors.filter((t) => (t.mask & (1 << r)) !== 0 && (t.mask & (1 << c)) !== 0).length > 1) continue;
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

/**
 * A contraction on a 2D array is a GEMM (compiler/map/gemm-view.ts): each variable plays one role,
 * M (the first operand's alone), N (the second's alone) or K (reduced). The loop orders searched keep
 * the variables of one role adjacent (the roles in the order their first variable comes): the nest
 * of a plain GEMM over merged variables, which the tiled-GEMM cycle engine runs as mapped
 * (compiler/map/gemm-nest.ts). An order that splits a role between another role's loops reuses no
 * tensor better (the operands' tiles change with every role variable, and the output would be
 * revisited across a split K). Null (any order) for other einsums and for a batched contraction.
 */
export function gemmRoles(model: EinsumCostModel): Int32Array | null {
  const w = model.w;
  if (model.unit.kind !== '2d' || !w.contraction) return null;
  const reads = w.tensors.filter((t) => !t.write);
  if (reads.length !== 2) return null;
  const roles = new Int32Array(w.vars.length);
  for (let v = 0; v < w.vars.length; v++) {
    const a = (reads[0]!.mask >> v) & 1;
    const b = (reads[1]!.mask >> v) & 1;
    if (w.reduced.includes(w.vars[v]!)) roles[v] = 2;
    else if (a && b) {
      if (w.sizes[v]! > 1) return null;
      roles[v] = 2; // one trip, bound to no role: grouped with K (it changes nothing)
    } else roles[v] = a ? 0 : 1;
  }
  return roles;
}

/** `order` with each role's variables made adjacent (roles in first-appearance order, stable within), into `out`. */
export function groupRoles(order: Int32Array, roles: Int32Array, out: Int32Array): Int32Array {
  let k = 0;
  let seen = 0;
  for (let i = 0; i < order.length; i++) {
    const r = roles[order[i]!]!;
    if (seen & (1 << r)) continue;
    seen |= 1 << r;
    for (let j = i; j < order.length; j++) if (roles[order[j]!] === r) out[k++] = order[j]!;
  }
  return out;
}

const isGrouped = (order: Int32Array, roles: Int32Array) => {
  let done = 0;
  for (let i = 0; i < order.length; i++) {
    const r = roles[order[i]!]!;
    if (done & (1 << r)) return false;
    if (i + 1 < order.length && roles[order[i + 1]!] !== r) done |= 1 << r;
  }
  return true;
};

export function spaceSize(model: EinsumCostModel): number {
  let s = bindings(model).length;
  for (const c of model.cands) s *= c.length;
  return s * orderCount(model);
}

/** How many loop orders the search covers: V!, or for a GEMM the orders with each role's variables adjacent. */
function orderCount(model: EinsumCostModel): number {
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const roles = gemmRoles(model);
  if (!roles) return fact(model.V);
  const per = [0, 0, 0];
  for (const r of roles) per[r]!++;
  return fact(per.filter((n) => n > 0).length) * per.reduce((p, n) => p * fact(n), 1);
}

export interface SearchOptions {
  seed?: number;
  /** random samples in the first round (default 4000); each later round draws a quarter of it */
  budget?: number;
  exhaustiveLimit?: number;
  /** rounds at most (default 12); the search stops earlier once `patience` rounds bring no improvement */
  maxRounds?: number;
  /** rounds without improvement before the search stops (default 3) */
  patience?: number;
  /** false: keep the best sample of each round without hill-climbing from it (default true) */
  climb?: boolean;
}

/** Starting points kept per round for hill-climbing. */
const STARTS = 4;
/** Pairs of tiles move together within this many candidate steps of the current tile (capacity couples them). */
const PAIR_WINDOW = 2;
/** A round improves the incumbent when it lowers it by more than this fraction. */
const IMPROVE = 1e-9;

/**
 * The search of one einsum's space. Exhaustive up to `exhaustiveLimit` mappings. Beyond that, rounds:
 * each draws seeded random samples (the first `budget`, later ones a quarter of it, plus kicks of
 * the incumbent: two tiles redrawn and two loops swapped), keeps the best few distinct ones, and
 * hill-climbs from each (every tile of one rank; every pair of ranks' tiles within PAIR_WINDOW
 * candidates, since the buffer's capacity couples them; every binding; every swap and every move of
 * one loop in the order) until no move improves. The budget thus grows until the best cost stops
 * improving: the search ends after `patience` rounds that do not lower it (or `maxRounds`).
 * Everything is drawn from the seed: same seed, same answer.
 */
export function searchEinsum(model: EinsumCostModel, objective: Objective, opts: SearchOptions = {}): SearchOutcome {
  const size = spaceSize(model);
  const limit = opts.exhaustiveLimit ?? 20000;
  const V = model.V;
  const binds = bindings(model);
  let best: Choice | null = null;
  let bestVal = Infinity;
  let evaluations = 0;
  const tiles = new Int32Array(V);
  const roles = gemmRoles(model);
  const grouped = new Int32Array(V);
  const consider = (row: number, col: number, drawn: Int32Array, bound = bestVal) => {
    evaluations++;
    const order = roles ? groupRoles(drawn, roles, grouped) : drawn;
    const v = model.evaluate(row, col, tiles, order, objective, bound);
    if (v < bestVal) {
      bestVal = v;
      best = { row, col, tiles: Int32Array.from(tiles), order: Int32Array.from(order) };
    }
    return v;
  };
  if (size <= limit && V <= MAX_PERM_VARS) {
    const perms = roles ? permutations(V).filter((p) => isGrouped(p, roles)) : permutations(V);
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
  const budget = Math.max(1, opts.budget ?? 4000);
  const maxRounds = Math.max(1, opts.maxRounds ?? 12);
  const patience = Math.max(1, opts.patience ?? 3);
  const order = new Int32Array(V);
  const nc = Int32Array.from(model.cands, (c) => c.length);

  // the best few distinct points of a round: (value, binding index, tiles, order) in flat arrays
  const W = 1 + 2 * V;
  const topVal = new Float64Array(STARTS);
  const top = new Int32Array(STARTS * W);
  let topN = 0;
  const keep = (v: number, b: number) => {
    if (!(v < Infinity)) return;
    if (topN === STARTS && v >= topVal[topN - 1]!) return;
    for (let i = 0; i < topN; i++) if (topVal[i] === v) return; // one start per value: distinct basins
    let i = topN < STARTS ? topN++ : topN - 1;
    while (i > 0 && topVal[i - 1]! > v) {
      topVal[i] = topVal[i - 1]!;
      top.copyWithin(i * W, (i - 1) * W, i * W);
      i--;
    }
    topVal[i] = v;
    top[i * W] = b;
    top.set(tiles, i * W + 1);
    top.set(order, i * W + 1 + V);
  };
  const sample = (b: number) => {
    const [row, col] = binds[b]!;
    // pruned by the worst kept start: a point the compute bound rules out could not be kept
    keep(consider(row, col, order, topN === STARTS ? topVal[STARTS - 1]! : Infinity), b);
  };

  // hill-climbing from a point (first improvement, sweeps until a whole sweep finds none)
  const cT = new Int32Array(V);
  const cO = new Int32Array(V);
  const climb = (b0: number, t0: Int32Array, o0: Int32Array, v0: number) => {
    let b = b0;
    let cur = v0;
    cT.set(t0);
    cO.set(o0);
    const tryMove = (nb: number): boolean => {
      const [row, col] = binds[nb]!;
      const v = consider(row, col, order, cur);
      if (v < cur) {
        cur = v;
        b = nb;
        cT.set(tiles);
        cO.set(order);
        return true;
      }
      return false;
    };
    for (let sweep = 0; sweep < 256; sweep++) {
      let moved = false;
      // one rank's tile, any candidate
      for (let v = 0; v < V; v++)
        for (let t = 0; t < nc[v]!; t++) {
          if (t === cT[v]) continue;
          tiles.set(cT);
          order.set(cO);
          tiles[v] = t;
          moved = tryMove(b) || moved;
        }
      // two ranks' tiles at once, near their current candidates
      for (let u = 0; u < V; u++)
        for (let v = u + 1; v < V; v++)
          for (let du = -PAIR_WINDOW; du <= PAIR_WINDOW; du++)
            for (let dv = -PAIR_WINDOW; dv <= PAIR_WINDOW; dv++) {
              if (du === 0 || dv === 0) continue;
              const tu = cT[u]! + du;
              const tv = cT[v]! + dv;
              if (tu < 0 || tv < 0 || tu >= nc[u]! || tv >= nc[v]!) continue;
              tiles.set(cT);
              order.set(cO);
              tiles[u] = tu;
              tiles[v] = tv;
              moved = tryMove(b) || moved;
            }
      // the binding
      for (let nb = 0; nb < binds.length; nb++) {
        if (nb === b) continue;
        tiles.set(cT);
        order.set(cO);
        moved = tryMove(nb) || moved;
      }
      // the loop order: swap two loops, or move one loop to another position
      for (let i = 0; i < V; i++)
        for (let j = 0; j < V; j++) {
          if (i === j) continue;
          tiles.set(cT);
          if (i < j) {
            order.set(cO);
            const x = order[i]!;
            order[i] = order[j]!;
            order[j] = x;
            moved = tryMove(b) || moved;
          }
          if (Math.abs(i - j) > 1) {
            // move the loop at i to position j
            order.set(cO);
            const x = order[i]!;
            if (i < j) order.copyWithin(i, i + 1, j + 1);
            else order.copyWithin(j + 1, j, i);
            order[j] = x;
            tiles.set(cT);
            moved = tryMove(b) || moved;
          }
        }
      if (!moved) break;
    }
  };
  const starts = new Int32Array(STARTS * W);
  const startVal = new Float64Array(STARTS);
  const climbTop = () => {
    // copy the round's starts first: climbing reuses the scratch arrays
    const n = topN;
    starts.set(top.subarray(0, n * W));
    startVal.set(topVal.subarray(0, n));
    for (let i = 0; i < n; i++) climb(starts[i * W]!, starts.subarray(i * W + 1, i * W + 1 + V), starts.subarray(i * W + 1 + V, i * W + 1 + 2 * V), startVal[i]!);
  };
  const randomPoint = () => {
    for (let v = 0; v < V; v++) tiles[v] = Math.floor(rand() * nc[v]!);
    for (let v = 0; v < V; v++) order[v] = v;
    for (let v = V - 1; v > 0; v--) {
      const j = Math.floor(rand() * (v + 1));
      const t = order[v]!;
      order[v] = order[j]!;
      order[j] = t;
    }
  };

  let stale = 0;
  for (let round = 0; round < maxRounds && stale < patience; round++) {
    const before = bestVal;
    topN = 0;
    if (round === 0) {
      // the natural mapping of each binding: whole ranks as tiles, program order
      for (let b = 0; b < binds.length; b++) {
        for (let v = 0; v < V; v++) tiles[v] = nc[v]! - 1;
        for (let v = 0; v < V; v++) order[v] = v;
        sample(b);
      }
    } else if (best) {
      // kicks: the incumbent with two tiles redrawn and two loops swapped
      const inc: Choice = best;
      const bi = binds.findIndex(([r, c]) => r === inc.row && c === inc.col);
      for (let k = 0; k < STARTS; k++) {
        tiles.set(inc.tiles);
        order.set(inc.order);
        for (let j = 0; j < 2; j++) {
          const v = Math.floor(rand() * V);
          tiles[v] = Math.floor(rand() * nc[v]!);
        }
        const i = Math.floor(rand() * V);
        const j = Math.floor(rand() * V);
        const x = order[i]!;
        order[i] = order[j]!;
        order[j] = x;
        sample(bi);
      }
    }
    const n = round === 0 ? budget : Math.ceil(budget / 4);
    for (let it = 0; it < n; it++) {
      const b = Math.floor(rand() * binds.length);
      randomPoint();
      sample(b);
    }
    if (opts.climb !== false) climbTop();
    stale = bestVal < before * (1 - IMPROVE) || (before === Infinity && bestVal < Infinity) ? 0 : stale + 1;
  }
  return { best, value: bestVal, evaluations, spaceSize: size, exhaustive: false };
}
