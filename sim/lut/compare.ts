// Low-bit GEMM units side by side, and the tile-shape sweep, from one cell library (cost.ts).
//   sideBySide: one mpGEMM (M x N x K, W-bit weights) on one unit of each kind with the same array
//     size (M N K of the tile = 512, the A100 INT8 tensor core's 8 x 4 x 16): cycles, TFLOPs/mm2 and
//     TOPs/W.
//       lut        the LUT tile (tile.ts: lutCycles, table loads included);
//       bitserial  8 x 4 x 16 DP4 lanes, one weight bit a cycle: ceil(M/8) ceil(N/4) ceil(K/16) W cycles;
//       mac        dequantise-then-MAC on the same 8 x 4 x 16: ceil(M/8) ceil(N/4) ceil(K/16) cycles.
//     A decode GEMM (M = 1) fills 1 of 8 rows of the 8 x 4 x 16 units and 1 of 2 of the M2 LUT tile.
//   sweep: tiles of about M N K = 512 (M a power of two, K = 1..8, N = floor(512 / (M K))), for each
//     activation type and weight width: area, power at 1 GHz, each scaled to 512 array elements so
//     that a K that does not divide 512 compares fairly, and which tile is smallest.
import { densityTflopsPerMm2, topsPerWatt, unitCost, type ActType, type CellLibrary, type UnitKind } from './cost';
import { lutCycles, type LutUnitConfig } from './tile';

export interface SideBySideRow {
  kind: UnitKind;
  wbits: number;
  tile: string;
  cycles: number;
  tflopsPerMm2: number;
  topsPerWatt: number;
  areaUm2: number;
}

const MAC_TILE = { m: 8, n: 4, k: 16 };

export function sideBySide(lib: CellLibrary, shape: { M: number; N: number; K: number }, act: ActType, widths: readonly number[], lut: LutUnitConfig, clockHz: number): SideBySideRow[] {
  const rows: SideBySideRow[] = [];
  const macSteps = Math.ceil(shape.M / MAC_TILE.m) * Math.ceil(shape.N / MAC_TILE.n) * Math.ceil(shape.K / MAC_TILE.k);
  for (const w of widths) {
    const kinds: [UnitKind, { m: number; n: number; k: number }, number][] = [
      ['lut', lut.tile, lutCycles(shape.M, shape.N, shape.K, w, lut).cycles],
      ['bitserial', MAC_TILE, macSteps * w],
      ['mac', MAC_TILE, macSteps],
    ];
    for (const [kind, tile, cycles] of kinds) {
      const u = unitCost(lib, { kind, tile, act, wbits: w, doubleRegs: lut.doubleBuffered });
      rows.push({ kind, wbits: w, tile: `M${tile.m} N${tile.n} K${tile.k}`, cycles, tflopsPerMm2: densityTflopsPerMm2(u, clockHz), topsPerWatt: topsPerWatt(u), areaUm2: u.areaUm2 });
    }
  }
  return rows;
}

export interface SweepPoint {
  act: ActType;
  wbits: number;
  m: number;
  n: number;
  k: number;
  /** area, power and parts scaled to `size` array elements (M N K may fall short of it) */
  areaUm2: number;
  /** mW at `clockHz` */
  powerMw: number;
  tableUm2: number;
  muxUm2: number;
  accUm2: number;
}

/** Every M x N x K = `size` LUT tile for each activation type and weight width. */
export function tileSweep(lib: CellLibrary, acts: readonly ActType[], widths: readonly number[], clockHz: number, size = 512): SweepPoint[] {
  const out: SweepPoint[] = [];
  for (const act of acts)
    for (const wbits of widths)
      for (let k = 1; k <= 8; k++)
        for (let m = 1; m * k <= size; m *= 2) {
          const n = Math.floor(size / (m * k));
          const u = unitCost(lib, { kind: 'lut', tile: { m, n, k }, act, wbits, doubleRegs: true });
          const f = size / (m * n * k);
          const part = (re: RegExp) => (u.components.filter((c) => re.test(c.name)).reduce((s, c) => s + c.areaUm2, 0)) * f;
          out.push({ act, wbits, m, n, k, areaUm2: u.areaUm2 * f, powerMw: ((u.pjPerCycle * clockHz) / 1e9) * f, tableUm2: part(/^(table|weight) registers/), muxUm2: part(/multiplexers/), accUm2: part(/^accumulator/) });
        }
  return out;
}

/** The smallest tile per (activation, width). */
export function bestTiles(points: readonly SweepPoint[]): SweepPoint[] {
  const best = new Map<string, SweepPoint>();
  for (const p of points) {
    const key = `${p.act}/${p.wbits}`;
    const b = best.get(key);
    if (!b || p.areaUm2 < b.areaUm2) best.set(key, p);
  }
  return [...best.values()];
}
