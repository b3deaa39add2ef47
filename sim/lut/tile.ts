// The LUT tile engine (level 2): an mpGEMM on one LUT unit of M x N x K (the paper's M2 N64 K4 by
// default), per tile, never per multiplexer. The unit holds M tables of 2^(K-1) entries (one per
// activation row, each the symmetrised sums of K activations), N weight groups of K bits per bit
// plane, and M x N multiplexer + accumulator lanes. One `lmma` step is one (m-tile, n-tile, k-tile):
//   - the M tables of the k-tile are loaded into the table registers, `tableLoad` entries a cycle
//     (M 2^(K-1) entries: ceil(M 2^(K-1) / tableLoad) cycles); with `doubleBuffered` the next step's
//     tables load while this step runs, so only the excess over its W cycles stalls;
//   - W cycles, one bit plane each: every lane's mux reads entry bits [K-1:1] of its weight field,
//     bit 0 flips the sign, the value is shifted by the plane's weight and added to the accumulator;
//   - at the end of a quantisation group the lane's partial P is scaled into the output,
//     Y += s' (P - z' sum(a)), by the scale stage (pipelined: it takes no issue slot);
//   - two pipeline stages (mux into a register, then accumulate): the last plane's add is one more cycle.
// Loops: m-tiles, n-tiles outer (output stationary), k-tiles inner. Ragged edges run as whole tiles
// (idle lanes). Cycles = load + (steps - 1) period + W + 1, where load = the table-load cycles and the
// period between steps is max(W, load) double-buffered, load + W otherwise.
// Values (only when asked, on small sizes): the same arithmetic as the per-lane reference
// (reference.ts), in the same order, with the accumulator rounded to `acc` after every add.
import type { DType } from '../../compiler/ir';
import { rounderFor } from '../../compiler/interp/numerics';
import { checkMpGemm, LutInputError, packWeights, precomputeAll, type LutTableFormat, type MpGemm } from './functional';

/** stages after the mux: the accumulate (the scale stage is pipelined with it) */
export const ACC_LATENCY = 1;

export interface LutTileShape {
  m: number;
  n: number;
  k: number;
}

export interface LutUnitConfig {
  tile: LutTileShape;
  table: LutTableFormat;
  /** the accumulator's format: 'exact' (float64), 'fp32' or 'fp16' (the RTL's FP16 partial sums) */
  acc: 'exact' | 'fp32' | 'fp16';
  /** table entries written into the unit per cycle */
  tableLoad: number;
  doubleBuffered: boolean;
}

export const DEFAULT_UNIT: LutUnitConfig = { tile: { m: 2, n: 64, k: 4 }, table: 'exact', acc: 'exact', tableLoad: 16, doubleBuffered: true };

/** Supported tile extents: the paper's sweep keeps M N K = 512 with K in 1..8; any M, N >= 1 run. */
export function checkTile(t: LutTileShape): string | null {
  for (const [name, v] of [['M', t.m], ['N', t.n], ['K', t.k]] as const)
    if (!Number.isInteger(v) || v < 1) return `tile ${name} = ${v} is not a positive integer`;
  if (t.k > 8) return `tile K = ${t.k} is not supported: a table of 2^(K-1) = ${2 ** (t.k - 1)} entries per row (K is 1 to 8)`;
  if (t.m * t.n > 1 << 16) return `tile ${t.m}x${t.n} has more than 65,536 lanes`;
  return null;
}

export interface LutCycles {
  cycles: number;
  steps: number;
  /** cycles the lanes wait for table loads */
  stallCycles: number;
  tableLoadCycles: number;
  /** busy lane-cycles (lanes that hold a real output element during a plane) */
  busyLaneCycles: number;
}

/** Cycles to write one step's M tables into the unit. */
export function tableLoadCycles(u: LutUnitConfig): number {
  return Math.ceil((u.tile.m * 2 ** (u.tile.k - 1)) / u.tableLoad);
}

/** Cycles of `steps` back-to-back lmma steps with W-bit weights: the closed form of the header. */
export function cyclesForSteps(steps: number, wbits: number, u: LutUnitConfig): number {
  if (steps <= 0) return 0;
  const load = tableLoadCycles(u);
  const period = u.doubleBuffered ? Math.max(wbits, load) : load + wbits;
  return load + (steps - 1) * period + wbits + ACC_LATENCY;
}

/** Cycles of an M x N x Kdim mpGEMM with W-bit weights on one unit (closed form per tile). */
export function lutCycles(M: number, N: number, Kdim: number, wbits: number, u: LutUnitConfig): LutCycles {
  const { m: tm, n: tn, k: tk } = u.tile;
  const mt = Math.ceil(M / tm), nt = Math.ceil(N / tn), kt = Math.ceil(Kdim / tk);
  const steps = mt * nt * kt;
  const load = tableLoadCycles(u);
  const cycles = cyclesForSteps(steps, wbits, u);
  return {
    cycles,
    steps,
    stallCycles: cycles - steps * wbits - ACC_LATENCY,
    tableLoadCycles: steps * load,
    busyLaneCycles: M * N * kt * wbits,
  };
}

export interface LutRun extends LutCycles {
  /** M x N, rounded once to `out` */
  y: Float64Array;
}

/** Level 2 with values: the whole GEMM tile by tile (small sizes; the cycle count is lutCycles). */
export function runLutTiles(g: MpGemm, u: LutUnitConfig, out: DType = 'fp32'): LutRun {
  const why = checkTile(u.tile) ?? checkMpGemm(g, u.tile.k);
  if (why) throw new LutInputError(why);
  const { M, N, Kdim, wbits, group } = g;
  const { m: tm, n: tn, k: tk } = u.tile;
  const groups = Kdim / tk;
  const entries = 1 << (tk - 1);
  const tables = precomputeAll(g.a, M, Kdim, tk, u.table);
  const w = packWeights(g.q, N, Kdim, wbits, tk);
  const racc = u.acc === 'exact' ? (x: number) => x : rounderFor(u.acc);
  const rout = rounderFor(out);
  const y = new Float64Array(M * N);
  const qgroups = Kdim / group;
  for (let m0 = 0; m0 < M; m0 += tm)
    for (let n0 = 0; n0 < N; n0 += tn)
      for (let m = m0; m < Math.min(M, m0 + tm); m++)
        for (let n = n0; n < Math.min(N, n0 + tn); n++) {
          let acc = 0;
          let asum = 0;
          let yv = 0;
          for (let gi = 0; gi < groups; gi++) {
            const tOff = (m * groups + gi) * entries;
            for (let b = 0; b < wbits; b++) {
              const f = w[(b * N + n) * groups + gi]!;
              const v = tables[tOff + (f >> 1)]!;
              acc = racc(acc + (f & 1 ? v : -v) * 2 ** b);
            }
            for (let j = 0; j < tk; j++) asum += g.a[m * Kdim + gi * tk + j]!;
            if (((gi + 1) * tk) % group === 0) {
              const s = n * qgroups + ((gi + 1) * tk) / group - 1;
              yv += (acc - (2 * g.z[s]! + 1 - 2 ** wbits) * asum) * (g.s[s]! / 2);
              acc = 0;
              asum = 0;
            }
          }
          y[m * N + n] = rout(yv);
        }
  return { ...lutCycles(M, N, Kdim, wbits, u), y };
}
