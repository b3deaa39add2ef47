// How a GEMM Z[M,N] = A[M,K]·B[K,N] is laid onto an R×C systolic array in each dataflow, and the
// closed-form cycle count of one fold. The naming follows SCALE-Sim: Sr is the extent mapped to
// array rows, Sc to columns, T the extent streamed in time (A = ifmap, B = filter, Z = ofmap).
//
//   os: Sr = M, Sc = N, T = K   (each PE keeps one Z[m,n]; A enters from the left, B from the top)
//   ws: Sr = K, Sc = N, T = M   (each PE keeps one B[k,n]; A streams from the left, psums go down)
//   is: Sr = K, Sc = M, T = N   (each PE keeps one A[m,k]; B streams from the left, psums go down)
//
// Folds run column-fold outer, row-fold inner (SCALE-Sim's order), so for ws/is the K folds of
// one output tile are consecutive and the partial sums of fold fr feed fold fr+1.

export type Dataflow = 'os' | 'ws' | 'is';
export const DATAFLOWS: readonly Dataflow[] = ['os', 'ws', 'is'];

export interface GemmShape {
  M: number;
  N: number;
  K: number;
}

export interface ArrayDims {
  rows: number;
  cols: number;
}

export interface SpatialExtents {
  sr: number;
  sc: number;
  t: number;
}

export function spatialExtents(df: Dataflow, s: GemmShape): SpatialExtents {
  switch (df) {
    case 'os':
      return { sr: s.M, sc: s.N, t: s.K };
    case 'ws':
      return { sr: s.K, sc: s.N, t: s.M };
    case 'is':
      return { sr: s.K, sc: s.M, t: s.N };
  }
}

export interface FoldGrid {
  rowFolds: number;
  colFolds: number;
  /** rows used in the last row fold (the others use all R) */
  lastRows: number;
  lastCols: number;
}

export function foldGrid(ext: SpatialExtents, a: ArrayDims): FoldGrid {
  const rowFolds = Math.ceil(ext.sr / a.rows);
  const colFolds = Math.ceil(ext.sc / a.cols);
  return {
    rowFolds,
    colFolds,
    lastRows: ext.sr - (rowFolds - 1) * a.rows,
    lastCols: ext.sc - (colFolds - 1) * a.cols,
  };
}

/**
 * Cycles of one fold with unlimited bandwidth, r ≤ R rows and c ≤ C columns in use.
 *
 *   os: (T + r + c − 2) skewed fill + steady state, then R cycles to shift the r×c results out
 *       of the bottom edge (the top row travels through all R rows).
 *   ws, is: r cycles to shift the stationary operand in, then the streamed operand enters with
 *       a skew of one cycle per row; the last partial sum leaves the bottom of column c−1 after
 *       passing all R rows: r + T + R + c − 2.
 *
 * With a full fold (r = R, c = C) both are 2R + C + T − 2: the formula of the SCALE-Sim paper.
 */
export function foldCycles(df: Dataflow, a: ArrayDims, r: number, c: number, t: number): number {
  if (df === 'os') return t + r + c - 2 + a.rows;
  return r + t + a.rows + c - 2;
}

/** Sum of foldCycles over every fold, in closed form (full folds counted once, times their number). */
export function totalComputeCycles(df: Dataflow, a: ArrayDims, s: GemmShape): number {
  const ext = spatialExtents(df, s);
  const g = foldGrid(ext, a);
  let total = 0;
  for (const [rCount, r] of [
    [g.rowFolds - 1, a.rows],
    [1, g.lastRows],
  ] as const) {
    for (const [cCount, c] of [
      [g.colFolds - 1, a.cols],
      [1, g.lastCols],
    ] as const) {
      total += rCount * cCount * foldCycles(df, a, r, c, ext.t);
    }
  }
  return total;
}

/**
 * SCALE-Sim v2's fold timing, for `tessera scalesim --timing scalesim`: every fold is padded to the
 * full array, and os does not count the drain (scalesim/compute/systolic_compute_{os,ws,is}.py:
 * the demand matrices are T + C − 1 (+ R prefix for ws/is) rows, skewed by R − 1).
 *   os: R + C + T − 2      ws, is: 2R + C + T − 2
 */
export function scalesimFoldCycles(df: Dataflow, a: ArrayDims, t: number): number {
  return df === 'os' ? a.rows + a.cols + t - 2 : 2 * a.rows + a.cols + t - 2;
}

/** The per-fold cycle count SCALE-Sim v2 divides by in its Compute Util % (rows + cols − 1 of a demand matrix). */
export function scalesimUtilCycles(df: Dataflow, a: ArrayDims, t: number): number {
  return df === 'os' ? scalesimFoldCycles(df, a, t) : scalesimFoldCycles(df, a, t) + a.cols - 1;
}
