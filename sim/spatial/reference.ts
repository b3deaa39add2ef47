// The per-PE register-level reference (fidelity level 3): every PE's registers move one hop per
// cycle and every MAC is computed where and when it happens. It is the oracle for the fast engine
// and runs small sizes only (its cost is cycles × R × C).
//
// Register timing (cycle τ counted from the start of a fold, PEs updated from the far corner
// inwards so each reads its neighbours' values of the previous cycle):
//   os: row i's A feed carries A[m0+i][τ−i], column j's B feed carries B[τ−j][n0+j]; both meet in
//       PE(i,j) at τ = k+i+j. Once the last MAC fires, the accumulators shift down one row per
//       cycle and leave from the bottom edge (R shifts for the top row).
//   ws/is: the stationary operand is shifted down from the top edge for r cycles (row r−1 first);
//       then row i's feed carries the streamed element t at τ = t+i, and column j's partial sum for
//       t enters at the top at τ = t+j, picks up one MAC per used row, and leaves the bottom of
//       the physical array (all R rows) into Z, which holds the partial sums between K folds.
import { type ArrayDims, type Dataflow, type GemmShape, foldGrid, spatialExtents } from './folds';
import { type MacArray, type MacDtype, macFor, newMatrix } from './mac';

export interface GemmOperands {
  dtype: MacDtype;
  /** M×K row-major */
  A: MacArray;
  /** K×N row-major */
  B: MacArray;
}

export interface ReferenceResult {
  cycles: number;
  foldCycles: number[];
  macs: number;
  /** M×N row-major */
  Z: MacArray;
}

/** Registers, one slot per PE (index i*C + j); a tag of −1 marks an empty register. */
interface Regs {
  aVal: Float64Array;
  aTag: Int32Array;
  bVal: Float64Array;
  bTag: Int32Array;
  pVal: Float64Array;
  pTag: Int32Array;
}

/** One fold: the used rows and columns, where they start, the dataflow and the GEMM. */
interface Fold {
  df: Dataflow;
  R: number;
  C: number;
  r: number;
  c: number;
  row0: number;
  col0: number;
  s: GemmShape;
  ops: GemmOperands;
  mac: (acc: number, a: number, b: number) => number;
  Z: MacArray;
}

export function simulateReference(df: Dataflow, dims: ArrayDims, s: GemmShape, ops: GemmOperands): ReferenceResult {
  const { rows: R, cols: C } = dims;
  const ext = spatialExtents(df, s);
  const grid = foldGrid(ext, dims);
  const mac = macFor(ops.dtype);
  const Z = newMatrix(ops.dtype, s.M * s.N);
  const foldCyclesOut: number[] = [];
  let macs = 0;
  const n = R * C;
  const regs: Regs = { aVal: new Float64Array(n), aTag: new Int32Array(n), bVal: new Float64Array(n), bTag: new Int32Array(n), pVal: new Float64Array(n), pTag: new Int32Array(n) };
  for (let fc = 0; fc < grid.colFolds; fc++) {
    for (let fr = 0; fr < grid.rowFolds; fr++) {
      const f: Fold = { df, R, C, r: fr === grid.rowFolds - 1 ? grid.lastRows : R, c: fc === grid.colFolds - 1 ? grid.lastCols : C, row0: fr * R, col0: fc * C, s, ops, mac, Z };
      regs.aTag.fill(-1);
      regs.bTag.fill(-1);
      regs.pTag.fill(-1);
      const run = df === 'os' ? foldOs(f, regs) : foldStationary(f, regs, ext.t);
      macs += run.macs;
      foldCyclesOut.push(run.cycles);
    }
  }
  return { cycles: foldCyclesOut.reduce((x, y) => x + y, 0), foldCycles: foldCyclesOut, macs, Z };
}

/** os: A from the left (k = τ − i), B from the top (k = τ − j); accumulators stay in place, then drain. */
function foldOs(f: Fold, g: Regs): { cycles: number; macs: number } {
  const { R, C, r, c, row0, col0, s, ops, mac } = f;
  const T = s.K;
  const target = r * c * T;
  let done = 0;
  let cycles = 0;
  const acc = g.pVal; // accumulator per PE
  const accRow = g.pTag; // which output row it holds (−1: none)
  acc.fill(0);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) accRow[i * C + j] = row0 + i;
  for (let tau = 0; done < target; tau++) {
    for (let i = R - 1; i >= 0; i--) {
      for (let j = C - 1; j >= 0; j--) {
        const p = i * C + j;
        let av: number, at: number, bv: number, bt: number;
        if (j === 0) {
          const k = tau - i;
          at = i < r && k >= 0 && k < T ? k : -1;
          av = at >= 0 ? ops.A[(row0 + i) * s.K + k]! : 0;
        } else {
          at = g.aTag[p - 1]!;
          av = g.aVal[p - 1]!;
        }
        if (i === 0) {
          const k = tau - j;
          bt = j < c && k >= 0 && k < T ? k : -1;
          bv = bt >= 0 ? ops.B[k * s.N + col0 + j]! : 0;
        } else {
          bt = g.bTag[p - C]!;
          bv = g.bVal[p - C]!;
        }
        g.aTag[p] = at;
        g.aVal[p] = av;
        g.bTag[p] = bt;
        g.bVal[p] = bv;
        if (at >= 0 && bt >= 0) {
          if (at !== bt) throw new Error(`os skew broken at PE(${i},${j}) cycle ${tau}: k ${at} vs ${bt}`);
          acc[p] = mac(acc[p]!, av, bv);
          done++;
        }
      }
    }
    cycles++;
  }
  return { cycles: cycles + drainOs(f, acc, accRow), macs: done };
}

/** os drain: the accumulators shift down; the bottom row leaves the array each cycle. Returns the cycles. */
function drainOs(f: Fold, acc: Float64Array, accRow: Int32Array): number {
  const { R, C, r, c, col0, s, Z } = f;
  let remaining = r * c;
  let cycles = 0;
  while (remaining > 0) {
    for (let j = 0; j < C; j++) {
      const p = (R - 1) * C + j;
      if (accRow[p]! >= 0) {
        Z[accRow[p]! * s.N + col0 + j] = acc[p]!;
        remaining--;
      }
    }
    for (let i = R - 1; i >= 1; i--) {
      for (let j = 0; j < C; j++) {
        acc[i * C + j] = acc[(i - 1) * C + j]!;
        accRow[i * C + j] = accRow[(i - 1) * C + j]!;
      }
    }
    for (let j = 0; j < C; j++) accRow[j] = -1;
    cycles++;
  }
  return cycles;
}

/** ws/is: the stationary operand S(k, col), the streamed X(k, t) and the output Z(col, t) of a fold. */
function operandsOf(f: Fold) {
  const { df, s, ops } = f;
  return {
    stat: (k: number, col: number): number => (df === 'ws' ? ops.B[k * s.N + col]! : ops.A[col * s.K + k]!),
    strm: (k: number, t: number): number => (df === 'ws' ? ops.A[t * s.K + k]! : ops.B[k * s.N + t]!),
    zIndex: (col: number, t: number): number => (df === 'ws' ? t * s.N + col : col * s.N + t),
  };
}

/** ws/is load: r shifts down from the top edge, the row r−1 value first. Returns the cycles. */
function loadStationary(f: Fold, wVal: Float64Array, wTag: Int32Array): number {
  const { R, C, r, c, row0, col0 } = f;
  const { stat } = operandsOf(f);
  for (let tau = 0; tau < r; tau++) {
    for (let i = R - 1; i >= 1; i--) {
      for (let j = 0; j < C; j++) {
        wVal[i * C + j] = wVal[(i - 1) * C + j]!;
        wTag[i * C + j] = wTag[(i - 1) * C + j]!;
      }
    }
    const k = row0 + r - 1 - tau;
    for (let j = 0; j < C; j++) {
      wTag[j] = j < c ? k : -1;
      wVal[j] = j < c ? stat(k, col0 + j) : 0;
    }
  }
  for (let i = 0; i < R; i++) {
    for (let j = 0; j < C; j++) {
      const want = i < r && j < c ? row0 + i : -1;
      if (wTag[i * C + j] !== want) throw new Error(`stationary load misplaced at PE(${i},${j})`);
    }
  }
  return r;
}

/**
 * ws/is: load the stationary operand, then stream: row i's feed carries element t at τ = t+i, column
 * j's partial sum for t enters at the top at τ = t+j, picks up one MAC per used row and leaves the
 * bottom of the physical array into Z.
 */
function foldStationary(f: Fold, g: Regs, T: number): { cycles: number; macs: number } {
  const { df, R, C, r, c, row0, col0, mac, Z } = f;
  const { strm, zIndex } = operandsOf(f);
  const wVal = g.bVal;
  const wTag = g.bTag;
  let cycles = loadStationary(f, wVal, wTag);
  let macs = 0;
  const target = T * c;
  let exits = 0;
  for (let tau = 0; exits < target; tau++) {
    for (let i = R - 1; i >= 0; i--) {
      for (let j = C - 1; j >= 0; j--) {
        const p = i * C + j;
        let av: number, at: number, pv: number, pt: number;
        if (j === 0) {
          const t = tau - i;
          at = i < r && t >= 0 && t < T ? t : -1;
          av = at >= 0 ? strm(row0 + i, t) : 0;
        } else {
          at = g.aTag[p - 1]!;
          av = g.aVal[p - 1]!;
        }
        if (i === 0) {
          const t = tau - j;
          pt = j < c && t >= 0 && t < T ? t : -1;
          pv = pt >= 0 ? Z[zIndex(col0 + j, t)]! : 0; // the partial sum so far (0 before the first K fold)
        } else {
          pt = g.pTag[p - C]!;
          pv = g.pVal[p - C]!;
        }
        if (pt >= 0 && wTag[p]! >= 0) {
          if (at !== pt) throw new Error(`${df} skew broken at PE(${i},${j}) cycle ${tau}: t ${at} vs ${pt}`);
          pv = mac(pv, av, wVal[p]!);
          macs++;
        }
        g.aTag[p] = at;
        g.aVal[p] = av;
        g.pTag[p] = pt;
        g.pVal[p] = pv;
        if (i === R - 1 && pt >= 0) {
          Z[zIndex(col0 + j, pt)] = pv;
          exits++;
        }
      }
    }
    cycles++;
  }
  return { cycles, macs };
}
