// The fast cycle-exact systolic engine (fidelity level 2): it walks folds, never PEs or cycles.
// Each fold's compute time is the closed form in folds.ts; memory is modelled per fold:
//   - A (ifmap), B (filter), Z (ofmap) each have an SRAM; an operand whose whole matrix fits its
//     SRAM is fetched from DRAM once (on first use of each tile), otherwise every fold refetches
//     its tile;
//   - ws/is partial sums stay in the ofmap SRAM across K folds when the output tile fits there,
//     otherwise they spill to DRAM after each K fold and are read back (after that write) before
//     the next;
//   - double buffering: the operands of fold f are fetched into the half freed when fold f−2
//     finishes, so fold f's fetch overlaps fold f−1's compute; fold f starts when fold f−1 has
//     finished and its own operands have arrived; the difference is a stall;
//   - outputs are written to DRAM when a fold finishes its tile; reads and writes share the DRAM
//     channel, served first come, first served (a fold's write before the next prefetch);
//   - SRAM bank bandwidth: a fold's streamed operand needs T·r words (ws/is) in T cycles; when the
//     banks deliver fewer bytes per cycle the streaming phase stretches (an SRAM stall).
// Values, when operands are given, are computed fold by fold in the order the reference PEs use
// (k ascending for every output), so they match it bit for bit.
import { fraction } from '../core/stats';
import type { TraceWriter } from '../core/trace';
import { BandwidthChannel, type ChannelConfig } from '../memory/channel';
import { BankedSram, type SramConfig } from '../memory/sram';
import { checkFolds } from '../core/limits';
import { type ArrayDims, type Dataflow, type GemmShape, foldCycles, foldGrid, scalesimFoldCycles, scalesimUtilCycles, spatialExtents } from './folds';
import { type MacArray, macFor, newMatrix } from './mac';
import type { GemmOperands } from './reference';

export interface SystolicMemoryConfig {
  dram: ChannelConfig;
  ifmapSram: SramConfig;
  filterSram: SramConfig;
  ofmapSram: SramConfig;
  /**
   * operands that never cross the DRAM channel (the placement rule of compiler/map tensorPlacement:
   * TPU v1's activations live in the Unified Buffer); default: all three in DRAM
   */
  offDram?: { ifmap?: boolean; filter?: boolean; ofmap?: boolean };
}

export interface SystolicConfig extends ArrayDims {
  dataflow: Dataflow;
  /** bytes per operand word (SCALE-Sim uses 1) */
  wordBytes: number;
  /** bytes per output / partial-sum word; defaults to wordBytes */
  accBytes?: number;
  /** absent: unlimited bandwidth and capacity (the closed form of folds.ts exactly) */
  memory?: SystolicMemoryConfig;
  /**
   * 'tessera' (default): the register-level timing of reference.ts. 'scalesim': SCALE-Sim v2's
   * padded fold timing (folds.ts scalesimFoldCycles), to reproduce its reports.
   */
  foldTiming?: 'tessera' | 'scalesim';
}

export interface SystolicRunOptions {
  operands?: GemmOperands;
  trace?: TraceWriter;
  /** prefix for trace event names (a layer name) */
  traceName?: string;
  /** cycle the run starts at in the trace (layers placed one after another) */
  traceOffsetCycles?: number;
}

export interface SystolicRun {
  dataflow: Dataflow;
  shape: GemmShape;
  folds: number;
  rowFolds: number;
  colFolds: number;
  macs: number;
  /** compute cycles summed over folds (closed form, plus SRAM stretch) */
  computeCycles: number;
  /** cycles waiting for DRAM (operands late, or the final writes) */
  dramStallCycles: number;
  /** cycles the streaming phases were stretched by SRAM bank bandwidth */
  sramStallCycles: number;
  stallCycles: number;
  totalCycles: number;
  /** mean over folds of used PEs / all PEs */
  mappingEfficiency: number;
  /** mean over folds of MACs / (PEs × fold cycles) */
  computeUtilization: number;
  /** MACs / (PEs × total cycles) */
  overallUtilization: number;
  sram: {
    ifmapReadBytes: number;
    filterReadBytes: number;
    ofmapWriteBytes: number;
    ofmapReadBytes: number;
  };
  dram: {
    ifmapReadBytes: number;
    filterReadBytes: number;
    ofmapReadBytes: number;
    ofmapWriteBytes: number;
  };
  /** M×N row-major, when operands were given */
  Z?: MacArray;
}

interface FoldData {
  r: number;
  c: number;
  /** words of each operand the array reads from SRAM in this fold */
  ifmapWords: number;
  filterWords: number;
  /** output words the array writes (partial sums included) and reads back */
  outWords: number;
  psumReadWords: number;
  /** tile identities, for the first-use rule */
  ifmapTile: number;
  filterTile: number;
  /** this fold finishes its output tile (writes final results) */
  finalizes: boolean;
}

function foldData(df: Dataflow, fr: number, fc: number, rowFolds: number, r: number, c: number, t: number): FoldData {
  switch (df) {
    case 'os':
      return { r, c, ifmapWords: r * t, filterWords: t * c, outWords: r * c, psumReadWords: 0, ifmapTile: fr, filterTile: fc, finalizes: true };
    case 'ws':
      return {
        r,
        c,
        ifmapWords: t * r,
        filterWords: r * c,
        outWords: t * c,
        psumReadWords: fr > 0 ? t * c : 0,
        ifmapTile: fr,
        filterTile: fc * rowFolds + fr,
        finalizes: fr === rowFolds - 1,
      };
    case 'is':
      return {
        r,
        c,
        ifmapWords: r * c,
        filterWords: r * t,
        outWords: c * t,
        psumReadWords: fr > 0 ? c * t : 0,
        ifmapTile: fc * rowFolds + fr,
        filterTile: fr,
        finalizes: fr === rowFolds - 1,
      };
  }
}

/** The trace a run draws into, with its name prefix and start cycle. */
interface RunTrace {
  trace?: TraceWriter;
  name: string;
  off: number;
}

/**
 * The memory side of a run, fold by fold: the three SRAMs (bank bandwidth and accesses), the DRAM
 * channel (operand fetches into double buffers, partial-sum spills, output writes queued behind
 * reads), which tiles were fetched already, and the bytes and stalls this costs.
 */
class FoldMemory {
  private readonly dram: BandwidthChannel;
  private readonly ifmapSram: BankedSram;
  private readonly filterSram: BankedSram;
  private readonly ofmapSram: BankedSram;
  private readonly ifmapResident: boolean;
  private readonly filterResident: boolean;
  /** ws/is keep an output tile (T × c) in the ofmap SRAM across its K folds when it fits */
  readonly psumResident: boolean;
  private readonly ifmapSeen: Uint8Array;
  private readonly filterSeen: Uint8Array;
  /** writes waiting to be issued at a fold's end: [issueCycle, bytes] */
  private readonly pendingWrites: [number, number][] = [];
  lastWriteDone = 0;
  sramStall = 0;
  dramStall = 0;
  readonly dramBytes = { ifmapReadBytes: 0, filterReadBytes: 0, ofmapReadBytes: 0, ofmapWriteBytes: 0 };

  constructor(
    private readonly mem: SystolicMemoryConfig,
    private readonly cfg: { df: Dataflow; wordBytes: number; accBytes: number; cols: number; T: number; tiles: number },
    s: GemmShape,
    private readonly t: RunTrace,
  ) {
    this.dram = new BandwidthChannel(mem.dram);
    this.ifmapSram = new BankedSram(mem.ifmapSram);
    this.filterSram = new BankedSram(mem.filterSram);
    this.ofmapSram = new BankedSram(mem.ofmapSram);
    this.ifmapResident = this.ifmapSram.holds(s.M * s.K * cfg.wordBytes);
    this.filterResident = this.filterSram.holds(s.K * s.N * cfg.wordBytes);
    this.psumResident = this.ofmapSram.holds(cfg.T * cfg.cols * cfg.accBytes);
    // tile ids are < rowFolds × colFolds in every dataflow
    this.ifmapSeen = new Uint8Array(cfg.tiles);
    this.filterSeen = new Uint8Array(cfg.tiles);
  }

  private flushWritesUpTo(cycle: number): void {
    while (this.pendingWrites.length > 0 && this.pendingWrites[0]![0] <= cycle) {
      const [at, bytes] = this.pendingWrites.shift()!;
      const tr = this.dram.request(at, bytes, 'write');
      this.lastWriteDone = Math.max(this.lastWriteDone, tr.doneCycle);
      this.t.trace?.span('DRAM', `${this.t.name}write`, tr.startCycle + this.t.off, tr.doneCycle + this.t.off, { bytes });
    }
  }

  /** SRAM bank bandwidth: the streamed operand(s) must be delivered within the T-cycle stream; returns the stretch. */
  stretch(fd: FoldData): number {
    const { df, wordBytes, accBytes, T } = this.cfg;
    const streamIf = df === 'is' ? 0 : fd.ifmapWords * wordBytes;
    const streamFi = df === 'ws' ? 0 : fd.filterWords * wordBytes;
    const need = Math.max(this.ifmapSram.accessCycles(streamIf), this.filterSram.accessCycles(streamFi));
    const stretch = Math.max(0, need - T);
    this.sramStall += stretch;
    this.ifmapSram.read(fd.ifmapWords * wordBytes);
    this.filterSram.read(fd.filterWords * wordBytes);
    this.ofmapSram.write(fd.outWords * accBytes);
    this.ofmapSram.read(fd.psumReadWords * accBytes);
    return stretch;
  }

  /** The bytes of the fold's operands that cross DRAM (first use of a tile, or every use when it does not stay). */
  private fetchBytes(fd: FoldData): number {
    const { wordBytes } = this.cfg;
    let fetch = 0;
    const ifBytes = fd.ifmapWords * wordBytes;
    const fiBytes = fd.filterWords * wordBytes;
    if (!this.mem.offDram?.ifmap && (!this.ifmapResident || !this.ifmapSeen[fd.ifmapTile])) {
      this.ifmapSeen[fd.ifmapTile] = 1;
      fetch += ifBytes;
      this.dramBytes.ifmapReadBytes += ifBytes;
    }
    if (!this.mem.offDram?.filter && (!this.filterResident || !this.filterSeen[fd.filterTile])) {
      this.filterSeen[fd.filterTile] = 1;
      fetch += fiBytes;
      this.dramBytes.filterReadBytes += fiBytes;
    }
    return fetch;
  }

  /**
   * The cycle fold (fc, fr) may start: its operands are fetched into the half freed when fold f−2
   * finished (`endPrev2`), spilled partial sums read once the previous fold's write is issued.
   */
  start(fd: FoldData, label: string, endPrev: number, endPrev2: number): number {
    const { trace, name, off } = this.t;
    const fetch = this.fetchBytes(fd);
    this.flushWritesUpTo(endPrev2);
    const tr = this.dram.request(endPrev2, fetch, 'read');
    if (fetch > 0) trace?.span('DRAM', `${name}read ${label}`, tr.startCycle + off, tr.doneCycle + off, { bytes: fetch });
    let ready = tr.doneCycle;
    if (!this.psumResident && !this.mem.offDram?.ofmap && fd.psumReadWords > 0) {
      const bytes = fd.psumReadWords * this.cfg.accBytes;
      this.flushWritesUpTo(endPrev);
      const ps = this.dram.request(endPrev, bytes, 'read');
      trace?.span('DRAM', `${name}psum read ${label}`, ps.startCycle + off, ps.doneCycle + off, { bytes });
      this.dramBytes.ofmapReadBytes += bytes;
      ready = Math.max(ready, ps.doneCycle);
    }
    const startCycle = Math.max(endPrev, ready);
    if (startCycle > endPrev) {
      trace?.span('array', `${name}stall`, endPrev + off, startCycle + off, { reason: 'dram' });
      this.dramStall += startCycle - endPrev;
    }
    return startCycle;
  }

  /** A fold that finishes its output tile writes it (a ws/is tile whose psums stay in SRAM: once, whole, after its last K fold). */
  writeBack(fd: FoldData, c: number, endCycle: number): void {
    const { df, accBytes, T } = this.cfg;
    if (this.mem.offDram?.ofmap || !(df === 'os' || fd.finalizes || !this.psumResident)) return;
    const bytes = df !== 'os' && this.psumResident ? T * c * accBytes : fd.outWords * accBytes;
    this.pendingWrites.push([endCycle, bytes]);
    this.dramBytes.ofmapWriteBytes += bytes;
  }

  finish(): void {
    this.flushWritesUpTo(Infinity);
  }
}

export function simulateSystolic(s: GemmShape, cfg: SystolicConfig, opts: SystolicRunOptions = {}): SystolicRun {
  const df = cfg.dataflow;
  const dims: ArrayDims = { rows: cfg.rows, cols: cfg.cols };
  const ext = spatialExtents(df, s);
  const grid = foldGrid(ext, dims);
  checkFolds(grid.rowFolds * grid.colFolds, opts.traceName ?? `a ${s.M}x${s.N}x${s.K} GEMM`);
  const T = ext.t;
  const wordBytes = cfg.wordBytes;
  const accBytes = cfg.accBytes ?? wordBytes;
  const rt: RunTrace = { ...(opts.trace ? { trace: opts.trace } : {}), name: opts.traceName ? `${opts.traceName} ` : '', off: opts.traceOffsetCycles ?? 0 };
  const mem = cfg.memory ? new FoldMemory(cfg.memory, { df, wordBytes, accBytes, cols: cfg.cols, T, tiles: grid.rowFolds * grid.colFolds }, s, rt) : null;
  const scalesim = cfg.foldTiming === 'scalesim';
  const folds = grid.rowFolds * grid.colFolds;
  const pes = cfg.rows * cfg.cols;
  // compute-end cycle of the last two folds (double buffering looks two folds back)
  let endPrev = 0;
  let endPrev2 = 0;
  let computeCycles = 0;
  let mappingSum = 0;
  let computeUtilSum = 0;
  const sramBytes = { ifmapReadBytes: 0, filterReadBytes: 0, ofmapWriteBytes: 0, ofmapReadBytes: 0 };
  for (let fc = 0; fc < grid.colFolds; fc++) {
    for (let fr = 0; fr < grid.rowFolds; fr++) {
      const r = fr === grid.rowFolds - 1 ? grid.lastRows : cfg.rows;
      const c = fc === grid.colFolds - 1 ? grid.lastCols : cfg.cols;
      const fd = foldData(df, fr, fc, grid.rowFolds, r, c, T);
      const ideal = scalesim ? scalesimFoldCycles(df, dims, T) : foldCycles(df, dims, r, c, T);
      sramBytes.ifmapReadBytes += fd.ifmapWords * wordBytes;
      sramBytes.filterReadBytes += fd.filterWords * wordBytes;
      sramBytes.ofmapWriteBytes += fd.outWords * accBytes;
      sramBytes.ofmapReadBytes += fd.psumReadWords * accBytes;
      const cycles = ideal + (mem ? mem.stretch(fd) : 0);
      const startCycle = mem ? mem.start(fd, `f${fc}.${fr}`, endPrev, endPrev2) : endPrev;
      const endCycle = startCycle + cycles;
      rt.trace?.span('array', `${rt.name}fold ${fc}.${fr}`, startCycle + rt.off, endCycle + rt.off, { rowsUsed: r, colsUsed: c, T, idealCycles: ideal, loadCycles: df === 'os' ? 0 : r });
      computeCycles += cycles;
      // the same operations, in the same order, as SCALE-Sim's per-fold report items
      mappingSum += (r * c) / pes;
      computeUtilSum += (r * c * T) / (pes * (scalesim ? scalesimUtilCycles(df, dims, T) : cycles));
      mem?.writeBack(fd, c, endCycle);
      endPrev2 = endPrev;
      endPrev = endCycle;
    }
  }
  mem?.finish();
  const totalCycles = Math.max(endPrev, mem?.lastWriteDone ?? 0);
  const finalWait = totalCycles - endPrev;
  if (finalWait > 0) rt.trace?.span('array', `${rt.name}stall`, endPrev + rt.off, totalCycles + rt.off, { reason: 'final writes' });
  const dramStall = (mem?.dramStall ?? 0) + finalWait;
  const sramStall = mem?.sramStall ?? 0;
  const macs = s.M * s.N * s.K;
  const run: SystolicRun = {
    dataflow: df,
    shape: { ...s },
    folds,
    rowFolds: grid.rowFolds,
    colFolds: grid.colFolds,
    macs,
    computeCycles,
    dramStallCycles: dramStall,
    sramStallCycles: sramStall,
    stallCycles: dramStall + sramStall,
    totalCycles,
    mappingEfficiency: mappingSum / folds,
    computeUtilization: computeUtilSum / folds,
    overallUtilization: fraction(macs, pes * totalCycles),
    sram: sramBytes,
    dram: mem ? mem.dramBytes : { ifmapReadBytes: 0, filterReadBytes: 0, ofmapReadBytes: 0, ofmapWriteBytes: 0 },
  };
  if (opts.operands) run.Z = gemmValues(df, dims, s, opts.operands);
  return run;
}

/** Fold-by-fold GEMM in the reference's accumulation order (k ascending, from the partial sum). */
export function gemmValues(df: Dataflow, dims: ArrayDims, s: GemmShape, ops: GemmOperands): MacArray {
  const mac = macFor(ops.dtype);
  const Z = newMatrix(ops.dtype, s.M * s.N);
  const { A, B } = ops;
  const { M, N, K } = s;
  if (df === 'os') {
    // one fold per (m tile, n tile); every output reduces over all of K inside its PE
    for (let m0 = 0; m0 < M; m0 += dims.rows) {
      const m1 = Math.min(M, m0 + dims.rows);
      for (let n0 = 0; n0 < N; n0 += dims.cols) {
        const n1 = Math.min(N, n0 + dims.cols);
        for (let m = m0; m < m1; m++) {
          for (let n = n0; n < n1; n++) {
            let acc = 0;
            for (let k = 0; k < K; k++) acc = mac(acc, A[m * K + k]!, B[k * N + n]!);
            Z[m * N + n] = acc;
          }
        }
      }
    }
    return Z;
  }
  // ws/is: K in folds of R rows; each fold adds its rows to the running partial sum in Z
  for (let k0 = 0; k0 < K; k0 += dims.rows) {
    const k1 = Math.min(K, k0 + dims.rows);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let acc = Z[m * N + n]!;
        for (let k = k0; k < k1; k++) acc = mac(acc, A[m * K + k]!, B[k * N + n]!);
        Z[m * N + n] = acc;
      }
    }
  }
  return Z;
}
