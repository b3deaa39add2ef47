// The tiled-GEMM cycle engine (sim/spatial/tiled-gemm.ts) at every size. Oracles: the engine as it
// was before it streamed and collapsed (per-step arrays over every GLB step, kept here verbatim as
// referenceTiledGemm), the closed form of a DRAM-bound 16384^3 GEMM on a 32x32 array, and the
// analytic model. The collapse threshold changes no figure.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../compiler/ir/prng';
import { cascadeWorkloads } from '../../compiler/map';
import { BandwidthChannel } from '../../sim/memory/channel';
import { simulateTiledGemm, type TiledGemmConfig, type TiledGemmRun } from '../../sim/spatial/tiled-gemm';
import { mappedGemmConfig } from '../../targets/spatial-cycle';
import { getTarget } from '../../targets/registry';
import { gemm } from '../map/helpers';

const FIGURES = ['totalCycles', 'computeCycles', 'stallCycles', 'steps', 'folds', 'dramReadBytes', 'dramWriteBytes', 'macs'] as const;
const figures = (r: Omit<TiledGemmRun, 'simulatedSteps'>) => Object.fromEntries(FIGURES.map((k) => [k, r[k]]));

function randomConfig(r: () => number): TiledGemmConfig {
  const pick = <T>(xs: readonly T[]) => xs[r() % xs.length]!;
  const sizes: [number, number, number] = r() % 3 === 0 ? [64 * (1 + (r() % 8)), 64 * (1 + (r() % 8)), 64 * (1 + (r() % 8))] : [1 + (r() % 300), 1 + (r() % 300), 1 + (r() % 300)];
  const tiles = sizes.map((s) => Math.max(1, Math.min(s, pick([1, 2, 4, 8, 16, 32, 64, 7, 13])))) as [number, number, number];
  const rowVar = r() % 3;
  const colVar = (rowVar + 1 + (r() % 2)) % 3;
  return {
    rows: pick([4, 8, 12, 32]),
    cols: pick([4, 8, 14, 32]),
    pipelined: r() % 2 === 0,
    sizes,
    tiles,
    rowVar,
    colVar,
    order: pick([[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] as [number, number, number][]),
    // a GEMM over (m, n, k): A[m, k], B[k, n], Z[m, n]
    tensors: [
      { mask: 0b101, bytes: pick([1, 2]), write: false, offDram: r() % 5 === 0 },
      { mask: 0b110, bytes: pick([1, 2]), write: false, offDram: r() % 5 === 0 },
      { mask: 0b011, bytes: pick([1, 2, 4]), write: true, offDram: r() % 5 === 0 },
    ],
    dramBytesPerCycle: pick([1, 4, 10, 48.57, 200]),
    dramLatencyCycles: pick([0, 0, 10, 100]),
  };
}

describe('tiled-GEMM engine: stepping, collapsing and the engine it replaced agree exactly', () => {
  it('300 random mappings (ragged tiles, every order and binding, pipelined or not, slow and fast DRAM)', () => {
    const r = mulberry32(20240613);
    let collapsed = 0;
    for (let i = 0; i < 300; i++) {
      let cfg = randomConfig(r);
      const stepsOf = (x: TiledGemmConfig) => x.sizes.reduce((a, n, v) => a * Math.ceil(n / x.tiles[v]!), 1);
      while (stepsOf(cfg) > 30000) cfg = randomConfig(r); // the reference keeps arrays per step
      const ref = figures(referenceTiledGemm(cfg));
      const stepped = simulateTiledGemm(cfg, { collapseAbove: Infinity });
      const fast = simulateTiledGemm(cfg, { collapseAbove: 0 });
      expect(stepped.simulatedSteps).toBe(stepped.steps);
      expect(figures(stepped), JSON.stringify(cfg)).toEqual(ref);
      expect(figures(fast), JSON.stringify(cfg)).toEqual(ref);
      if (fast.simulatedSteps < fast.steps / 4) collapsed++;
    }
    expect(collapsed).toBeGreaterThan(100); // the collapse did skip most steps of many of them
  });

  it('the threshold changes no figure on a mapped 4096^3 GEMM (systolic, bf16 in, fp32 out)', () => {
    const c = gemm(4096, 4096, 4096, 'bf16', 'fp32', false);
    const t = getTarget('systolic');
    const m = t.map(c, undefined, { seed: 1 });
    const cfg = mappedGemmConfig(t.spec, c, cascadeWorkloads(c)[0]!, m.einsums[0]!)!;
    const low = simulateTiledGemm(cfg, { collapseAbove: 0 });
    const high = simulateTiledGemm(cfg, { collapseAbove: Infinity });
    expect(high.simulatedSteps).toBe(high.steps);
    expect(low.simulatedSteps).toBeLessThan(low.steps / 100);
    expect(figures(low)).toEqual(figures(high));
  });
});

describe('16384^3 GEMM (bf16 A and B inputs, fp32 Z) on the 32x32 systolic array', () => {
  const c = gemm(16384, 16384, 16384, 'bf16', 'fp32', false);
  const t = getTarget('systolic');
  const m = t.map(c, undefined, { seed: 1 });

  it('equals its closed form: the channel never idles but for the last step', () => {
    // tiles m 128, n 128, k 64, order n, m, k (k innermost), n on the rows, m on the columns; 10 B/cycle
    const cfg: TiledGemmConfig = {
      rows: 32,
      cols: 32,
      pipelined: false,
      sizes: [16384, 16384, 16384],
      tiles: [128, 128, 64],
      rowVar: 1,
      colVar: 0,
      order: [1, 0, 2],
      tensors: [
        { mask: 0b101, bytes: 2, write: false, offDram: false },
        { mask: 0b110, bytes: 2, write: false, offDram: false },
        { mask: 0b011, bytes: 4, write: true, offDram: false },
      ],
      dramBytesPerCycle: 10,
      dramLatencyCycles: 0,
    };
    const t0 = performance.now();
    const run = simulateTiledGemm(cfg);
    const ms = performance.now() - t0;
    const steps = 128 * 128 * 256;
    // every step fetches a 128x64 A tile and a 64x128 B tile (16,384 B: ceil(1638.4) = 1639 cycles
    // each on the channel); every Z tile (128x128 fp32, 65,536 B: 6554 cycles) is written once
    // (k innermost: never read back); one step is 16 folds of 64 + 32 + 32 + 32 - 2 cycles
    const step = 16 * (64 + 32 + 32 + 32 - 2);
    expect(run.steps).toBe(steps);
    expect(run.dramReadBytes).toBe(2 * steps * 16384);
    expect(run.dramWriteBytes).toBe(16384 ** 2 * 4);
    expect(run.totalCycles).toBe(2 * steps * 1639 + 128 * 128 * 6554 + step);
    expect(run.computeCycles).toBe(steps * step);
    expect(run.simulatedSteps).toBeLessThan(1000);
    expect(ms).toBeLessThan(1000);
  });

  it('the mapper picks that mapping, and fidelity cycle is within 0.5% of analytic with the same DRAM bytes', () => {
    const e = m.einsums[0]!;
    expect({ tiles: e.tiles, order: e.loopOrder }).toEqual({ tiles: { m: 128, n: 128, k: 64 }, order: ['n', 'm', 'k'] });
    const analytic = t.simulate(m, { fidelity: 'analytic' });
    const t0 = performance.now();
    const cycle = t.simulate(m, { fidelity: 'cycle' });
    expect(performance.now() - t0).toBeLessThan(1000);
    // analytic: all DRAM bytes at 10 B/cycle; the engine rounds each transfer up to whole cycles
    // (0.6 of a cycle on each of 8.4 M tile fetches: +5.0 M) and computes the last step after the
    // last fetch: +0.036%
    expect(analytic.latencyCycles).toBe(Math.ceil((137438953472 + 1073741824) / 10));
    expect(cycle.latencyCycles).toBe(2 * 128 * 128 * 256 * 1639 + 128 * 128 * 6554 + 16 * 158);
    expect(Math.abs(cycle.latencyCycles - analytic.latencyCycles) / analytic.latencyCycles).toBeLessThan(0.005);
    expect(cycle.traffic['DRAM']).toEqual(analytic.traffic['DRAM']);
    expect(cycle.warnings.join('\n')).not.toMatch(/GLB steps|fold-level engine/);
  });
});

/** The engine before it streamed: per-step typed arrays over every GLB step (no collapse). */
function referenceTiledGemm(cfg: TiledGemmConfig): Omit<TiledGemmRun, 'simulatedSteps'> {
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
    end = start + cyc;
    computeCycles += cyc;
    if (write[i]! > 0) {
      const tr = dram.request(end, write[i]!, 'write');
      dramWrite += write[i]!;
      lastWrite = Math.max(lastWrite, tr.doneCycle);
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
