// HiGHS (WebAssembly) back end: the fast one. Single-threaded, fixed seed, so the same model gives the
// same solution on every run (as long as the solve finishes inside its time limit).
import { relativeGap, type MipModel, type MipOptions, type MipResult, type MipSolver } from '../mip';
// the WebAssembly module's loader is imported on the first solve, not with the scheduler (start-up)
const loadHighs = async () => (await import('highs')).default();

type HighsApi = Awaited<ReturnType<typeof import('highs').default>>;

/**
 * Options beyond the defaults, chosen by measurement on the scheduling suite (docs/SCHEDULER.md, "Measured"):
 * none. Lower or higher mip_heuristic_effort and mip_detect_symmetry off changed the random DAGs' times by less
 * than the run-to-run noise; presolve off made them 35% slower. Kept as a hook for the next measurement.
 */
export const HIGHS_TUNING: Record<string, number | boolean | string> = {};
let loaded: Promise<HighsApi> | undefined;

export const highsSolver: MipSolver = {
  name: 'highs',
  async solve(m: MipModel, o: MipOptions): Promise<MipResult> {
    const highs = await (loaded ??= loadHighs());
    const inf = highs.infinity;
    const fin = (x: number) => (x === Infinity ? inf : x === -Infinity ? -inf : x);
    const t0 = performance.now();
    const model = highs.createModel({
      numCols: m.numCols,
      numRows: m.numRows,
      offset: m.objectiveOffset,
      colCost: Float64Array.from(m.colCost),
      colLower: Float64Array.from(m.colLower, fin),
      colUpper: Float64Array.from(m.colUpper, fin),
      rowLower: Float64Array.from(m.rowLower, fin),
      rowUpper: Float64Array.from(m.rowUpper, fin),
      matrix: { format: 'csr', numRows: m.numRows, numCols: m.numCols, starts: Int32Array.from(m.rowStarts), indices: Int32Array.from(m.rowIndex), values: Float64Array.from(m.rowValue) },
      integrality: Int32Array.from(m.colInteger, (b) => (b ? 1 : 0)),
    });
    try {
      model.options.set({ output_flag: false, time_limit: o.timeLimitSeconds, mip_rel_gap: 1e-9, mip_abs_gap: 1e-9, random_seed: 0, ...HIGHS_TUNING });
      let startAccepted = false;
      if (o.start && o.start.length === m.numCols) {
        try {
          model.setSolution({ colValue: o.start });
          startAccepted = true;
        } catch {
          // HiGHS rejects a start it cannot use; solve without it
        }
      }
      const cb = highs.constants.callbackType;
      let lastReport = 0;
      const callbacks = o.onProgress
        ? {
            [cb.mipInterrupt]: (e: { data: { mip_primal_bound?: number; mip_dual_bound?: number } }) => {
              const now = performance.now();
              if (now - lastReport < 200) return;
              lastReport = now;
              const p = e.data.mip_primal_bound;
              const d = e.data.mip_dual_bound;
              o.onProgress!({
                elapsedSeconds: (now - t0) / 1000,
                limitSeconds: o.timeLimitSeconds,
                ...(p !== undefined && Number.isFinite(p) && Math.abs(p) < 1e30 ? { objective: p } : {}),
                ...(d !== undefined && Number.isFinite(d) && Math.abs(d) < 1e30 ? { bound: d } : {}),
              });
            },
          }
        : undefined;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      model.run(callbacks as any);
      const status = model.getModelStatus();
      const S = highs.constants.modelStatus;
      const solveSeconds = (performance.now() - t0) / 1000;
      const primalOk = Number(model.info.get('primal_solution_status')) === 2;
      const timedOut = status === S.timeLimit;
      if (status === S.infeasible) return { solver: 'highs', status: 'infeasible', objective: NaN, bound: Infinity, gap: Infinity, values: new Float64Array(0), solveSeconds };
      if (!primalOk) return { solver: 'highs', status: 'no-solution', objective: NaN, bound: Number(model.info.get('mip_dual_bound')), gap: Infinity, values: new Float64Array(0), solveSeconds, timedOut, startAccepted };
      const values = Float64Array.from(model.getSolution().colValue);
      const objective = m.objectiveOf(values);
      let bound = status === S.optimal ? objective : Number(model.info.get('mip_dual_bound'));
      if (!Number.isFinite(bound)) bound = -Infinity;
      const gap = status === S.optimal ? 0 : relativeGap(objective, bound);
      return { solver: 'highs', status: gap === 0 ? 'optimal' : 'feasible', objective, bound: Math.min(bound, objective), gap, values, solveSeconds, timedOut: timedOut && gap > 0, startAccepted };
    } finally {
      model.dispose();
    }
  },
};
