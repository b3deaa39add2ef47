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
  const { rows: R, cols: C, sizes, tiles, order, rowVar, colVar } = cfg;
  const n = [0, 1, 2].map((v) => Math.ceil(sizes[v]! / tiles[v]!));
  const steps = n[0]! * n[1]! * n[2]!;
  const timeVar = 3 - rowVar - colVar;
  const bpc = cfg.dramBytesPerCycle;
  if (!(bpc > 0)) throw new Error('DRAM: bandwidth must be positive');
  const lat = cfg.dramLatencyCycles;
  const occupancy = (bytes: number) => (bpc === Infinity ? 0 : Math.ceil(bytes / bpc));
  const ext = (v: number, c: number) => Math.min(tiles[v]!, sizes[v]! - c * tiles[v]!);
  // trip counts by loop position (0 outermost) and the steps one iteration of each position spans
  const N = [n[order[0]]!, n[order[1]]!, n[order[2]]!];
  const span = [N[1]! * N[2]!, N[2]!, 1];
  // the tensors on the DRAM channel, in the order their requests are issued
  const dramT = cfg.tensors.map((t, k) => ({ ...t, k })).filter((t) => !t.offDram);
  const D = dramT.length;
  const mask = Int32Array.from(dramT, (t) => t.mask);
  const isW = Uint8Array.from(dramT, (t) => (t.write ? 1 : 0));
  const elBytes = Float64Array.from(dramT, (t) => t.bytes);
  // a tensor's run: the steps inside its innermost loop (with more than one trip) that indexes it
  const runLen = new Float64Array(D);
  const runs = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    let inner = -1;
    for (let p = 2; p >= 0; p--)
      if (mask[d]! & (1 << order[p]!) && N[p]! > 1) {
        inner = p;
        break;
      }
    runLen[d] = inner < 0 ? steps : span[inner]!;
    runs[d] = steps / runLen[d]!;
  }
  const out = dramT.findIndex((t) => t.write);
  const coord = new Int32Array(3);
  const decode = (i: number, c: Int32Array) => {
    for (let p = 2; p >= 0; p--) {
      const v = order[p]!;
      c[v] = i % n[v]!;
      i = Math.floor(i / n[v]!);
    }
  };
  const rc = new Int32Array(3);
  /** bytes fetched for tensor d's run r: its tile, or nothing for an output tile's first visit */
  const runBytes = (d: number, r: number): number => {
    decode(r * runLen[d]!, rc);
    let b = elBytes[d]!;
    let first = true;
    for (let v = 0; v < 3; v++) {
      if (mask[d]! & (1 << v)) b *= ext(v, rc[v]!);
      else if (rc[v] !== 0) first = false;
    }
    return isW[d] && first ? 0 : b;
  };
  const tileBytes = (d: number, c: Int32Array): number => {
    let b = elBytes[d]!;
    for (let v = 0; v < 3; v++) if (mask[d]! & (1 << v)) b *= ext(v, c[v]!);
    return b;
  };
  // a step's fold cycles depend only on whether its row, col and streamed tiles are the ragged last ones
  const lastR = sizes[rowVar]! - (n[rowVar]! - 1) * tiles[rowVar]!;
  const stepCycles = new Float64Array(8);
  const stepFolds = new Float64Array(8);
  for (let f = 0; f < 8; f++) {
    const r = f & 1 ? lastR : Math.min(tiles[rowVar]!, sizes[rowVar]!);
    const c = f & 2 ? sizes[colVar]! - (n[colVar]! - 1) * tiles[colVar]! : Math.min(tiles[colVar]!, sizes[colVar]!);
    const tT = f & 4 ? sizes[timeVar]! - (n[timeVar]! - 1) * tiles[timeVar]! : Math.min(tiles[timeVar]!, sizes[timeVar]!);
    const rf = Math.ceil(r / R);
    const cf = Math.ceil(c / C);
    stepFolds[f] = rf * cf;
    stepCycles[f] = cfg.pipelined ? pipelinedStream(R, r, rf, cf, tT) : rf * cf * (tT + R - 2) + r * cf + c * rf;
  }
  const shape = (c: Int32Array) => (c[rowVar] === n[rowVar]! - 1 ? 1 : 0) | (c[colVar] === n[colVar]! - 1 ? 2 : 0) | (c[timeVar] === n[timeVar]! - 1 ? 4 : 0);
  const firstRowsOf = (c: Int32Array) => Math.min(R, ext(rowVar, c[rowVar]!));
  const streamedOf = (c: Int32Array) => ext(timeVar, c[timeVar]!);
  const lastColsUsed = lastCols(cfg, n);

  const trace = opts.trace;
  const tName = opts.traceName ? `${opts.traceName} ` : '';
  const tOff = opts.traceOffsetCycles ?? 0;
  const collapse = !trace && steps > (opts.collapseAbove ?? COLLAPSE_ABOVE_STEPS);

  // ---- the engine's state. Absolute times: ABS_END (end of the last step), ABS_FREE (the channel
  // is free from), ABS_LASTW (last write committed), then per DRAM tensor its pending arrival (the
  // chunks of its next run issued so far) and its current run's arrival. Counters follow.
  const S_END = 0;
  const S_FREE = 1;
  const S_LASTW = 2;
  const S_PEND = 3;
  const S_CUR = 3 + D;
  const NABS = 3 + 2 * D;
  const st = new Float64Array(NABS).fill(-Infinity);
  st[S_END] = 0;
  st[S_FREE] = 0;
  const chunk = new Float64Array(D); // bytes issued per step of the current run, for the next run
  let stall = 0;
  let computeCycles = 0;
  let dramRead = 0;
  let dramWrite = 0;
  let folds = 0;
  let simulated = 0;

  const request = (at: number, bytes: number): number => {
    const s = Math.max(at, st[S_FREE]!);
    const done = s + occupancy(bytes);
    st[S_FREE] = done;
    return done + lat;
  };
  // the prefetches issued as step i starts (at = end of step i − 1): a tensor whose run starts at i
  // takes its pending arrival as the run's, then every tensor issues one chunk of its next run
  const prefetch = (at: number, i: number) => {
    for (let d = 0; d < D; d++) {
      const L = runLen[d]!;
      if (i % L === 0) {
        st[S_CUR + d] = st[S_PEND + d]!;
        st[S_PEND + d] = -Infinity;
        const r = i / L;
        const next = r + 1 < runs[d]! ? runBytes(d, r + 1) : 0;
        dramRead += next;
        chunk[d] = next / L;
      }
      const b = chunk[d]!;
      if (b > 0) {
        const done = request(at, b);
        if (done > st[S_PEND + d]!) st[S_PEND + d] = done;
        trace?.span('DRAM', `${tName}read for step ${i - (i % L) + L}`, done - lat - occupancy(b) + tOff, done + tOff, { bytes: b });
      }
    }
  };
  const nc = new Int32Array(3);
  const step = (i: number) => {
    simulated++;
    decode(i, coord);
    const f = shape(coord);
    let cyc = stepCycles[f]!;
    folds += stepFolds[f]!;
    if (cfg.pipelined) {
      if (i === 0) cyc += firstRowsOf(coord); // the first fold's rows shift in
      if (i + 1 < steps) {
        // the last fold also waits for the next step's first rows to shift in
        decode(i + 1, nc);
        cyc += Math.max(0, firstRowsOf(nc) - streamedOf(coord));
      } else cyc += R + lastColsUsed - 2; // skew and drain
    }
    let arrival = -Infinity;
    for (let d = 0; d < D; d++) if (i % runLen[d]! === 0 && st[S_CUR + d]! > arrival) arrival = st[S_CUR + d]!;
    const end = st[S_END]!;
    const start = Math.max(end, arrival);
    stall += start - end;
    if (start > end) trace?.span('array', `${tName}stall`, end + tOff, start + tOff, { reason: 'dram' });
    const e = start + cyc;
    st[S_END] = e;
    computeCycles += cyc;
    trace?.span('array', `${tName}step ${i}`, start + tOff, e + tOff, {});
    if (out >= 0 && (i + 1) % runLen[out]! === 0) {
      const b = tileBytes(out, coord);
      const s = Math.max(e, st[S_FREE]!);
      const done = request(e, b);
      dramWrite += b;
      if (done > st[S_LASTW]!) st[S_LASTW] = done;
      trace?.span('DRAM', `${tName}write step ${i}`, s + tOff, done + tOff, { bytes: b });
    }
    if (i + 1 < steps) prefetch(e, i + 1);
  };

  // run 0 of every tensor is fetched whole at cycle 0, then the first chunks
  for (let d = 0; d < D; d++) {
    const b = runBytes(d, 0);
    dramRead += b;
    if (b > 0) {
      const done = request(0, b);
      st[S_PEND + d] = done;
      trace?.span('DRAM', `${tName}read for step 0`, done - lat - occupancy(b) + tOff, done + tOff, { bytes: b });
    } else st[S_PEND + d] = 0;
  }
  prefetch(0, 0);

  // snapshots at the start of interior iterations, per loop level: the state relative to ABS_END
  // (clipped at 0: a time at or before the end of the last step no longer delays anything), the
  // chunk sizes, and the counters
  const W = NABS + D + 6;
  const hist = [0, 1, 2].map(() => new Float64Array((MAX_PERIOD + 1) * W));
  const histN = new Int32Array(3);
  const snap = (buf: Float64Array, at: number) => {
    const e = st[S_END]!;
    buf[at] = e;
    for (let j = 1; j < NABS; j++) buf[at + j] = Math.max(0, st[j]! - e);
    buf.set(chunk, at + NABS);
    const o = at + NABS + D;
    buf[o] = stall;
    buf[o + 1] = computeCycles;
    buf[o + 2] = dramRead;
    buf[o + 3] = dramWrite;
    buf[o + 4] = folds;
  };
  const sameState = (buf: Float64Array, a: number, b: number) => {
    for (let j = 1; j < NABS + D; j++) if (buf[a + j] !== buf[b + j]) return false;
    return true;
  };
  const level = (p: number, base: number) => {
    const h = hist[p]!;
    histN[p] = 0;
    for (let c = 0; c < N[p]!; c++) {
      if (collapse && c >= 1 && c <= N[p]! - 3) {
        // ring of the last MAX_PERIOD interior snapshots; slot MAX_PERIOD is the current one
        const cur = MAX_PERIOD * W;
        snap(h, cur);
        let q = 0;
        for (let back = 1; back <= Math.min(histN[p]!, MAX_PERIOD); back++) {
          const slot = ((histN[p]! - back) % MAX_PERIOD) * W;
          if (sameState(h, slot, cur)) {
            q = back;
            break;
          }
        }
        if (q > 0) {
          const prev = ((histN[p]! - q) % MAX_PERIOD) * W;
          // whole periods left: a period's prefetches look one iteration ahead (the next tile's
          // bytes), so the last skipped one must end before iteration N - 2, the last whole one
          const k = Math.floor((N[p]! - 3 - c) / q);
          if (k > 0) {
            const dEnd = h[cur]! - h[prev]!;
            const e = h[cur]! + k * dEnd;
            st[S_END] = e;
            for (let j = 1; j < NABS; j++) st[j] = e + h[cur + j]!;
            const o = NABS + D;
            stall += k * (h[cur + o]! - h[prev + o]!);
            computeCycles += k * (h[cur + o + 1]! - h[prev + o + 1]!);
            dramRead += k * (h[cur + o + 2]! - h[prev + o + 2]!);
            dramWrite += k * (h[cur + o + 3]! - h[prev + o + 3]!);
            folds += k * (h[cur + o + 4]! - h[prev + o + 4]!);
            c += k * q;
            histN[p] = 0;
            if (c >= N[p]!) break;
            // iteration c (just after the skipped periods) runs below as usual
          }
        }
        if (q === 0 || histN[p]! > 0) {
          h.copyWithin((histN[p]! % MAX_PERIOD) * W, cur, cur + W);
          histN[p]++;
        }
      } else histN[p] = 0;
      const i0 = base + c * span[p]!;
      if (p === 2) step(i0);
      else level(p + 1, i0);
    }
  };
  level(0, 0);

  const end = st[S_END]!;
  const totalCycles = Math.max(end, st[S_LASTW]!);
  stall += totalCycles - end;
  return {
    totalCycles,
    computeCycles,
    stallCycles: stall,
    steps,
    folds,
    dramReadBytes: dramRead,
    dramWriteBytes: dramWrite,
    macs: sizes[0] * sizes[1] * sizes[2],
    simulatedSteps: simulated,
  };
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
