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
// Plain number math: one pass over the GLB steps, typed arrays, no allocation per step.
import { BandwidthChannel } from '../memory/channel';
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
}

export function simulateTiledGemm(cfg: TiledGemmConfig, opts: { trace?: TraceWriter; traceName?: string; traceOffsetCycles?: number } = {}): TiledGemmRun {
  const { rows: R, cols: C, sizes, tiles, order, rowVar, colVar } = cfg;
  const n = [0, 1, 2].map((v) => Math.ceil(sizes[v]! / tiles[v]!));
  const steps = n[0]! * n[1]! * n[2]!;
  const timeVar = 3 - rowVar - colVar;
  const dram = new BandwidthChannel({ name: 'DRAM', kind: 'dram', bytesPerCycle: cfg.dramBytesPerCycle, latencyCycles: cfg.dramLatencyCycles });
  const T = cfg.tensors.length;
  // per tensor, its runs: maximal stretches of steps on one tile. A run's tile is read when it
  // starts (an output's only when the tile was visited before: partial sums) and an output's is
  // written when it ends
  const runStart = cfg.tensors.map(() => new Int32Array(steps));
  const runBytes = cfg.tensors.map(() => new Float64Array(steps));
  const runs = new Int32Array(T);
  const runAt = cfg.tensors.map(() => new Int32Array(steps).fill(-1)); // step -> index of the run starting there
  const write = new Float64Array(steps);
  const compute = new Float64Array(steps);
  const firstRows = new Float64Array(steps);
  const streamed = new Float64Array(steps);
  const coord = new Int32Array(3);
  const prevKey = new Float64Array(T).fill(-1);
  const visited = cfg.tensors.map((t) => (t.write && !t.offDram ? new Uint8Array(tileCount(t.mask, n)) : null));
  const ext = (v: number, c: number) => Math.min(tiles[v]!, sizes[v]! - c * tiles[v]!);
  let folds = 0;
  for (let i = 0; i < steps; i++) {
    // coordinates of step i: the last variable of `order` turns fastest
    let rem = i;
    for (let p = 2; p >= 0; p--) {
      const v = order[p]!;
      coord[v] = rem % n[v]!;
      rem = Math.floor(rem / n[v]!);
    }
    for (let k = 0; k < T; k++) {
      const t = cfg.tensors[k]!;
      if (t.offDram) continue;
      let key = 0;
      let bytes = t.bytes;
      for (let v = 0; v < 3; v++)
        if (t.mask & (1 << v)) {
          key = key * n[v]! + coord[v]!;
          bytes *= ext(v, coord[v]!);
        }
      if (key === prevKey[k]) continue;
      if (t.write && prevKey[k]! >= 0) write[i - 1] += bytesOfKey(t.mask, prevKey[k]!, n, tiles, sizes, t.bytes);
      prevKey[k] = key;
      let fetch = bytes;
      if (t.write) {
        const seen = visited[k]!;
        if (!seen[key]) fetch = 0; // a first visit starts from zero; a revisit reads its partial sums back
        seen[key] = 1;
      }
      runAt[k]![i] = runs[k]!;
      runStart[k]![runs[k]!] = i;
      runBytes[k]![runs[k]!] = fetch;
      runs[k]!++;
    }
    const r = ext(rowVar, coord[rowVar]!);
    const c = ext(colVar, coord[colVar]!);
    const tT = ext(timeVar, coord[timeVar]!);
    const rf = Math.ceil(r / R);
    const cf = Math.ceil(c / C);
    folds += rf * cf;
    firstRows[i] = Math.min(R, r);
    streamed[i] = tT;
    if (cfg.pipelined) compute[i] = pipelinedStream(R, r, rf, cf, tT);
    else compute[i] = rf * cf * (tT + R - 2) + r * cf + c * rf;
  }
  for (let k = 0; k < T; k++) {
    const t = cfg.tensors[k]!;
    if (t.write && !t.offDram && prevKey[k]! >= 0) write[steps - 1] += bytesOfKey(t.mask, prevKey[k]!, n, tiles, sizes, t.bytes);
  }
  // a pipelined array chains folds across steps: the last fold of step i also waits for the next
  // step's first rows to shift in (the waits inside a step are in pipelinedStream)
  if (cfg.pipelined) for (let i = 0; i + 1 < steps; i++) compute[i] += Math.max(0, firstRows[i + 1]! - streamed[i]!);

  const trace = opts.trace;
  const tName = opts.traceName ? `${opts.traceName} ` : '';
  const tOff = opts.traceOffsetCycles ?? 0;
  // each tensor is double-buffered on its own: the tile of its run j+1 goes into the half run j−1
  // used, so it can come in while run j computes; the DMA spreads it over run j's steps (one equal
  // chunk issued as each of them starts), so a large tile that is reused for many steps does not
  // hold up the small ones every step needs. Run 0's tiles are fetched whole at cycle 0.
  const arrival = new Float64Array(steps);
  let dramRead = 0;
  for (let k = 0; k < T; k++) for (let j = 0; j < runs[k]!; j++) dramRead += runBytes[k]![j]!;
  let dramWrite = 0;
  const issue = (at: number, k: number, j: number, bytes: number) => {
    if (bytes <= 0) return;
    const i = runStart[k]![j]!;
    const tr = dram.request(at, bytes, 'read');
    arrival[i] = Math.max(arrival[i]!, tr.doneCycle);
    trace?.span('DRAM', `${tName}read for step ${i}`, tr.startCycle + tOff, tr.doneCycle + tOff, { bytes });
  };
  const curRun = new Int32Array(T).fill(-1);
  const prefetch = (at: number, i: number) => {
    for (let k = 0; k < T; k++) {
      if (runAt[k]![i]! >= 0) curRun[k] = runAt[k]![i]!;
      const j = curRun[k]!;
      if (j < 0 || j + 1 >= runs[k]!) continue;
      const len = runStart[k]![j + 1]! - runStart[k]![j]!;
      issue(at, k, j + 1, runBytes[k]![j + 1]! / len);
    }
  };
  for (let k = 0; k < T; k++) if (runs[k]! > 0) issue(0, k, 0, runBytes[k]![0]!);
  prefetch(0, 0);
  let end = 0;
  let computeCycles = 0;
  let stall = 0;
  let lastWrite = 0;
  for (let i = 0; i < steps; i++) {
    let cyc = compute[i]!;
    if (cfg.pipelined && i === 0) cyc += firstRows[0]!; // the first fold's rows shift in
    if (cfg.pipelined && i === steps - 1) cyc += R + lastCols(cfg, n) - 2; // skew and drain
    const start = Math.max(end, arrival[i]!);
    stall += start - end;
    if (start > end) trace?.span('array', `${tName}stall`, end + tOff, start + tOff, { reason: 'dram' });
    end = start + cyc;
    computeCycles += cyc;
    trace?.span('array', `${tName}step ${i}`, start + tOff, end + tOff, {});
    if (write[i]! > 0) {
      const tr = dram.request(end, write[i]!, 'write');
      dramWrite += write[i]!;
      lastWrite = Math.max(lastWrite, tr.doneCycle);
      trace?.span('DRAM', `${tName}write step ${i}`, tr.startCycle + tOff, tr.doneCycle + tOff, { bytes: write[i]! });
    }
    if (i + 1 < steps) prefetch(end, i + 1);
  }
  const totalCycles = Math.max(end, lastWrite);
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
  };
}

function tileCount(mask: number, n: number[]): number {
  let p = 1;
  for (let v = 0; v < 3; v++) if (mask & (1 << v)) p *= n[v]!;
  return p;
}

/** Bytes of the tile a key (mixed-radix tile coordinates over the mask's variables) names. */
function bytesOfKey(mask: number, key: number, n: number[], tiles: number[], sizes: number[], bytes: number): number {
  let b = bytes;
  for (let v = 2; v >= 0; v--)
    if (mask & (1 << v)) {
      const c = key % n[v]!;
      key = Math.floor(key / n[v]!);
      b *= Math.min(tiles[v]!, sizes[v]! - c * tiles[v]!);
    }
  return b;
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
