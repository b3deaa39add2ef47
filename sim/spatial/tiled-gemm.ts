// A GEMM run the way the mapper laid it out: the loop nest over global-buffer (GLB) tiles in the
// mapping's order, each tile's sub-GEMM folded onto the 2D array, operands filled from one DRAM
// channel into double-buffered GLB halves. It is what `tessera run --fidelity cycle` simulates for a
// mapped contraction on the systolic targets (targets/spatial-cycle.ts); docs/SIMULATOR.md,
// "Mapped GEMMs", derives its closed form.
//   - A tensor's tile is fetched when its tile coordinates change from one GLB step to the next
//     (a GLB tile is kept while the loops that do not index the tensor turn); the output tile is
//     written when the next step leaves it, and read back when a later step returns to it.
//   - Tensors placed off DRAM (compiler/map tensorPlacement: a resident intermediate, or an
//     activation on a target whose DRAM holds only weights) never touch the channel.
//   - Every tensor is double-buffered in the GLB on its own: the tile of its next run (a run is a
//     stretch of steps on one tile) comes in while the current run computes, into the half the
//     previous run used, spread over the current run's steps; step i starts at max(end of step i−1, arrival of its tiles); the
//     difference is a stall. Reads and writes share the channel in issue order (writes first).
//   - Folds: one per (row fold, col fold) of the step's tile, T = the streamed tile extent. On its
//     own a fold costs T + r + c + R − 2 (folds.ts). A pipelined array (a double-buffered
//     stationary operand, ws/is) shifts the next fold's r rows in while the current fold streams:
//     folds chain at max(T, r_next), after one load of the first fold's rows, and the last fold
//     adds the skew and drain R + c − 2.
// One pass over the GLB steps with O(1) state (a tensor's runs all have the same length: the
// product of the trip counts inside its innermost indexing loop), no allocation per step. Above
// `collapseAbove` steps, runs of identical steps are not stepped one by one: at each loop level the
// engine compares its state relative to the current time (channel backlog, pending tile arrivals,
// last write) at the start of interior iterations (those that are neither first nor among the last
// two, so their tiles are whole and their inputs identical); once it repeats with period q, every
// later period is the same shifted in time, and the engine advances over all of them at once.
// This is exact: the same cycles, stalls and bytes as stepping (test/sim/systolic-collapse.test.ts),
// and the work grows with the loop levels, not with the steps or cycles.
import type { TraceWriter } from '../core/trace';

export type GemmRole = 'row' | 'col' | 'time';

export interface TiledGemmConfig {
  rows: number;
  cols: number;
  pipelined: boolean;
  /** extents and GLB tiles of the three loop variables, indexed 0..2 */
  sizes: [number, number, number];
  tiles: [number, number, number];
  /** which variable is on the array's rows, which on its columns (the third streams in time) */
  rowVar: number;
  colVar: number;
  /** loop order above the GLB, outermost first (a permutation of 0..2) */
  order: [number, number, number];
  /** operands and output: the variables each indexes (bit mask over 0..2), bytes per element, off DRAM? */
  tensors: { mask: number; bytes: number; write: boolean; offDram: boolean }[];
  dramBytesPerCycle: number;
  dramLatencyCycles: number;
  /** MACs per PE per cycle for the operands' dtype pair (the unit's `rate_<w>_<a>`, default 1): a
   *  fold streams its T points in ⌈T / rate⌉ cycles */
  rate?: number;
}

export interface TiledGemmRun {
  totalCycles: number;
  computeCycles: number;
  stallCycles: number;
  steps: number;
  folds: number;
  dramReadBytes: number;
  dramWriteBytes: number;
  macs: number;
  /** GLB steps the engine stepped through one by one (the rest were advanced over as repeats) */
  simulatedSteps: number;
}

export interface TiledGemmOptions {
  trace?: TraceWriter;
  traceName?: string;
  traceOffsetCycles?: number;
  /** collapse repeated steps when the nest has more steps than this (default 4096); a trace steps through all */
  collapseAbove?: number;
}

/** Default: nests of more GLB steps than this are collapsed (the figures do not depend on it). */
export const COLLAPSE_ABOVE_STEPS = 4096;
/** Longest period of the engine's relative state that the collapse looks for, per loop level. */
const MAX_PERIOD = 8;

export function simulateTiledGemm(cfg: TiledGemmConfig, opts: TiledGemmOptions = {}): TiledGemmRun {
  if (!(cfg.dramBytesPerCycle > 0)) throw new Error('DRAM: bandwidth must be positive');
  return new TiledGemmEngine(cfg, opts).run();
}

/**
 * The engine's state. Absolute times: S_END (end of the last step), S_FREE (the channel is free
 * from), S_LASTW (last write committed), then per DRAM tensor its pending arrival (the chunks of its
 * next run issued so far) and its current run's arrival. Counters beside.
 */
const S_END = 0;
const S_FREE = 1;
const S_LASTW = 2;
const S_PEND = 3;

/** The nest's shape: trip counts, the DRAM tensors and their runs, and the cycles of each kind of step. */
class TiledGemmEngine {
  private readonly R: number;
  /** GLB tiles per variable, trip counts by loop position (0 outermost), steps one iteration of each position spans */
  private readonly n: number[];
  private readonly N: number[];
  private readonly span: number[];
  private readonly steps: number;
  private readonly timeVar: number;
  private readonly lat: number;
  private readonly D: number;
  private readonly mask: Int32Array;
  private readonly isW: Uint8Array;
  private readonly elBytes: Float64Array;
  /** a tensor's run: the steps inside its innermost loop (with more than one trip) that indexes it */
  private readonly runLen: Float64Array;
  private readonly runs: Float64Array;
  private readonly out: number;
  private readonly stepCycles = new Float64Array(8);
  private readonly stepFolds = new Float64Array(8);
  private readonly lastColsUsed: number;
  private readonly coord = new Int32Array(3);
  private readonly rc = new Int32Array(3);
  private readonly nc = new Int32Array(3);
  private readonly trace?: TraceWriter;
  private readonly tName: string;
  private readonly tOff: number;
  private readonly collapse: boolean;
  private readonly S_CUR: number;
  private readonly NABS: number;
  private readonly st: Float64Array;
  /** bytes issued per step of the current run, for the next run */
  private readonly chunk: Float64Array;
  private stall = 0;
  private computeCycles = 0;
  private dramRead = 0;
  private dramWrite = 0;
  private folds = 0;
  private simulated = 0;
  // snapshots at the start of interior iterations, per loop level (see `interior`)
  private readonly W: number;
  private readonly hist: Float64Array[];
  private readonly histN = new Int32Array(3);

  constructor(
    private readonly cfg: TiledGemmConfig,
    opts: TiledGemmOptions,
  ) {
    const { sizes, tiles, order } = cfg;
    this.R = cfg.rows;
    this.n = [0, 1, 2].map((v) => Math.ceil(sizes[v]! / tiles[v]!));
    this.steps = this.n[0]! * this.n[1]! * this.n[2]!;
    this.timeVar = 3 - cfg.rowVar - cfg.colVar;
    this.lat = cfg.dramLatencyCycles;
    this.N = [this.n[order[0]]!, this.n[order[1]]!, this.n[order[2]]!];
    this.span = [this.N[1]! * this.N[2]!, this.N[2]!, 1];
    // the tensors on the DRAM channel, in the order their requests are issued
    const dramT = cfg.tensors.filter((t) => !t.offDram);
    this.D = dramT.length;
    this.mask = Int32Array.from(dramT, (t) => t.mask);
    this.isW = Uint8Array.from(dramT, (t) => (t.write ? 1 : 0));
    this.elBytes = Float64Array.from(dramT, (t) => t.bytes);
    this.runLen = new Float64Array(this.D);
    this.runs = new Float64Array(this.D);
    for (let d = 0; d < this.D; d++) {
      let inner = -1;
      for (let p = 2; p >= 0; p--)
        if (this.mask[d]! & (1 << order[p]!) && this.N[p]! > 1) {
          inner = p;
          break;
        }
      this.runLen[d] = inner < 0 ? this.steps : this.span[inner]!;
      this.runs[d] = this.steps / this.runLen[d]!;
    }
    this.out = dramT.findIndex((t) => t.write);
    this.stepKinds();
    this.lastColsUsed = lastCols(cfg, this.n);
    if (opts.trace) this.trace = opts.trace;
    this.tName = opts.traceName ? `${opts.traceName} ` : '';
    this.tOff = opts.traceOffsetCycles ?? 0;
    this.collapse = !opts.trace && this.steps > (opts.collapseAbove ?? COLLAPSE_ABOVE_STEPS);
    this.S_CUR = 3 + this.D;
    this.NABS = 3 + 2 * this.D;
    this.st = new Float64Array(this.NABS).fill(-Infinity);
    this.st[S_END] = 0;
    this.st[S_FREE] = 0;
    this.chunk = new Float64Array(this.D);
    this.W = this.NABS + this.D + 6;
    this.hist = [0, 1, 2].map(() => new Float64Array((MAX_PERIOD + 1) * this.W));
  }

  /** A step's fold cycles depend only on whether its row, col and streamed tiles are the ragged last ones. */
  private stepKinds(): void {
    const { sizes, tiles, rowVar, colVar, cols: C } = this.cfg;
    const { R, n, timeVar } = this;
    const lastR = sizes[rowVar]! - (n[rowVar]! - 1) * tiles[rowVar]!;
    for (let f = 0; f < 8; f++) {
      const r = f & 1 ? lastR : Math.min(tiles[rowVar]!, sizes[rowVar]!);
      const c = f & 2 ? sizes[colVar]! - (n[colVar]! - 1) * tiles[colVar]! : Math.min(tiles[colVar]!, sizes[colVar]!);
      const tPoints = f & 4 ? sizes[timeVar]! - (n[timeVar]! - 1) * tiles[timeVar]! : Math.min(tiles[timeVar]!, sizes[timeVar]!);
      const tT = Math.ceil(tPoints / (this.cfg.rate ?? 1));
      const rf = Math.ceil(r / R);
      const cf = Math.ceil(c / C);
      this.stepFolds[f] = rf * cf;
      this.stepCycles[f] = this.cfg.pipelined ? pipelinedStream(R, r, rf, cf, tT) : rf * cf * (tT + R - 2) + r * cf + c * rf;
    }
  }

  private occupancy(bytes: number): number {
    return this.cfg.dramBytesPerCycle === Infinity ? 0 : Math.ceil(bytes / this.cfg.dramBytesPerCycle);
  }

  private ext(v: number, c: number): number {
    return Math.min(this.cfg.tiles[v]!, this.cfg.sizes[v]! - c * this.cfg.tiles[v]!);
  }

  private decode(i: number, c: Int32Array): void {
    const { order } = this.cfg;
    for (let p = 2; p >= 0; p--) {
      const v = order[p]!;
      c[v] = i % this.n[v]!;
      i = Math.floor(i / this.n[v]!);
    }
  }

  /** Bytes fetched for tensor d's run r: its tile, or nothing for an output tile's first visit. */
  private runBytes(d: number, r: number): number {
    const rc = this.rc;
    this.decode(r * this.runLen[d]!, rc);
    let b = this.elBytes[d]!;
    let first = true;
    for (let v = 0; v < 3; v++) {
      if (this.mask[d]! & (1 << v)) b *= this.ext(v, rc[v]!);
      else if (rc[v] !== 0) first = false;
    }
    return this.isW[d] && first ? 0 : b;
  }

  private tileBytes(d: number, c: Int32Array): number {
    let b = this.elBytes[d]!;
    for (let v = 0; v < 3; v++) if (this.mask[d]! & (1 << v)) b *= this.ext(v, c[v]!);
    return b;
  }

  private shape(c: Int32Array): number {
    const { rowVar, colVar } = this.cfg;
    const { n, timeVar } = this;
    return (c[rowVar] === n[rowVar]! - 1 ? 1 : 0) | (c[colVar] === n[colVar]! - 1 ? 2 : 0) | (c[timeVar] === n[timeVar]! - 1 ? 4 : 0);
  }

  private request(at: number, bytes: number): number {
    const st = this.st;
    const s = Math.max(at, st[S_FREE]!);
    const done = s + this.occupancy(bytes);
    st[S_FREE] = done;
    return done + this.lat;
  }

  /**
   * The prefetches issued as step i starts (at = end of step i − 1): a tensor whose run starts at i
   * takes its pending arrival as the run's, then every tensor issues one chunk of its next run.
   */
  private prefetch(at: number, i: number): void {
    const { st, S_CUR, lat } = this;
    for (let d = 0; d < this.D; d++) {
      const L = this.runLen[d]!;
      if (i % L === 0) {
        st[S_CUR + d] = st[S_PEND + d]!;
        st[S_PEND + d] = -Infinity;
        const r = i / L;
        const next = r + 1 < this.runs[d]! ? this.runBytes(d, r + 1) : 0;
        this.dramRead += next;
        this.chunk[d] = next / L;
      }
      const b = this.chunk[d]!;
      if (b > 0) {
        const done = this.request(at, b);
        if (done > st[S_PEND + d]!) st[S_PEND + d] = done;
        this.trace?.span('DRAM', `${this.tName}read for step ${i - (i % L) + L}`, done - lat - this.occupancy(b) + this.tOff, done + this.tOff, { bytes: b });
      }
    }
  }

  /** The fold cycles of step i: its kind's, plus on a pipelined array the first rows' shift, the wait for the next step's rows, or the final skew and drain. */
  private stepLength(i: number): number {
    const { coord, nc, R } = this;
    let cyc = this.stepCycles[this.shape(coord)]!;
    if (!this.cfg.pipelined) return cyc;
    if (i === 0) cyc += this.firstRows(coord); // the first fold's rows shift in
    if (i + 1 < this.steps) {
      // the last fold also waits for the next step's first rows to shift in
      this.decode(i + 1, nc);
      cyc += Math.max(0, this.firstRows(nc) - this.ext(this.timeVar, coord[this.timeVar]!));
    } else cyc += R + this.lastColsUsed - 2; // skew and drain
    return cyc;
  }

  /** Rows of a step's first fold. */
  private firstRows(c: Int32Array): number {
    return Math.min(this.R, this.ext(this.cfg.rowVar, c[this.cfg.rowVar]!));
  }

  private step(i: number): void {
    const { st, coord, S_CUR, tName, tOff } = this;
    this.simulated++;
    this.decode(i, coord);
    this.folds += this.stepFolds[this.shape(coord)]!;
    const cyc = this.stepLength(i);
    let arrival = -Infinity;
    for (let d = 0; d < this.D; d++) if (i % this.runLen[d]! === 0 && st[S_CUR + d]! > arrival) arrival = st[S_CUR + d]!;
    const end = st[S_END]!;
    const start = Math.max(end, arrival);
    this.stall += start - end;
    if (start > end) this.trace?.span('array', `${tName}stall`, end + tOff, start + tOff, { reason: 'dram' });
    const e = start + cyc;
    st[S_END] = e;
    this.computeCycles += cyc;
    this.trace?.span('array', `${tName}step ${i}`, start + tOff, e + tOff, {});
    const out = this.out;
    if (out >= 0 && (i + 1) % this.runLen[out]! === 0) {
      const b = this.tileBytes(out, coord);
      const s = Math.max(e, st[S_FREE]!);
      const done = this.request(e, b);
      this.dramWrite += b;
      if (done > st[S_LASTW]!) st[S_LASTW] = done;
      this.trace?.span('DRAM', `${tName}write step ${i}`, s + tOff, done + tOff, { bytes: b });
    }
    if (i + 1 < this.steps) this.prefetch(e, i + 1);
  }

  /** Run 0 of every tensor is fetched whole at cycle 0, then the first chunks. */
  private fill(): void {
    const { st, lat } = this;
    for (let d = 0; d < this.D; d++) {
      const b = this.runBytes(d, 0);
      this.dramRead += b;
      if (b > 0) {
        const done = this.request(0, b);
        st[S_PEND + d] = done;
        this.trace?.span('DRAM', `${this.tName}read for step 0`, done - lat - this.occupancy(b) + this.tOff, done + this.tOff, { bytes: b });
      } else st[S_PEND + d] = 0;
    }
    this.prefetch(0, 0);
  }

  /** The state relative to S_END (clipped at 0: a time at or before the end of the last step no longer delays anything), the chunk sizes, the counters. */
  private snap(buf: Float64Array, at: number): void {
    const { st, NABS, D } = this;
    const e = st[S_END]!;
    buf[at] = e;
    for (let j = 1; j < NABS; j++) buf[at + j] = Math.max(0, st[j]! - e);
    buf.set(this.chunk, at + NABS);
    const o = at + NABS + D;
    buf[o] = this.stall;
    buf[o + 1] = this.computeCycles;
    buf[o + 2] = this.dramRead;
    buf[o + 3] = this.dramWrite;
    buf[o + 4] = this.folds;
  }

  private sameState(buf: Float64Array, a: number, b: number): boolean {
    for (let j = 1; j < this.NABS + this.D; j++) if (buf[a + j] !== buf[b + j]) return false;
    return true;
  }

  /** Advance over k periods of q iterations: the state shifted by k times a period's time, the counters by k times its increments. */
  private advance(h: Float64Array, cur: number, prev: number, k: number): void {
    const { st, NABS, D } = this;
    const e = h[cur]! + k * (h[cur]! - h[prev]!);
    st[S_END] = e;
    for (let j = 1; j < NABS; j++) st[j] = e + h[cur + j]!;
    const o = NABS + D;
    this.stall += k * (h[cur + o]! - h[prev + o]!);
    this.computeCycles += k * (h[cur + o + 1]! - h[prev + o + 1]!);
    this.dramRead += k * (h[cur + o + 2]! - h[prev + o + 2]!);
    this.dramWrite += k * (h[cur + o + 3]! - h[prev + o + 3]!);
    this.folds += k * (h[cur + o + 4]! - h[prev + o + 4]!);
  }

  /**
   * At the start of interior iteration c of loop level p: look for a period q among the last
   * MAX_PERIOD snapshots (a ring; slot MAX_PERIOD is the current one) and advance over the whole
   * periods left. Returns the iteration to run next (c, or past the skipped periods).
   */
  private interior(p: number, c: number): number {
    const { W, histN } = this;
    const h = this.hist[p]!;
    const cur = MAX_PERIOD * W;
    this.snap(h, cur);
    let q = 0;
    for (let back = 1; back <= Math.min(histN[p]!, MAX_PERIOD); back++) {
      if (this.sameState(h, ((histN[p]! - back) % MAX_PERIOD) * W, cur)) {
        q = back;
        break;
      }
    }
    if (q > 0) {
      // whole periods left: a period's prefetches look one iteration ahead (the next tile's
      // bytes), so the last skipped one must end before iteration N - 2, the last whole one
      const k = Math.floor((this.N[p]! - 3 - c) / q);
      if (k > 0) {
        this.advance(h, cur, ((histN[p]! - q) % MAX_PERIOD) * W, k);
        histN[p] = 0;
        return c + k * q; // iteration c + kq (just after the skipped periods) runs as usual
      }
    }
    h.copyWithin((histN[p]! % MAX_PERIOD) * W, cur, cur + W);
    histN[p]++;
    return c;
  }

  private level(p: number, base: number): void {
    const N = this.N[p]!;
    this.histN[p] = 0;
    for (let c = 0; c < N; c++) {
      if (this.collapse && c >= 1 && c <= N - 3) {
        c = this.interior(p, c);
        if (c >= N) break;
      } else this.histN[p] = 0;
      const i0 = base + c * this.span[p]!;
      if (p === 2) this.step(i0);
      else this.level(p + 1, i0);
    }
  }

  run(): TiledGemmRun {
    this.fill();
    this.level(0, 0);
    const { st } = this;
    const end = st[S_END]!;
    const totalCycles = Math.max(end, st[S_LASTW]!);
    this.stall += totalCycles - end;
    const { sizes } = this.cfg;
    return {
      totalCycles,
      computeCycles: this.computeCycles,
      stallCycles: this.stall,
      steps: this.steps,
      folds: this.folds,
      dramReadBytes: this.dramRead,
      dramWriteBytes: this.dramWrite,
      macs: sizes[0] * sizes[1] * sizes[2],
      simulatedSteps: this.simulated,
    };
  }
}

/**
 * One step's folds on a pipelined array: col folds outer, row folds inner; fold f streams T cycles
 * but the next fold cannot start before its r rows have shifted in (started with fold f's stream).
 * The last fold's wait for the following step's rows is added by the caller.
 */
function pipelinedStream(R: number, r: number, rf: number, cf: number, T: number): number {
  const lastR = r - (rf - 1) * R;
  // sequence of row counts: [R × (rf − 1), lastR] repeated cf times; fold j waits for fold j+1's rows
  let cyc = 0;
  for (let cc = 0; cc < cf; cc++) {
    for (let rr = 0; rr < rf; rr++) {
      const last = cc === cf - 1 && rr === rf - 1;
      if (last) cyc += T;
      else {
        const nextR = rr + 1 < rf ? (rr + 1 === rf - 1 ? lastR : R) : rf === 1 ? lastR : R;
        cyc += Math.max(T, nextR);
      }
    }
  }
  return cyc;
}

/** Columns the very last fold uses: the last col fold of the last col tile. */
function lastCols(cfg: TiledGemmConfig, n: number[]): number {
  const v = cfg.colVar;
  const lastTile = cfg.sizes[v] - (n[v]! - 1) * cfg.tiles[v];
  return lastTile - (Math.ceil(lastTile / cfg.cols) - 1) * cfg.cols;
}
