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

export function simulateReference(df: Dataflow, dims: ArrayDims, s: GemmShape, ops: GemmOperands): ReferenceResult {
  const { rows: R, cols: C } = dims;
  const ext = spatialExtents(df, s);
  const grid = foldGrid(ext, dims);
  const mac = macFor(ops.dtype);
  const Z = newMatrix(ops.dtype, s.M * s.N);
  const foldCyclesOut: number[] = [];
  let macs = 0;

  // Registers, one slot per PE (index i*C + j); a tag of −1 marks an empty register.
  const n = R * C;
  const aVal = new Float64Array(n);
  const aTag = new Int32Array(n);
  const bVal = new Float64Array(n);
  const bTag = new Int32Array(n);
  const pVal = new Float64Array(n);
  const pTag = new Int32Array(n);

  for (let fc = 0; fc < grid.colFolds; fc++) {
    for (let fr = 0; fr < grid.rowFolds; fr++) {
      const r = fr === grid.rowFolds - 1 ? grid.lastRows : R;
      const c = fc === grid.colFolds - 1 ? grid.lastCols : C;
      const row0 = fr * R;
      const col0 = fc * C;
      aTag.fill(-1);
      bTag.fill(-1);
      pTag.fill(-1);
      let cycles = 0;

      if (df === 'os') {
        // A from the left (k = τ − i), B from the top (k = τ − j); accumulators stay in place.
        const T = s.K;
        const target = r * c * T;
        let done = 0;
        const acc = pVal; // accumulator per PE
        const accRow = pTag; // which output row it holds (−1: none)
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
                at = aTag[p - 1]!;
                av = aVal[p - 1]!;
              }
              if (i === 0) {
                const k = tau - j;
                bt = j < c && k >= 0 && k < T ? k : -1;
                bv = bt >= 0 ? ops.B[k * s.N + col0 + j]! : 0;
              } else {
                bt = bTag[p - C]!;
                bv = bVal[p - C]!;
              }
              aTag[p] = at;
              aVal[p] = av;
              bTag[p] = bt;
              bVal[p] = bv;
              if (at >= 0 && bt >= 0) {
                if (at !== bt) throw new Error(`os skew broken at PE(${i},${j}) cycle ${tau}: k ${at} vs ${bt}`);
                acc[p] = mac(acc[p]!, av, bv);
                done++;
              }
            }
          }
          cycles++;
        }
        macs += done;
        // Drain: shift down; the bottom row leaves the array each cycle.
        let remaining = r * c;
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
      } else {
        // ws/is. Stationary S(k, col), streamed X(k, t), output Z(col, t).
        const T = ext.t;
        const stat = (k: number, col: number): number =>
          df === 'ws' ? ops.B[k * s.N + col]! : ops.A[col * s.K + k]!;
        const strm = (k: number, t: number): number => (df === 'ws' ? ops.A[t * s.K + k]! : ops.B[k * s.N + t]!);
        const zIndex = (col: number, t: number): number => (df === 'ws' ? t * s.N + col : col * s.N + t);
        const wVal = bVal;
        const wTag = bTag;
        // Load: r shifts down from the top edge, the row r−1 value first.
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
          cycles++;
        }
        for (let i = 0; i < R; i++) {
          for (let j = 0; j < C; j++) {
            const want = i < r && j < c ? row0 + i : -1;
            if (wTag[i * C + j] !== want) throw new Error(`stationary load misplaced at PE(${i},${j})`);
          }
        }
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
                at = aTag[p - 1]!;
                av = aVal[p - 1]!;
              }
              if (i === 0) {
                const t = tau - j;
                pt = j < c && t >= 0 && t < T ? t : -1;
                pv = pt >= 0 ? Z[zIndex(col0 + j, t)]! : 0; // the partial sum so far (0 before the first K fold)
              } else {
                pt = pTag[p - C]!;
                pv = pVal[p - C]!;
              }
              if (pt >= 0 && wTag[p]! >= 0) {
                if (at !== pt) throw new Error(`${df} skew broken at PE(${i},${j}) cycle ${tau}: t ${at} vs ${pt}`);
                pv = mac(pv, av, wVal[p]!);
                macs++;
              }
              aTag[p] = at;
              aVal[p] = av;
              pTag[p] = pt;
              pVal[p] = pv;
              if (i === R - 1 && pt >= 0) {
                Z[zIndex(col0 + j, pt)] = pv;
                exits++;
              }
            }
          }
          cycles++;
        }
      }
      foldCyclesOut.push(cycles);
    }
  }
  return { cycles: foldCyclesOut.reduce((x, y) => x + y, 0), foldCycles: foldCyclesOut, macs, Z };
}
