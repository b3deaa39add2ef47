// glpk.js back end. GLPK reports no dual bound when it stops at its time limit, so the gap it reports is
// measured against the LP relaxation (solved first, without integrality): a valid but looser bound.
import { relativeGap, type MipModel, type MipOptions, type MipResult, type MipSolver } from '../mip';
// the WebAssembly module's loader is imported on the first solve, not with the scheduler (start-up)
const GLPK = async () => (await import('glpk.js/node')).default();

type GlpkApi = Awaited<ReturnType<typeof import('glpk.js/node').default>>;
let loaded: Promise<GlpkApi> | undefined;

function toLp(g: GlpkApi, m: MipModel, integer: boolean) {
  const name = (j: number) => `x${j}`;
  const bounds = m.colNames.map((_, j) => {
    const lb = m.colLower[j]!;
    const ub = m.colUpper[j]!;
    const type = lb === ub ? g.GLP_FX : ub === Infinity ? (lb === -Infinity ? g.GLP_FR : g.GLP_LO) : lb === -Infinity ? g.GLP_UP : g.GLP_DB;
    return { name: name(j), type, lb: Number.isFinite(lb) ? lb : 0, ub: Number.isFinite(ub) ? ub : 0 };
  });
  const subjectTo = m.rowLower.map((lo, i) => {
    const hi = m.rowUpper[i]!;
    const vars = [];
    for (let k = m.rowStarts[i]!; k < m.rowStarts[i + 1]!; k++) vars.push({ name: name(m.rowIndex[k]!), coef: m.rowValue[k]! });
    const type = lo === hi ? g.GLP_FX : hi === Infinity ? g.GLP_LO : lo === -Infinity ? g.GLP_UP : g.GLP_DB;
    return { name: `r${i}`, vars, bnds: { type, lb: Number.isFinite(lo) ? lo : 0, ub: Number.isFinite(hi) ? hi : 0 } };
  });
  const objVars = [];
  for (let j = 0; j < m.numCols; j++) if (m.colCost[j] !== 0) objVars.push({ name: name(j), coef: m.colCost[j]! });
  if (objVars.length === 0 && m.numCols > 0) objVars.push({ name: name(0), coef: 0 });
  return {
    name: 'tessera-schedule',
    objective: { direction: g.GLP_MIN, name: 'cost', vars: objVars },
    subjectTo,
    bounds,
    ...(integer ? { generals: m.colNames.map((_, j) => name(j)).filter((_, j) => m.colInteger[j]) } : {}),
  };
}

export const glpkSolver: MipSolver = {
  name: 'glpk',
  async solve(m: MipModel, o: MipOptions): Promise<MipResult> {
    const g = await (loaded ??= GLPK());
    const t0 = performance.now();
    const relax = g.solve(toLp(g, m, false), { msglev: g.GLP_MSG_OFF, tmlim: o.timeLimitSeconds });
    if (relax.result.status === g.GLP_NOFEAS || relax.result.status === g.GLP_INFEAS)
      return { solver: 'glpk', status: 'infeasible', objective: NaN, bound: Infinity, gap: Infinity, values: new Float64Array(0), solveSeconds: (performance.now() - t0) / 1000 };
    const lpBound = (relax.result.status === g.GLP_OPT ? relax.result.z : -Infinity) + m.objectiveOffset;
    const left = Math.max(1, o.timeLimitSeconds - (performance.now() - t0) / 1000);
    o.onProgress?.({ elapsedSeconds: (performance.now() - t0) / 1000, limitSeconds: o.timeLimitSeconds, bound: lpBound });
    const r = g.solve(toLp(g, m, true), { msglev: g.GLP_MSG_OFF, tmlim: left, mipgap: 0 });
    const solveSeconds = (performance.now() - t0) / 1000;
    const st = r.result.status;
    if (st === g.GLP_NOFEAS) return { solver: 'glpk', status: 'infeasible', objective: NaN, bound: Infinity, gap: Infinity, values: new Float64Array(0), solveSeconds };
    if (st !== g.GLP_OPT && st !== g.GLP_FEAS) return { solver: 'glpk', status: 'no-solution', objective: NaN, bound: lpBound, gap: Infinity, values: new Float64Array(0), solveSeconds, timedOut: solveSeconds >= 0.9 * o.timeLimitSeconds || st === g.GLP_UNDEF };
    const values = new Float64Array(m.numCols);
    for (let j = 0; j < m.numCols; j++) values[j] = r.result.vars[`x${j}`] ?? 0;
    const objective = m.objectiveOf(values);
    // glp_intopt stops at tmlim with status FEAS; with mipgap 0 an OPT status means proven optimal.
    const optimal = st === g.GLP_OPT && solveSeconds < o.timeLimitSeconds;
    const bound = optimal ? objective : Math.min(lpBound, objective);
    const gap = optimal ? 0 : relativeGap(objective, bound);
    return { solver: 'glpk', status: gap === 0 ? 'optimal' : 'feasible', objective, bound, gap, values, solveSeconds, timedOut: gap > 0 };
  },
};
