// The analytical cost of one einsum under one mapping, Timeloop-style but two-level: the global
// buffer (GLB) holds one tile per tensor (double-buffered), the loops above it run in `order`, and
// the array below it binds up to two variables to its rows and columns (one to the lanes of a 1D
// array). Plain number math over typed arrays, no allocation per evaluation: it runs in the search.
import { levelHolds, type HwModel, type LevelModel, type UnitModel } from './hardware';
import { cyclesPerPoint, energyPerPoint, type EinsumWorkload } from './workload';
import type { LevelTraffic, Objective } from './mapping';

/** Tile sizes the search considers for a rank of size n: powers of two, multiples of the array sides, n. */
export function tileCandidates(n: number, unit: UnitModel): number[] {
  const out = new Set<number>();
  for (let t = 1; t < n; t *= 2) out.add(t);
  for (const d of [unit.rows, unit.cols]) if (d > 1) for (let k = 1; k * d < n && k <= 64; k *= 2) out.add(k * d);
  out.add(n);
  return [...out].sort((a, b) => a - b);
}

export class EinsumCostModel {
  readonly V: number;
  readonly sizes: Float64Array;
  readonly cands: number[][];
  readonly cpp: number;
  private readonly epp: number;
  private readonly T: number;
  private readonly masks: Int32Array;
  private readonly bytes: Float64Array;
  private readonly elems: Float64Array;
  private readonly isWrite: Uint8Array;
  /** per tensor, where it lives (PLACE_DRAM, PLACE_GLB, PLACE_HOST): tensorPlacement */
  readonly placement: Uint8Array;
  private readonly reducedMask: number;
  /**
   * Per (variable, tile candidate), at candOff[v] + candidate: the tile, its tile count, and the
   * array steps it takes bound to nothing, to the rows (with the spatial extent used) and to the
   * columns. Fixed by the einsum and the unit, so evaluate() divides nothing (its divisions were
   * most of its time).
   */
  private readonly candOff: Int32Array;
  private readonly candTile: Float64Array;
  private readonly candCount: Float64Array;
  private readonly candSteps: Float64Array;
  private readonly rowSpan: Float64Array;
  private readonly rowSteps: Float64Array;
  private readonly colSpan: Float64Array;
  private readonly colSteps: Float64Array;
  private readonly tile: Float64Array;
  private readonly nT: Float64Array;
  private readonly sp: Float64Array;
  private readonly levels: LevelModel[];
  private readonly glbIdx: number;
  /** the GLB's capacity over all its instances (SN40L: 1040 PMUs) and its instance count */
  private readonly glbCap: number;
  private readonly glbInst: number;
  /** off-chip levels a tensor of this einsum lives in */
  private readonly offIdx: number[];
  /** inner levels (below the GLB): level indices, per-instance capacities, whether they fan out */
  private readonly nIn: number;
  private readonly innerIdx: number[];
  private readonly inCap: Float64Array;
  private readonly inFan: Uint8Array;
  private readonly instUsed: Float64Array;
  /** per tensor, the off-chip level it lives in (-1: on chip or from the host) */
  readonly home: Int16Array;
  /** latency of the fill path (off chip, GLB, inner levels), paid once before the first tile */
  private readonly pathLatency: number;
  // scratch of the inner levels: tile, last tile and tile count per variable; the loop nest
  private readonly u: Float64Array;
  private readonly par: Float64Array;
  private readonly uLast: Float64Array;
  private readonly uCnt: Float64Array;
  private readonly loopVar: Int32Array;
  private readonly loopTrips: Float64Array;
  private readonly loopSpatial: Uint8Array;
  /** per level (indexed like hw.levels), bytes read, written and filled by the last evaluate() */
  readonly lvlR: Float64Array;
  readonly lvlW: Float64Array;
  readonly lvlF: Float64Array;
  private readonly lvlFirst: Float64Array;
  private lastWriteLvl = -1;
  // results of the last evaluate()
  latency = 0;
  compute = 0;
  dramRead = 0;
  dramWrite = 0;
  glbRead = 0;
  glbWrite = 0;
  energy = 0;
  spatialUtil = 0;
  footprint = 0;
  /** what sets the latency: compute, an off-chip level, the GLB or an inner level (boundLevel) */
  bound: 'compute' | 'dram' | 'glb' | 'inner' = 'compute';
  /** index into hw.levels of the bounding level, -1 when compute-bound */
  boundLevel = -1;

  constructor(
    readonly w: EinsumWorkload,
    readonly unit: UnitModel,
    readonly hw: HwModel,
  ) {
    const V = w.vars.length;
    this.V = V;
    this.sizes = Float64Array.from(w.sizes);
    this.cands = w.sizes.map((n) => tileCandidates(n, unit));
    this.cpp = cyclesPerPoint(w, unit);
    this.epp = energyPerPoint(w, unit);
    this.T = w.tensors.length;
    this.masks = Int32Array.from(w.tensors.map((t) => t.mask));
    this.bytes = Float64Array.from(w.tensors.map((t) => t.bytesPerElement));
    // the part of the tensor this einsum touches (a slice when other dims are fixed by constants)
    this.elems = Float64Array.from(w.tensors.map((t) => Math.min(t.elements, maskProduct(t.mask, w.sizes))));
    this.isWrite = Uint8Array.from(w.tensors.map((t) => (t.write ? 1 : 0)));
    const placed = placeTensors(w, hw);
    this.placement = placed.place;
    this.home = placed.home;
    this.levels = hw.levels;
    this.glbIdx = hw.glb;
    const glb = hw.levels[hw.glb]!;
    this.glbInst = glb.instances;
    this.glbCap = glb.capacityBytes * glb.instances;
    this.offIdx = hw.offChip.filter((l) => this.home.includes(l));
    if (this.offIdx.length === 0) this.offIdx = [hw.dram];
    this.innerIdx = hw.inner;
    this.nIn = hw.inner.length;
    const inner = hw.inner.map((l) => hw.levels[l]!);
    // a level with one copy per instance of the unit (a shared memory per SM) holds a per-instance
    // tile; other multi-instance levels act as one level of their total capacity
    this.inFan = Uint8Array.from(inner.map((l) => (l.instances > 1 && unit.kind === '1d' && unit.cols === l.instances ? 1 : 0)));
    this.inCap = Float64Array.from(inner.map((l, j) => l.capacityBytes * (this.inFan[j] ? 1 : l.instances)));
    this.instUsed = new Float64Array(this.nIn);
    let offLat = 0;
    for (const l of this.offIdx) offLat = Math.max(offLat, hw.levels[l]!.latencyCycles);
    this.pathLatency = offLat + glb.latencyCycles + inner.reduce((a, l) => a + l.latencyCycles, 0);
    this.u = new Float64Array(V);
    this.par = new Float64Array(V);
    this.uLast = new Float64Array(V);
    this.uCnt = new Float64Array(V);
    this.loopVar = new Int32Array((this.nIn + 1) * V + 1);
    this.loopTrips = new Float64Array((this.nIn + 1) * V + 1);
    this.loopSpatial = new Uint8Array((this.nIn + 1) * V + 1);
    const nl = hw.levels.length;
    this.lvlR = new Float64Array(nl);
    this.lvlW = new Float64Array(nl);
    this.lvlF = new Float64Array(nl);
    this.lvlFirst = new Float64Array(nl);
    let rm = 0;
    for (const r of w.reduced) rm |= 1 << w.vars.indexOf(r);
    this.reducedMask = rm;
    this.tile = new Float64Array(V);
    this.nT = new Float64Array(V);
    this.sp = new Float64Array(V);
    this.candOff = new Int32Array(V + 1);
    for (let v = 0; v < V; v++) this.candOff[v + 1] = this.candOff[v]! + this.cands[v]!.length;
    const nc = this.candOff[V]!;
    [this.candTile, this.candCount, this.candSteps, this.rowSpan, this.rowSteps, this.colSpan, this.colSteps] = Array.from({ length: 7 }, () => new Float64Array(nc));
    for (let v = 0; v < V; v++)
      for (let i = 0; i < this.cands[v]!.length; i++) {
        const o = this.candOff[v]! + i;
        const t = this.cands[v]![i]!;
        const n = Math.ceil(this.sizes[v]! / t);
        const last = this.sizes[v]! - (n - 1) * t;
        // steps over the rank's tiles when s of each tile's points run at once
        const steps = (s: number) => (n - 1) * Math.ceil(t / s) + Math.ceil(last / s);
        this.candTile[o] = t;
        this.candCount[o] = n;
        this.candSteps[o] = steps(1);
        this.rowSpan[o] = Math.min(unit.rows, t);
        this.rowSteps[o] = steps(this.rowSpan[o]!);
        this.colSpan[o] = Math.min(unit.cols, t);
        this.colSteps[o] = steps(this.colSpan[o]!);
      }
  }

  /**
   * rowVar/colVar: variable indices bound to the array's rows/cols (lanes for 1D: rowVar), -1 for none.
   * tileIdx: index into cands per variable. order: variable indices, outermost first.
   * Returns the objective value, or Infinity when the mapping is invalid or pruned by `bestSoFar`.
   */
  evaluate(rowVar: number, colVar: number, tileIdx: ArrayLike<number>, order: ArrayLike<number>, objective: Objective, bestSoFar = Infinity): number {
    const { V, sizes, unit, tile, nT, sp } = this;
    if (!Number.isFinite(this.cpp)) return Infinity;
    if (rowVar >= 0 && rowVar === colVar) return Infinity;
    if (unit.cols === 1 && colVar >= 0) return Infinity;
    let steps = 1;
    let rowSteps = 1;
    let colSteps = 1;
    let tempTiles = 1;
    // the tensor held in the PEs (indexed by both spatial variables, the output first): every value
    // of a temporal variable it is indexed by (a head rank of the weights) is a fold of its own
    const statMask = unit.kind === '2d' && rowVar >= 0 && colVar >= 0 ? this.stationaryMask(rowVar, colVar) : 0;
    for (let v = 0; v < V; v++) {
      const o = this.candOff[v]! + tileIdx[v]!;
      tile[v] = this.candTile[o]!;
      const n = this.candCount[o]!;
      nT[v] = n;
      let s = 1;
      let vSteps = this.candSteps[o]!;
      if (v === rowVar) {
        s = this.rowSpan[o]!;
        vSteps = this.rowSteps[o]!;
      } else if (v === colVar) {
        s = this.colSpan[o]!;
        vSteps = this.colSteps[o]!;
      }
      sp[v] = s;
      steps *= vSteps;
      if (v === rowVar) rowSteps = vSteps;
      else if (v === colVar) colSteps = vSteps;
      else tempTiles *= statMask & (1 << v) ? vSteps : n;
    }
    const stream = steps * this.cpp;
    let compute = stream;
    let pipelinedFolds = false;
    let lastColsUsed = 0;
    let fill = unit.kind === '2d' ? unit.rows + unit.cols - 2 : 0;
    if (unit.kind === '2d' && rowVar >= 0 && colVar >= 0 && this.w.contraction) {
      // a contraction's folds, as the cycle engine runs them (other einsums keep one skew): one per
      // (row fold, col fold, GLB tile of the streamed ranks); fold f streams T_f points, uses r_f
      // rows and c_f columns, and costs T_f + r_f + c_f + R - 2 on its own
      // (load or fill, stream, skew, drain: docs/SIMULATOR.md "Closed forms"). The r_f over all
      // folds sum to the row rank's size once per col fold and streamed tile (likewise c_f). A
      // temporal variable the stationary tensor is indexed by counts in folds, one per value (the
      // PEs hold one of its values at a time), not in the streamed tiles: Q[b,h,e] = X[b,d]·W[d,h,e]
      // with d on the rows and e on the columns runs |h| weight folds per (row fold, col fold).
      const R = unit.rows;
      const folds = rowSteps * colSteps * tempTiles;
      const sumRows = sizes[rowVar]! * colSteps * tempTiles;
      const sumCols = sizes[colVar]! * rowSteps * tempTiles;
      if (unit.regs >= 2 && this.reducedMask & (1 << rowVar)) {
        // a double-buffered stationary operand (TPU v1's weights): the next fold's r_f rows shift in
        // while this fold streams, so folds chain at max(T_f, r_next) each; one load before the
        // first fold, one skew and drain after the last
        const rFirst = Math.min(R, tile[rowVar]!);
        const lastColTile = sizes[colVar]! - (nT[colVar]! - 1) * tile[colVar]!;
        const cLast = lastColTile - (Math.ceil(lastColTile / sp[colVar]!) - 1) * sp[colVar]!;
        compute = Math.max(stream, sumRows - rFirst + stream / folds);
        fill = rFirst + R + cLast - 2;
        pipelinedFolds = true;
        lastColsUsed = cLast;
      } else fill = sumRows + sumCols + folds * (R - 2);
    }
    if (objective === 'latency' && compute + fill >= bestSoFar) return Infinity;
    if (!this.glbTraffic(rowVar, colVar, order)) return Infinity;
    return this.finish(compute, fill, pipelinedFolds, lastColsUsed, steps, objective);
  }

  /** A floor under every mapping's latency on this unit: each PE-cycle streams at most one point
   *  (`cpp` cycles a point), and at most rows x cols PEs work at once. */
  computeFloor(): number {
    let points = 1;
    for (let v = 0; v < this.V; v++) points *= this.sizes[v]!;
    return (points * this.cpp) / (this.unit.rows * this.unit.cols);
  }

  /** bit mask of the variables of the tensor held stationary in the PEs: indexed by both spatial variables (the output first); 0 for none */
  private stationaryMask(rowVar: number, colVar: number): number {
    const both = (1 << rowVar) | (1 << colVar);
    let k0 = -1;
    for (let k = 0; k < this.T; k++) if ((this.masks[k]! & both) === both && (k0 < 0 || this.isWrite[k])) k0 = k;
    return k0 < 0 ? 0 : this.masks[k0]!;
  }

  /**
   * Traffic at every level for the tiles in `tile`/`nT`: the GLB's capacity check, the off-chip
   * fills of the GLB (refetches over the loops above it), the inner levels' tiles and fills, and
   * the array's reads of the innermost level. False when a level cannot hold its tiles.
   */
  private glbTraffic(rowVar: number, colVar: number, order: ArrayLike<number>): boolean {
    const { V, unit, tile, nT, sp, lvlR, lvlW, lvlF } = this;
    // GLB footprint: one tile per tensor, double-buffered; tensors placed in the GLB whole
    let foot = 0;
    for (let k = 0; k < this.T; k++) {
      if (this.placement[k] === PLACE_GLB) {
        foot += this.elems[k]! * this.bytes[k]!;
        continue;
      }
      let f = 1;
      const m = this.masks[k]!;
      for (let v = 0; v < V; v++) if (m & (1 << v)) f *= tile[v]!;
      foot += 2 * f * this.bytes[k]!;
    }
    if (foot > this.glbCap) return false;
    this.footprint = foot;
    for (let l = 0; l < lvlR.length; l++) {
      lvlR[l] = 0;
      lvlW[l] = 0;
      lvlF[l] = 0;
      this.lvlFirst[l] = 0;
    }
    this.lastWriteLvl = -1;
    const cnt = this.uCnt;
    for (let v = 0; v < V; v++) cnt[v] = nT[v]!;
    let fanned = false;
    if (this.nIn > 0) {
      const r = this.innerLevels(rowVar, colVar, order);
      if (r < 0) return false;
      fanned = r === 1;
    }
    // the tensor held stationary in the PEs: indexed by both spatial variables (output first)
    let stationary = -1;
    if (unit.kind === '2d' && rowVar >= 0 && colVar >= 0) {
      const both = (1 << rowVar) | (1 << colVar);
      for (let k = 0; k < this.T; k++) if ((this.masks[k]! & both) === both && (stationary < 0 || this.isWrite[k])) stationary = k;
    }
    let dR = 0;
    let dW = 0;
    let gR = 0;
    let gW = 0;
    const points = this.w.points;
    for (let k = 0; k < this.T; k++) {
      const m = this.masks[k]!;
      const size = this.elems[k]! * this.bytes[k]!;
      // refetches: loops above the innermost loop relevant to this tensor that do not index it
      let refetch = 1;
      let inner = -1;
      // a loop of one trip never changes the tile, so it cannot be the one that brings a new tile
      for (let i = V - 1; i >= 0; i--)
        if (m & (1 << order[i]!) && nT[order[i]!]! > 1) {
          inner = i;
          break;
        }
      for (let i = 0; i <= inner; i++) {
        const v = order[i]!;
        if (!(m & (1 << v))) refetch *= nT[v]!;
      }
      // loads into the array: multicast over spatial variables that do not index the tensor (not
      // across instances of a per-instance level: each SM reads its own shared memory)
      let share = 1;
      for (let v = 0; v < V; v++) if (!(m & (1 << v)) && !(fanned && v === colVar)) share *= sp[v]!;
      let notIdx = 1;
      for (let v = 0; v < V; v++) if (!(m & (1 << v))) notIdx *= cnt[v]!;
      const h = this.home[k]!;
      if (this.isWrite[k]) {
        if (this.placement[k] === PLACE_DRAM) {
          dW += size * refetch;
          dR += size * (refetch - 1);
          lvlW[h] += size * refetch;
          lvlR[h] += size * (refetch - 1);
          this.lastWriteLvl = h;
        }
        let redTiles = 1;
        for (let v = 0; v < V; v++) if (this.reducedMask & (1 << v)) redTiles *= cnt[v]!;
        gW += size * redTiles;
        gR += size * (redTiles - 1);
      } else {
        if (this.placement[k] === PLACE_DRAM) {
          dR += size * refetch;
          lvlR[h] += size * refetch;
        }
        gR += k === stationary ? size * notIdx : (points / share) * this.bytes[k]!;
      }
    }
    // the array's reads and writes hit the innermost level; what DRAM delivers is written into the
    // GLB, and what it receives is read out of it
    if (this.nIn > 0) {
      const last = this.innerIdx[this.nIn - 1]!;
      lvlR[last] += gR;
      lvlW[last] += gW;
      gR = lvlR[this.glbIdx]!;
      gW = lvlW[this.glbIdx]!;
    }
    gW += dR;
    gR += dW;
    lvlR[this.glbIdx] = gR;
    lvlW[this.glbIdx] = gW;
    lvlF[this.glbIdx] = dR;
    this.dramRead = dR;
    this.dramWrite = dW;
    this.glbRead = gR;
    this.glbWrite = gW;
    return true;
  }

  /**
   * The inner levels' tiles (per instance, by rule: the largest that fits, aligned to the spatial
   * binding) and their fills from the level above, counted over the whole loop nest above each
   * level (Timeloop's refetch rule). Leaves in uCnt the number of innermost tiles per variable.
   * Returns -1 when a level cannot hold even unit tiles, 1 when the tiles fanned out over the
   * unit's instances (SMs, PCUs), 0 otherwise.
   */
  private innerLevels(rowVar: number, colVar: number, order: ArrayLike<number>): number {
    const { V, sizes, tile, nT, sp, u, uLast, uCnt, loopVar, loopTrips, loopSpatial, lvlR, lvlW, lvlF } = this;
    for (let v = 0; v < V; v++) {
      u[v] = tile[v]!;
      uLast[v] = sizes[v]! - (nT[v]! - 1) * tile[v]!;
    }
    let L = 0;
    for (let i = 0; i < V; i++) {
      loopVar[L] = order[i]!;
      loopTrips[L] = nT[order[i]!]!;
      loopSpatial[L++] = 0;
    }
    let fanned = 0;
    let parent = this.glbIdx;
    for (let j = 0; j < this.nIn; j++) {
      if (this.inFan[j] && !fanned && colVar >= 0) {
        // the GLB tile of the rank on the instances splits over them: p per instance
        fanned = 1;
        const p = Math.ceil(tile[colVar]! / sp[colVar]!);
        const c = (uCnt[colVar]! - 1) * Math.ceil(u[colVar]! / p) + Math.ceil(uLast[colVar]! / p);
        loopVar[L] = colVar;
        loopTrips[L] = c / uCnt[colVar]!;
        loopSpatial[L++] = 1;
        uLast[colVar] = uLast[colVar]! - (Math.ceil(uLast[colVar]! / p) - 1) * p;
        u[colVar] = p;
        uCnt[colVar] = c;
        this.instUsed[j] = Math.ceil(tile[colVar]! / p);
      } else this.instUsed[j] = this.inFan[j] ? (fanned ? this.instUsed[j - 1]! : 1) : 1;
      for (let v = 0; v < V; v++) this.par[v] = u[v]!;
      if (!this.shrinkToFit(j, rowVar, fanned ? -1 : colVar, order)) return -1;
      for (let i = 0; i < V; i++) {
        const v = order[i]!;
        const c = (uCnt[v]! - 1) * Math.ceil(this.par[v]! / u[v]!) + Math.ceil(uLast[v]! / u[v]!);
        loopVar[L] = v;
        loopTrips[L] = c / uCnt[v]!;
        loopSpatial[L++] = 0;
        uLast[v] = uLast[v]! - (Math.ceil(uLast[v]! / u[v]!) - 1) * u[v]!;
        uCnt[v] = c;
      }
      const lvl = this.innerIdx[j]!;
      for (let k = 0; k < this.T; k++) {
        const size = this.elems[k]! * this.bytes[k]!;
        const f = size * this.refetchAt(this.masks[k]!, L);
        if (this.isWrite[k]) {
          // written back to the level above each time the output tile changes; partial sums read back
          lvlR[lvl] += f;
          lvlW[parent] += f;
          lvlR[parent] += f - size;
          lvlW[lvl] += f - size;
          lvlF[lvl] += f - size;
        } else {
          lvlR[parent] += f;
          lvlW[lvl] += f;
          lvlF[lvl] += f;
        }
      }
      parent = lvl;
    }
    return fanned;
  }

  /** Times a tile is (re)filled over the first L loops: irrelevant loops above the innermost relevant one; instances always. */
  private refetchAt(m: number, L: number): number {
    const { loopVar, loopTrips, loopSpatial } = this;
    let r = -1;
    for (let i = L - 1; i >= 0; i--)
      if (m & (1 << loopVar[i]!) && loopTrips[i]! > 1) {
        r = i;
        break;
      }
    let f = 1;
    for (let i = 0; i < L; i++) if (!(m & (1 << loopVar[i]!)) && (i <= r || loopSpatial[i])) f *= loopTrips[i]!;
    return f;
  }

  /**
   * The tile rule of an inner level: start from the parent's tile (per instance) and shrink until
   * every tensor's tile fits twice (double-buffered), the innermost loop's rank first: the traffic
   * into this level never depends on the innermost loop's tile (each tensor it indexes is reused
   * below it, the others above it), so shrinking it first keeps the level's fills lowest. Each rank
   * is halved down to its array side first (a rank on the rows keeps a multiple of them: aligned to
   * the spatial binding), then, if still too large, every rank down to 1 in the same order.
   */
  private shrinkToFit(j: number, rowVar: number, colVar: number, order: ArrayLike<number>): boolean {
    const { V, u } = this;
    const cap = this.inCap[j]!;
    for (let pass = 0; pass < 2; pass++)
      for (let i = V - 1; i >= 0; i--) {
        const v = order[i]!;
        const side = v === rowVar ? this.unit.rows : v === colVar ? this.unit.cols : 1;
        const floor = pass === 0 ? Math.min(side, u[v]!) : 1;
        while (this.innerFootprint() > cap) {
          if (u[v]! <= floor) break;
          let h = Math.ceil(u[v]! / 2);
          if (side > 1 && u[v]! > side) h = Math.max(side, Math.ceil(h / side) * side);
          u[v] = Math.max(floor, h);
        }
        if (this.innerFootprint() <= cap) return true;
      }
    return false;
  }

  /** bytes of one tile per tensor at the tiles in `u`, double-buffered */
  private innerFootprint(): number {
    const { V, u } = this;
    let foot = 0;
    for (let k = 0; k < this.T; k++) {
      let f = 2 * this.bytes[k]!;
      const m = this.masks[k]!;
      for (let v = 0; v < V; v++) if (m & (1 << v)) f *= u[v]!;
      foot += f;
    }
    return foot;
  }

  /** latency (the slowest of compute and every level's transfers) and energy, from the traffic */
  private finish(compute: number, fill: number, pipelinedFolds: boolean, lastColsUsed: number, steps: number, objective: Objective): number {
    const { V, sizes, unit, tile, nT, lvlR, lvlW, lvlFirst, levels } = this;
    // nothing hides the first tiles' DRAM reads or the last output tile's write
    let lastWriteBytes = 0;
    let glbSteps = 1;
    for (let v = 0; v < V; v++) glbSteps *= nT[v]!;
    for (let k = 0; k < this.T; k++) {
      if (this.placement[k] !== PLACE_DRAM) continue;
      const m = this.masks[k]!;
      let f = this.bytes[k]!;
      for (let v = 0; v < V; v++) if (m & (1 << v)) f *= this.isWrite[k] ? sizes[v]! - (nT[v]! - 1) * tile[v]! : tile[v]!;
      if (this.isWrite[k]) lastWriteBytes += f;
      lvlFirst[this.home[k]!] += f;
    }
    let latency = compute + fill + this.pathLatency;
    // DRAM-bound: the transfers, then the last GLB step's compute (and the array's drain) after its
    // tiles arrive, then its output's write
    const lastStep = pipelinedFolds ? compute / glbSteps + unit.rows + lastColsUsed - 2 : (compute + fill) / glbSteps;
    let bound = -1;
    let dramCycles = 0;
    for (let o = 0; o < this.offIdx.length; o++) {
      const l = this.offIdx[o]!;
      const bw = levels[l]!.bytesPerCycle;
      latency += lvlFirst[l]! / bw;
      const lastW = l === this.lastWriteLvl ? lastWriteBytes / bw : 0;
      const c = Math.max((lvlR[l]! + lvlW[l]!) / bw, lvlR[l]! / bw + lastStep + lastW);
      if (c > dramCycles) {
        dramCycles = c;
        bound = l;
      }
    }
    if (dramCycles <= latency) bound = -1;
    else latency = dramCycles;
    for (let j = -1; j < this.nIn; j++) {
      const l = j < 0 ? this.glbIdx : this.innerIdx[j]!;
      const c = (lvlR[l]! + lvlW[l]!) / (levels[l]!.bytesPerCycle * (j < 0 ? this.glbInst : this.instUsed[j]! * (this.inFan[j] ? 1 : levels[l]!.instances)));
      if (c > latency) {
        latency = c;
        bound = l;
      }
    }
    latency = Math.ceil(latency);
    let energy = this.w.points * this.epp;
    for (let l = 0; l < levels.length; l++) {
      energy += lvlR[l]! * levels[l]!.readPjPerByte;
      energy += lvlW[l]! * levels[l]!.writePjPerByte;
    }
    energy += unit.leakPjPerPeCycle * unit.pes * latency;
    this.latency = latency;
    this.compute = compute + fill;
    this.energy = energy;
    this.spatialUtil = Math.min(1, this.w.points / (steps * unit.pes));
    this.boundLevel = bound;
    this.bound = bound < 0 ? 'compute' : levels[bound]!.onChip ? (bound === this.glbIdx ? 'glb' : 'inner') : 'dram';
    return objective === 'latency' ? latency + energy * 1e-18 : objective === 'energy' ? energy + latency * 1e-12 : latency * energy;
  }

  /** 'compute' or the name of the level whose bandwidth sets the latency of the last evaluate() */
  boundName(): string {
    return this.boundLevel < 0 ? 'compute' : this.levels[this.boundLevel]!.name;
  }

  /** cycles of transfers at the bounding level of the last evaluate() (0 when compute-bound) */
  boundCycles(): number {
    const l = this.boundLevel;
    if (l < 0) return 0;
    const j = this.innerIdx.indexOf(l);
    const inst = l === this.glbIdx ? this.glbInst : j >= 0 ? this.instUsed[j]! * (this.inFan[j] ? 1 : this.levels[l]!.instances) : 1;
    return (this.lvlR[l]! + this.lvlW[l]!) / (this.levels[l]!.bytesPerCycle * inst);
  }

  /** traffic of the last evaluate() at every level the einsum touches (by level name), outermost first */
  levelTraffic(): Record<string, LevelTraffic> {
    const out: Record<string, LevelTraffic> = {};
    for (let l = 0; l < this.levels.length; l++) {
      const touched = this.lvlR[l]! > 0 || this.lvlW[l]! > 0 || l === this.glbIdx || l === this.hw.dram;
      if (!touched || this.levels[l]!.tier === 'aside') continue;
      const t: LevelTraffic = { readBytes: this.lvlR[l]!, writeBytes: this.lvlW[l]! };
      if (this.levels[l]!.onChip) t.fillBytes = this.lvlF[l]!;
      out[this.levels[l]!.name] = t;
    }
    return out;
  }
}

/** the tensor lives off chip and its tiles are filled from there */
export const PLACE_DRAM = 0;
/** the whole tensor stays in the GLB for the einsum (never crosses the off-chip interface) */
export const PLACE_GLB = 1;
/**
 * an activation on a target whose off-chip memory holds only weights, too large to stay whole in
 * the GLB: its tiles pass through the GLB, put there by the host (TPU v1: over PCIe), not by DRAM
 */
export const PLACE_HOST = 2;

/**
 * Where each tensor of an einsum lives: the one placement rule of both fidelities
 * (docs/MAPPER.md, "Where tensors live"). Off chip by default. An intermediate of at most a quarter
 * of the GLB stays whole in it. On a target whose off-chip level says `holds = [weights]` (TPU v1's
 * DDR3), every tensor that is not a weight (inputs, kvcache, intermediates, outputs: activations)
 * is kept off that level: whole in the GLB when it fits (smallest first, up to half of it), else
 * streamed through it by the host.
 */
export function tensorPlacement(w: EinsumWorkload, hw: HwModel): Uint8Array {
  return placeTensors(w, hw).place;
}

/**
 * tensorPlacement, plus the off-chip level each off-chip tensor lives in (`home`, -1 for the others):
 * the outermost off-chip level holds everything it admits, unless the tensor fits an inner off-chip
 * level whose `holds` admits it (SN40L: HBM holds what fits of its 64 GiB, DDR the rest); tensors
 * are placed smallest first, each inner level filling up to its capacity.
 */
export function placeTensors(w: EinsumWorkload, hw: HwModel): { place: Uint8Array; home: Int16Array } {
  const glb = hw.levels[hw.glb]!;
  const glbCap = glb.capacityBytes * glb.instances;
  const n = w.tensors.length;
  const size = w.tensors.map((t) => Math.min(t.elements, maskProduct(t.mask, w.sizes)) * t.bytesPerElement);
  const out = new Uint8Array(n);
  const home = new Int16Array(n).fill(-1);
  const room = hw.levels.map((l) => l.offChipBytes);
  const outer = hw.offChip[0]!;
  let budget = glbCap / 2;
  const order = w.tensors.map((_, k) => k).sort((a, b) => size[a]! - size[b]!);
  for (const k of order) {
    const t = w.tensors[k]!;
    const activation = !hw.offChip.some((l) => levelHolds(hw.levels[l]!, t.role));
    const eligible = activation || (t.role === 'intermediate' && size[k]! * 4 <= glbCap);
    if (eligible && size[k]! <= budget) {
      out[k] = PLACE_GLB;
      budget -= size[k]!;
    } else if (activation) out[k] = PLACE_HOST;
    else {
      // innermost first: an inner off-chip level that names the role in `holds` and has room
      for (let i = hw.offChip.length - 1; i > 0 && home[k]! < 0; i--) {
        const l = hw.offChip[i]!;
        if (hw.levels[l]!.holds && levelHolds(hw.levels[l]!, t.role) && size[k]! <= room[l]!) {
          home[k] = l;
          room[l]! -= size[k]!;
        }
      }
      if (home[k]! < 0) home[k] = levelHolds(hw.levels[outer]!, t.role) ? outer : hw.offChip.find((l) => levelHolds(hw.levels[l]!, t.role))!;
    }
  }
  return { place: out, home };
}

function maskProduct(mask: number, sizes: readonly number[]): number {
  let p = 1;
  for (let v = 0; v < sizes.length; v++) if (mask & (1 << v)) p *= sizes[v]!;
  return p;
}
