// `tessera repro cosma [--json]`: the COSMA experiment on Tessera's graphs, with our reductions of
// non-compulsory traffic beside the paper's (figures from compiler/schedule/bench-graphs/cosma-paper.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DiagnosticError, formatBytes } from '../../ir';
import { parseCascade } from '../../lang';
import cliProgress from 'cli-progress';
import { baselines, cascadeToOpGraph, computeBudgets, divideAndConquer, withSram, SOLVER_NAMES, type SolverName } from '../../schedule';
import { LLAMA2_7B, transformerEin } from '../../schedule/bench-graphs/models';
import { COSMA_TIERS, runSuite, scaleAttention, suiteGraphs, summarize, type SuiteRow, type SuiteSummary } from '../../schedule/bench-graphs/suite';
import { UserError } from '../user-error';

const root = join(import.meta.dirname, '../../..');

interface PaperFigures {
  source: string;
  reductionAtMR: { value: number };
  nonCompulsoryAtMP: { value: number };
  divideAndConquerReduction: { value: number };
  meanSolveSeconds: { value: number };
}

export interface CosmaReproOptions {
  json?: boolean;
  solver?: string;
  timeLimit?: string;
  quick?: boolean;
  timings?: boolean;
}

export interface CosmaRepro {
  paper: PaperFigures;
  rows: Omit<SuiteRow, 'solveSeconds'>[];
  summary: SuiteSummary[];
  divideAndConquer: { graph: string; ops: number; budget: string; nonCompulsoryBytes: number; baselineBytes: number | null; windows: number }[];
  timings?: { meanSolveSeconds: number; divideSeconds: number[] };
}

const parse = (text: string, name: string) => {
  const r = parseCascade(text, name);
  if (!r.cascade) throw new DiagnosticError(r.diagnostics, text);
  return r.cascade;
};

export async function cosmaRepro(o: CosmaReproOptions): Promise<CosmaRepro> {
  const solver = (o.solver ?? 'highs') as SolverName;
  if (!(SOLVER_NAMES as readonly string[]).includes(solver)) throw new UserError(`--solver ${o.solver}: expected one of ${SOLVER_NAMES.join(', ')}`);
  const limit = o.timeLimit === undefined ? 30 : Number(o.timeLimit);
  if (!(limit > 0)) throw new UserError(`--time-limit ${o.timeLimit}: expected seconds`);
  const paper = JSON.parse(readFileSync(join(root, 'compiler/schedule/bench-graphs/cosma-paper.json'), 'utf8')) as PaperFigures;
  const attention = Object.fromEntries(['3pass', '2pass', '1pass'].map((p) => [`attention ${p} (E=F=64, M=4096, P=1024)`, scaleAttention(readFileSync(join(root, `examples/attention/attention-${p}.ein`), 'utf8'))]));
  const graphs = suiteGraphs(parse, attention, o.quick ? [1] : [1, 2, 3]);
  const bar = !o.json && process.stderr.isTTY === true ? new cliProgress.SingleBar({ format: '  cosma [{bar}] {value}/{total} instances  {graph}', stream: process.stderr, clearOnComplete: true }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(graphs.length * 2 * 3 + 2, 0, { graph: '' });
  const rows = await runSuite(graphs, { solvers: [solver], timeLimitSeconds: limit, onRow: (r) => bar?.increment({ graph: `${r.graph} ${r.budget}` }) });
  const dc: CosmaRepro['divideAndConquer'] = [];
  const dcSeconds: number[] = [];
  const g = cascadeToOpGraph(parse(transformerEin({ ...LLAMA2_7B, layers: o.quick ? 4 : 32 }), 'llama'), { params: false, name: `llama-2-7b x${o.quick ? 4 : 32} layers` });
  const b = await computeBudgets(g, COSMA_TIERS, { maxIlpOps: 0 });
  for (const budget of ['MR', 'MH'] as const) {
    const chain = withSram(COSMA_TIERS, b[budget]);
    const d = await divideAndConquer(g, chain, { solver, windowOps: 16 });
    const bl = baselines(g, chain)
      .map((x) => x.nonCompulsoryBytes)
      .filter((x): x is number => x !== null);
    dc.push({ graph: g.name, ops: g.ops.length, budget, nonCompulsoryBytes: d.check.traffic.nonCompulsoryBytes, baselineBytes: bl.length ? Math.min(...bl) : null, windows: d.windows.length });
    dcSeconds.push(d.seconds);
    bar?.increment({ graph: `divide and conquer ${budget}` });
  }
  bar?.stop();
  const solveTimes = rows.map((r) => r.solveSeconds[solver]).filter((x): x is number => x !== undefined);
  const out: CosmaRepro = {
    paper,
    rows: rows.map(({ solveSeconds, ...rest }) => (void solveSeconds, rest)),
    summary: summarize(rows),
    divideAndConquer: dc,
  };
  if (o.timings) out.timings = { meanSolveSeconds: solveTimes.reduce((a, x) => a + x, 0) / Math.max(1, solveTimes.length), divideSeconds: dcSeconds };
  return out;
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);
const size = (b: number | null | undefined) => (b === null || b === undefined ? '-' : formatBytes(b));

export function formatCosma(r: CosmaRepro): string {
  const L: string[] = [];
  L.push('COSMA reproduction: removal of non-compulsory traffic against the best baseline (arena allocator + Belady/LRU, program and MPMF orders)');
  L.push(`paper: ${r.paper.source}`);
  L.push('');
  L.push('  graph                                          params  budget  ILP            best baseline  reduction');
  for (const x of r.rows) {
    const ilp = Object.values(x.ilpBytes)[0];
    L.push(`  ${x.graph.padEnd(46).slice(0, 46)} ${(x.params ? 'yes' : 'no').padEnd(7)} ${x.budget.padEnd(7)} ${size(ilp).padStart(12)}  ${size(x.bestBaselineBytes).padStart(13)}  ${pct(x.reduction).padStart(9)}`);
  }
  L.push('');
  const s = (b: string) => r.summary.find((x) => x.budget === b);
  L.push('  figure                                   ours                      paper');
  L.push(`  mean reduction at M_R                    ${pct(s('MR')?.meanReduction).padEnd(25)} ${pct(r.paper.reductionAtMR.value)}`);
  L.push(`  mean reduction at M_H                    ${pct(s('MH')?.meanReduction).padEnd(25)} -`);
  L.push(`  ILP schedules with zero traffic at M_P   ${`${s('MP')?.zeroTrafficInstances ?? 0} of ${s('MP')?.instances ?? 0}`.padEnd(25)} all (${r.paper.nonCompulsoryAtMP.value} bytes)`);
  for (const d of r.divideAndConquer)
    L.push(`  divide and conquer, ${d.graph} at ${d.budget}: ${d.baselineBytes ? pct(1 - d.nonCompulsoryBytes / d.baselineBytes) : '-'} (${d.ops} ops, ${d.windows} windows)   paper (NAS): ${pct(r.paper.divideAndConquerReduction.value)}`);
  if (r.timings) L.push(`  mean ILP solve time: ${r.timings.meanSolveSeconds.toFixed(2)} s (paper, Gurobi: ${r.paper.meanSolveSeconds.value} s); divide and conquer ${r.timings.divideSeconds.map((x) => x.toFixed(1)).join(', ')} s`);
  return L.join('\n') + '\n';
}

/** Adds `cosma` under the `repro` command. */
export function registerCosma(repro: Command): void {
  repro
    .command('cosma')
    .description('COSMA (arXiv 2311.18246): our ILP traffic reductions against the baselines, beside the paper')
    .option('--solver <name>', 'highs (default) or glpk')
    .option('--time-limit <s>', 'per-solve time limit in seconds (default 30)')
    .option('--quick', 'one random DAG and a 4-layer model instead of 32')
    .option('--timings', 'include solve times (they differ from run to run)')
    .option('--json', 'print JSON')
    .action(async (o: CosmaReproOptions) => {
      const r = await cosmaRepro(o);
      process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : formatCosma(r));
    });
}
