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

export function simulateSystolic(s: GemmShape, cfg: SystolicConfig, opts: SystolicRunOptions = {}): SystolicRun {
  const df = cfg.dataflow;
  const dims: ArrayDims = { rows: cfg.rows, cols: cfg.cols };
  const ext = spatialExtents(df, s);
  const grid = foldGrid(ext, dims);
  const T = ext.t;
  const wordBytes = cfg.wordBytes;
  const accBytes = cfg.accBytes ?? wordBytes;
  const mem = cfg.memory;
  const dram = mem ? new BandwidthChannel(mem.dram) : null;
  const ifmapSram = mem ? new BankedSram(mem.ifmapSram) : null;
  const filterSram = mem ? new BankedSram(mem.filterSram) : null;
  const ofmapSram = mem ? new BankedSram(mem.ofmapSram) : null;
  const ifmapResident = ifmapSram ? ifmapSram.holds(s.M * s.K * wordBytes) : true;
  const filterResident = filterSram ? filterSram.holds(s.K * s.N * wordBytes) : true;
  // ws/is keep an output tile (T × c) in the ofmap SRAM across its K folds when it fits
  const psumResident = ofmapSram ? ofmapSram.holds(T * cfg.cols * accBytes) : true;
  // tile ids are < rowFolds × colFolds in every dataflow
  const ifmapSeen = new Uint8Array(grid.rowFolds * grid.colFolds);
  const filterSeen = new Uint8Array(grid.rowFolds * grid.colFolds);

  const trace = opts.trace;
  const tName = opts.traceName ? `${opts.traceName} ` : '';
  const tOff = opts.traceOffsetCycles ?? 0;

  const folds = grid.rowFolds * grid.colFolds;
  const pes = cfg.rows * cfg.cols;
  // compute-end cycle of the last two folds (double buffering looks two folds back)
  let endPrev = 0;
  let endPrev2 = 0;
  let computeCycles = 0;
  let sramStall = 0;
  let dramStall = 0;
  let mappingSum = 0;
  let computeUtilSum = 0;
  const sramBytes = { ifmapReadBytes: 0, filterReadBytes: 0, ofmapWriteBytes: 0, ofmapReadBytes: 0 };
  const dramBytes = { ifmapReadBytes: 0, filterReadBytes: 0, ofmapReadBytes: 0, ofmapWriteBytes: 0 };
  // writes waiting to be issued at a fold's end: [issueCycle, bytes]
  const pendingWrites: [number, number][] = [];
  let lastWriteDone = 0;

  const flushWritesUpTo = (cycle: number): void => {
    while (pendingWrites.length > 0 && pendingWrites[0]![0] <= cycle) {
      const [at, bytes] = pendingWrites.shift()!;
      const tr = dram!.request(at, bytes, 'write');
      lastWriteDone = Math.max(lastWriteDone, tr.doneCycle);
      trace?.span('DRAM', `${tName}write`, tr.startCycle + tOff, tr.doneCycle + tOff, { bytes });
    }
  };

  for (let fc = 0; fc < grid.colFolds; fc++) {
    for (let fr = 0; fr < grid.rowFolds; fr++) {
      const r = fr === grid.rowFolds - 1 ? grid.lastRows : cfg.rows;
      const c = fc === grid.colFolds - 1 ? grid.lastCols : cfg.cols;
      const fd = foldData(df, fr, fc, grid.rowFolds, r, c, T);
      const scalesim = cfg.foldTiming === 'scalesim';
      let cycles = scalesim ? scalesimFoldCycles(df, dims, T) : foldCycles(df, dims, r, c, T);
      const ideal = cycles;

      sramBytes.ifmapReadBytes += fd.ifmapWords * wordBytes;
      sramBytes.filterReadBytes += fd.filterWords * wordBytes;
      sramBytes.ofmapWriteBytes += fd.outWords * accBytes;
      sramBytes.ofmapReadBytes += fd.psumReadWords * accBytes;

      let startCycle = endPrev;
      if (mem) {
        // SRAM bank bandwidth: the streamed operand(s) must be delivered within the T-cycle stream
        const streamIf = df === 'is' ? 0 : fd.ifmapWords * wordBytes;
        const streamFi = df === 'ws' ? 0 : fd.filterWords * wordBytes;
        const need = Math.max(ifmapSram!.accessCycles(streamIf), filterSram!.accessCycles(streamFi));
        const stretch = Math.max(0, need - T);
        cycles += stretch;
        sramStall += stretch;
        ifmapSram!.read(fd.ifmapWords * wordBytes);
        filterSram!.read(fd.filterWords * wordBytes);
        ofmapSram!.write(fd.outWords * accBytes);
        ofmapSram!.read(fd.psumReadWords * accBytes);

        // DRAM fetch for this fold, issued when the buffer half of fold f−2 frees up
        let fetch = 0;
        const ifBytes = fd.ifmapWords * wordBytes;
        const fiBytes = fd.filterWords * wordBytes;
        if (!mem!.offDram?.ifmap && (!ifmapResident || !ifmapSeen[fd.ifmapTile])) {
          ifmapSeen[fd.ifmapTile] = 1;
          fetch += ifBytes;
          dramBytes.ifmapReadBytes += ifBytes;
        }
        if (!mem!.offDram?.filter && (!filterResident || !filterSeen[fd.filterTile])) {
          filterSeen[fd.filterTile] = 1;
          fetch += fiBytes;
          dramBytes.filterReadBytes += fiBytes;
        }
        const issue = endPrev2;
        flushWritesUpTo(issue);
        const tr = dram!.request(issue, fetch, 'read');
        if (fetch > 0) trace?.span('DRAM', `${tName}read f${fc}.${fr}`, tr.startCycle + tOff, tr.doneCycle + tOff, { bytes: fetch });
        let ready = tr.doneCycle;
        if (!psumResident && !mem!.offDram?.ofmap && fd.psumReadWords > 0) {
          // spilled partial sums come from the previous fold: read once its write has been issued
          const bytes = fd.psumReadWords * accBytes;
          flushWritesUpTo(endPrev);
          const ps = dram!.request(endPrev, bytes, 'read');
          trace?.span('DRAM', `${tName}psum read f${fc}.${fr}`, ps.startCycle + tOff, ps.doneCycle + tOff, { bytes });
          dramBytes.ofmapReadBytes += bytes;
          ready = Math.max(ready, ps.doneCycle);
        }
        startCycle = Math.max(endPrev, ready);
        if (startCycle > endPrev) {
          trace?.span('array', `${tName}stall`, endPrev + tOff, startCycle + tOff, { reason: 'dram' });
          dramStall += startCycle - endPrev;
        }
      }
      const endCycle = startCycle + cycles;
      if (trace) {
        const fill = df === 'os' ? 0 : r;
        trace.span('array', `${tName}fold ${fc}.${fr}`, startCycle + tOff, endCycle + tOff, {
          rowsUsed: r,
          colsUsed: c,
          T,
          idealCycles: ideal,
          loadCycles: fill,
        });
      }
      computeCycles += cycles;
      // the same operations, in the same order, as SCALE-Sim's per-fold report items
      mappingSum += (r * c) / pes;
      computeUtilSum += (r * c * T) / (pes * (scalesim ? scalesimUtilCycles(df, dims, T) : cycles));
      if (mem) {
        const outBytes = fd.outWords * accBytes;
        if (!mem.offDram?.ofmap && (df === 'os' || fd.finalizes || !psumResident)) {
          // a ws/is tile whose psums stay in SRAM is written once, whole, after its last K fold
          const bytes = df !== 'os' && psumResident ? T * c * accBytes : outBytes;
          pendingWrites.push([endCycle, bytes]);
          dramBytes.ofmapWriteBytes += bytes;
        }
      }
      endPrev2 = endPrev;
      endPrev = endCycle;
    }
  }
  if (mem) flushWritesUpTo(Infinity);
  const totalCycles = Math.max(endPrev, lastWriteDone);
  if (totalCycles > endPrev) {
    trace?.span('array', `${tName}stall`, endPrev + tOff, totalCycles + tOff, { reason: 'final writes' });
    dramStall += totalCycles - endPrev;
  }
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
    dram: dramBytes,
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
