// The analytical cost of one einsum under one mapping, Timeloop-style but two-level: the global
// buffer (GLB) holds one tile per tensor (double-buffered), the loops above it run in `order`, and
// the array below it binds up to two variables to its rows and columns (one to the lanes of a 1D
// array). Plain number math over typed arrays, no allocation per evaluation: it runs in the search.
import type { HwModel, UnitModel } from './hardware';
import { cyclesPerPoint, energyPerPoint, type EinsumWorkload } from './workload';
import type { Objective } from './mapping';

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
  private readonly tile: Float64Array;
  private readonly nT: Float64Array;
  private readonly sp: Float64Array;
  private readonly dramLvl;
  private readonly glbLvl;
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
  bound: 'compute' | 'dram' | 'glb' = 'compute';

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
    this.glbLvl = hw.levels[hw.glb]!;
    this.dramLvl = hw.levels[hw.dram]!;
    this.placement = tensorPlacement(w, hw);
    let rm = 0;
    for (const r of w.reduced) rm |= 1 << w.vars.indexOf(r);
    this.reducedMask = rm;
    this.tile = new Float64Array(V);
    this.nT = new Float64Array(V);
    this.sp = new Float64Array(V);
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
    for (let v = 0; v < V; v++) {
      const t = this.cands[v]![tileIdx[v]!]!;
      tile[v] = t;
      const n = Math.ceil(sizes[v]! / t);
      nT[v] = n;
      let s = 1;
      if (v === rowVar) s = Math.min(unit.rows, t);
      else if (v === colVar) s = Math.min(unit.cols, t);
      sp[v] = s;
      const last = sizes[v]! - (n - 1) * t;
      const vSteps = (n - 1) * Math.ceil(t / s) + Math.ceil(last / s);
      steps *= vSteps;
      if (v === rowVar) rowSteps = vSteps;
      else if (v === colVar) colSteps = vSteps;
      else tempTiles *= n;
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
      // folds sum to the row rank's size once per col fold and streamed tile (likewise c_f).
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
    if (foot > this.glbLvl.capacityBytes) return Infinity;
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
      // loads into the array: multicast over spatial variables that do not index the tensor
      let share = 1;
      for (let v = 0; v < V; v++) if (!(m & (1 << v))) share *= sp[v]!;
      let notIdx = 1;
      for (let v = 0; v < V; v++) if (!(m & (1 << v))) notIdx *= nT[v]!;
      if (this.isWrite[k]) {
        if (this.placement[k] === PLACE_DRAM) {
          dW += size * refetch;
          dR += size * (refetch - 1);
        }
        let redTiles = 1;
        for (let v = 0; v < V; v++) if (this.reducedMask & (1 << v)) redTiles *= nT[v]!;
        gW += size * redTiles;
        gR += size * (redTiles - 1);
      } else {
        if (this.placement[k] === PLACE_DRAM) dR += size * refetch;
        gR += k === stationary ? size * notIdx : (points / share) * this.bytes[k]!;
      }
    }
    // what DRAM delivers is written into the GLB, and what it receives is read out of it
    gW += dR;
    gR += dW;
    const glbCycles = (gR + gW) / this.glbLvl.bytesPerCycle;
    // nothing hides the first tiles' DRAM reads or the last output tile's write
    let firstReadBytes = 0;
    let lastWriteBytes = 0;
    let glbSteps = 1;
    for (let v = 0; v < V; v++) glbSteps *= nT[v]!;
    for (let k = 0; k < this.T; k++) {
      if (this.placement[k] !== PLACE_DRAM) continue;
      const m = this.masks[k]!;
      let f = this.bytes[k]!;
      for (let v = 0; v < V; v++) if (m & (1 << v)) f *= this.isWrite[k] ? sizes[v]! - (nT[v]! - 1) * tile[v]! : tile[v]!;
      if (this.isWrite[k]) lastWriteBytes += f;
      else firstReadBytes += f;
    }
    const bw = this.dramLvl.bytesPerCycle;
    let latency = compute + fill + (firstReadBytes + lastWriteBytes) / bw;
    // DRAM-bound: the transfers, then the last GLB step's compute (and the array's drain) after its
    // tiles arrive, then its output's write
    const lastStep = pipelinedFolds ? compute / glbSteps + unit.rows + lastColsUsed - 2 : (compute + fill) / glbSteps;
    const dramCycles = Math.max((dR + dW) / bw, dR / bw + lastStep + lastWriteBytes / bw);
    let bound: 'compute' | 'dram' | 'glb' = 'compute';
    if (dramCycles > latency) {
      latency = dramCycles;
      bound = 'dram';
    }
    if (glbCycles > latency) {
      latency = glbCycles;
      bound = 'glb';
    }
    latency = Math.ceil(latency);
    const energy =
      points * this.epp +
      dR * this.dramLvl.readPjPerByte +
      dW * this.dramLvl.writePjPerByte +
      gR * this.glbLvl.readPjPerByte +
      gW * this.glbLvl.writePjPerByte +
      unit.leakPjPerPeCycle * unit.pes * latency;
    this.latency = latency;
    this.compute = compute + fill;
    this.dramRead = dR;
    this.dramWrite = dW;
    this.glbRead = gR;
    this.glbWrite = gW;
    this.energy = energy;
    this.footprint = foot;
    this.spatialUtil = Math.min(1, this.w.points / (steps * unit.pes));
    this.bound = bound;
    return objective === 'latency' ? latency + energy * 1e-18 : objective === 'energy' ? energy + latency * 1e-12 : latency * energy;
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
  const glb = hw.levels[hw.glb]!;
  const n = w.tensors.length;
  const size = w.tensors.map((t) => Math.min(t.elements, maskProduct(t.mask, w.sizes)) * t.bytesPerElement);
  const out = new Uint8Array(n);
  let budget = glb.capacityBytes / 2;
  const order = w.tensors.map((_, k) => k).sort((a, b) => size[a]! - size[b]!);
  for (const k of order) {
    const t = w.tensors[k]!;
    const activation = hw.activationsOnChip && t.role !== 'weight';
    const eligible = activation || (t.role === 'intermediate' && size[k]! * 4 <= glb.capacityBytes);
    if (eligible && size[k]! <= budget) {
      out[k] = PLACE_GLB;
      budget -= size[k]!;
    } else if (activation) out[k] = PLACE_HOST;
  }
  return out;
}

function maskProduct(mask: number, sizes: readonly number[]): number {
  let p = 1;
  for (let v = 0; v < sizes.length; v++) if (mask & (1 << v)) p *= sizes[v]!;
  return p;
}
