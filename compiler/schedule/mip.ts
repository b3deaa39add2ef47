// A solver-neutral mixed-integer linear program: columns with bounds and costs, sparse rows with ranges.
// The scheduler builds one of these; each back end (solvers/) translates it to its own input.

export class MipModel {
  readonly colNames: string[] = [];
  readonly colLower: number[] = [];
  readonly colUpper: number[] = [];
  readonly colCost: number[] = [];
  readonly colInteger: boolean[] = [];
  readonly rowLower: number[] = [];
  readonly rowUpper: number[] = [];
  readonly rowStarts: number[] = [0];
  readonly rowIndex: number[] = [];
  readonly rowValue: number[] = [];
  /** A constant added to the objective (reported, not optimised). */
  objectiveOffset = 0;

  get numCols(): number {
    return this.colNames.length;
  }
  get numRows(): number {
    return this.rowLower.length;
  }

  addCol(name: string, lower: number, upper: number, cost: number, integer: boolean): number {
    this.colNames.push(name);
    this.colLower.push(lower);
    this.colUpper.push(upper);
    this.colCost.push(cost);
    this.colInteger.push(integer);
    return this.colNames.length - 1;
  }

  addBinary(name: string, cost = 0): number {
    return this.addCol(name, 0, 1, cost, true);
  }

  /** lower <= sum(coef * col) <= upper; duplicate columns are merged, zero terms dropped. */
  addRow(terms: readonly (readonly [number, number])[], lower: number, upper: number): void {
    const merged = new Map<number, number>();
    for (const [c, a] of terms) merged.set(c, (merged.get(c) ?? 0) + a);
    const cols = [...merged.keys()].sort((a, b) => a - b);
    for (const c of cols) {
      const a = merged.get(c)!;
      if (a === 0) continue;
      this.rowIndex.push(c);
      this.rowValue.push(a);
    }
    this.rowLower.push(lower);
    this.rowUpper.push(upper);
    this.rowStarts.push(this.rowIndex.length);
  }

  /** Rows and bounds that x violates (by more than tol), as indices; for tests and diagnostics. */
  violatedRows(x: ArrayLike<number>, tol = 1e-6): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.numRows; i++) {
      let v = 0;
      for (let k = this.rowStarts[i]!; k < this.rowStarts[i + 1]!; k++) v += this.rowValue[k]! * x[this.rowIndex[k]!]!;
      if (v < this.rowLower[i]! - tol || v > this.rowUpper[i]! + tol) out.push(i);
    }
    return out;
  }

  objectiveOf(x: ArrayLike<number>): number {
    let z = this.objectiveOffset;
    for (let j = 0; j < this.numCols; j++) z += this.colCost[j]! * x[j]!;
    return z;
  }
}

export type MipStatus = 'optimal' | 'feasible' | 'infeasible' | 'no-solution';

export interface MipResult {
  solver: string;
  status: MipStatus;
  /** Objective of the returned solution (NaN when there is none). */
  objective: number;
  /** Best proven lower bound on the optimum. */
  bound: number;
  /** (objective - bound) / max(|objective|, tiny); 0 when proven optimal. */
  gap: number;
  values: Float64Array;
  solveSeconds: number;
  /** The solve stopped at its time limit (the solution, if any, is the best found, not proven optimal). */
  timedOut?: boolean;
  /** A warm start was given and the solver took it as its first incumbent. */
  startAccepted?: boolean;
}

export interface MipProgress {
  elapsedSeconds: number;
  limitSeconds: number;
  objective?: number;
  bound?: number;
}

export interface MipOptions {
  timeLimitSeconds: number;
  /** A feasible solution to start from (HiGHS: a warm start; glpk: its objective bounds the search). */
  start?: Float64Array;
  onProgress?: (p: MipProgress) => void;
}

export interface MipSolver {
  readonly name: 'highs' | 'glpk';
  solve(m: MipModel, o: MipOptions): Promise<MipResult>;
}

export function relativeGap(objective: number, bound: number): number {
  if (!Number.isFinite(objective)) return Infinity;
  const d = objective - bound;
  if (d <= 1e-9 * Math.max(1, Math.abs(objective))) return 0;
  return d / Math.max(Math.abs(objective), 1e-9);
}
