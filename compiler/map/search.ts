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
  const s = new Search(model, objective);
  const exhaustive = size <= (opts.exhaustiveLimit ?? 20000) && model.V <= MAX_PERM_VARS;
  if (exhaustive) s.enumerate();
  else s.rounds(opts);
  return { best: s.best, value: s.bestVal, evaluations: s.evaluations, spaceSize: size, exhaustive };
}

/** One search's state: the incumbent, the scratch point being evaluated, a round's best starts. */
class Search {
  best: Choice | null = null;
  bestVal = Infinity;
  evaluations = 0;
  private readonly V: number;
  private readonly binds: [number, number][];
  private readonly roles: Int32Array | null;
  /** candidates per rank */
  private readonly nc: Int32Array;
  /** the point being evaluated: tile candidate per rank, loop order */
  private readonly tiles: Int32Array;
  private readonly order: Int32Array;
  private readonly grouped: Int32Array;
  /** the best few distinct points of a round: (value, binding index, tiles, order) in flat arrays */
  private readonly W: number;
  private readonly topVal = new Float64Array(STARTS);
  private readonly top: Int32Array;
  private topN = 0;
  private readonly starts: Int32Array;
  private readonly startVal = new Float64Array(STARTS);
  /** hill-climbing: the current point (binding, tiles, order) and its value */
  private cb = 0;
  private cur = Infinity;
  private readonly cT: Int32Array;
  private readonly cO: Int32Array;

  constructor(
    private readonly model: EinsumCostModel,
    private readonly objective: Objective,
  ) {
    const V = (this.V = model.V);
    this.binds = bindings(model);
    this.roles = gemmRoles(model);
    this.nc = Int32Array.from(model.cands, (c) => c.length);
    this.tiles = new Int32Array(V);
    this.order = new Int32Array(V);
    this.grouped = new Int32Array(V);
    this.W = 1 + 2 * V;
    this.top = new Int32Array(STARTS * this.W);
    this.starts = new Int32Array(STARTS * this.W);
    this.cT = new Int32Array(V);
    this.cO = new Int32Array(V);
  }

  /** Evaluates the scratch tiles with `drawn` (its GEMM roles grouped), keeping it if it is the best so far. */
  private consider(row: number, col: number, drawn: Int32Array, bound = this.bestVal): number {
    this.evaluations++;
    const order = this.roles ? groupRoles(drawn, this.roles, this.grouped) : drawn;
    const v = this.model.evaluate(row, col, this.tiles, order, this.objective, bound);
    if (v < this.bestVal) {
      this.bestVal = v;
      this.best = { row, col, tiles: Int32Array.from(this.tiles), order: Int32Array.from(order) };
    }
    return v;
  }

  /** Every binding x loop order x tile candidate. */
  enumerate(): void {
    const { V, roles, tiles, model } = this;
    const perms = roles ? permutations(V).filter((p) => isGrouped(p, roles)) : permutations(V);
    for (const [row, col] of this.binds)
      for (const order of perms) {
        tiles.fill(0);
        for (;;) {
          this.consider(row, col, order);
          let k = 0;
          while (k < V && ++tiles[k]! >= model.cands[k]!.length) tiles[k++] = 0;
          if (k === V) break;
        }
      }
  }

  /** Rounds of seeded samples and hill-climbs until `patience` rounds bring no improvement. */
  rounds(opts: SearchOptions): void {
    const rand = rng(opts.seed ?? 1);
    const budget = Math.max(1, opts.budget ?? 4000);
    const maxRounds = Math.max(1, opts.maxRounds ?? 12);
    const patience = Math.max(1, opts.patience ?? 3);
    let stale = 0;
    for (let round = 0; round < maxRounds && stale < patience; round++) {
      const before = this.bestVal;
      this.topN = 0;
      if (round === 0) this.naturalPoints();
      else if (this.best) this.kicks(rand, this.best);
      const n = round === 0 ? budget : Math.ceil(budget / 4);
      for (let it = 0; it < n; it++) {
        const b = Math.floor(rand() * this.binds.length);
        this.randomPoint(rand);
        this.sample(b);
      }
      if (opts.climb !== false) this.climbTop();
      stale = this.bestVal < before * (1 - IMPROVE) || (before === Infinity && this.bestVal < Infinity) ? 0 : stale + 1;
    }
  }

  /** The natural mapping of each binding: whole ranks as tiles, program order. */
  private naturalPoints(): void {
    for (let b = 0; b < this.binds.length; b++) {
      for (let v = 0; v < this.V; v++) this.tiles[v] = this.nc[v]! - 1;
      for (let v = 0; v < this.V; v++) this.order[v] = v;
      this.sample(b);
    }
  }

  /** Kicks: the incumbent with two tiles redrawn and two loops swapped. */
  private kicks(rand: () => number, inc: Choice): void {
    const { V, tiles, order, nc } = this;
    const bi = this.binds.findIndex(([r, c]) => r === inc.row && c === inc.col);
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
      this.sample(bi);
    }
  }

  private randomPoint(rand: () => number): void {
    const { V, tiles, order, nc } = this;
    for (let v = 0; v < V; v++) tiles[v] = Math.floor(rand() * nc[v]!);
    for (let v = 0; v < V; v++) order[v] = v;
    for (let v = V - 1; v > 0; v--) {
      const j = Math.floor(rand() * (v + 1));
      const t = order[v]!;
      order[v] = order[j]!;
      order[j] = t;
    }
  }

  /** The scratch point under binding `b`, pruned by the worst kept start (a point the compute bound rules out could not be kept). */
  private sample(b: number): void {
    const [row, col] = this.binds[b]!;
    this.keep(this.consider(row, col, this.order, this.topN === STARTS ? this.topVal[STARTS - 1]! : Infinity), b);
  }

  /** Keeps the scratch point among the round's best few, one per value (distinct basins). */
  private keep(v: number, b: number): void {
    const { topVal, top, W, V } = this;
    if (!(v < Infinity)) return;
    if (this.topN === STARTS && v >= topVal[this.topN - 1]!) return;
    for (let i = 0; i < this.topN; i++) if (topVal[i] === v) return;
    let i = this.topN < STARTS ? this.topN++ : this.topN - 1;
    while (i > 0 && topVal[i - 1]! > v) {
      topVal[i] = topVal[i - 1]!;
      top.copyWithin(i * W, (i - 1) * W, i * W);
      i--;
    }
    topVal[i] = v;
    top[i * W] = b;
    top.set(this.tiles, i * W + 1);
    top.set(this.order, i * W + 1 + V);
  }

  /** Hill-climbs from each of the round's starts (copied first: climbing reuses the scratch arrays). */
  private climbTop(): void {
    const { starts, W, V } = this;
    const n = this.topN;
    starts.set(this.top.subarray(0, n * W));
    this.startVal.set(this.topVal.subarray(0, n));
    for (let i = 0; i < n; i++) this.climb(starts[i * W]!, starts.subarray(i * W + 1, i * W + 1 + V), starts.subarray(i * W + 1 + V, i * W + 1 + 2 * V), this.startVal[i]!);
  }

  /** First-improvement hill-climbing from a point, in sweeps until a whole sweep finds no better move. */
  private climb(b0: number, t0: Int32Array, o0: Int32Array, v0: number): void {
    this.cb = b0;
    this.cur = v0;
    this.cT.set(t0);
    this.cO.set(o0);
    for (let sweep = 0; sweep < 256; sweep++) {
      let moved = this.tileMoves();
      moved = this.pairMoves() || moved;
      moved = this.bindingMoves() || moved;
      moved = this.orderMoves() || moved;
      if (!moved) break;
    }
  }

  /** Evaluates the scratch point under binding `nb`; moves there if it beats the current point. */
  private tryMove(nb: number): boolean {
    const [row, col] = this.binds[nb]!;
    const v = this.consider(row, col, this.order, this.cur);
    if (!(v < this.cur)) return false;
    this.cur = v;
    this.cb = nb;
    this.cT.set(this.tiles);
    this.cO.set(this.order);
    return true;
  }

  /** One rank's tile, any candidate. */
  private tileMoves(): boolean {
    const { V, nc, tiles, order, cT, cO } = this;
    let moved = false;
    for (let v = 0; v < V; v++)
      for (let t = 0; t < nc[v]!; t++) {
        if (t === cT[v]) continue;
        tiles.set(cT);
        order.set(cO);
        tiles[v] = t;
        moved = this.tryMove(this.cb) || moved;
      }
    return moved;
  }

  /** Two ranks' tiles at once, within PAIR_WINDOW candidates of their current ones (the buffer's capacity couples them). */
  private pairMoves(): boolean {
    const { V, nc, tiles, order, cT, cO } = this;
    let moved = false;
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
            moved = this.tryMove(this.cb) || moved;
          }
    return moved;
  }

  /** Every other binding. */
  private bindingMoves(): boolean {
    let moved = false;
    for (let nb = 0; nb < this.binds.length; nb++) {
      if (nb === this.cb) continue;
      this.tiles.set(this.cT);
      this.order.set(this.cO);
      moved = this.tryMove(nb) || moved;
    }
    return moved;
  }

  /** The loop order: swap two loops, or move one loop to another position. */
  private orderMoves(): boolean {
    const { V, tiles, order, cT, cO } = this;
    let moved = false;
    for (let i = 0; i < V; i++)
      for (let j = 0; j < V; j++) {
        if (i === j) continue;
        tiles.set(cT);
        if (i < j) {
          order.set(cO);
          const x = order[i]!;
          order[i] = order[j]!;
          order[j] = x;
          moved = this.tryMove(this.cb) || moved;
        }
        if (Math.abs(i - j) > 1) {
          // move the loop at i to position j
          order.set(cO);
          const x = order[i]!;
          if (i < j) order.copyWithin(i, i + 1, j + 1);
          else order.copyWithin(j + 1, j, i);
          order[j] = x;
          tiles.set(cT);
          moved = this.tryMove(this.cb) || moved;
        }
      }
    return moved;
  }
}
