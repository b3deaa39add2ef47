// The COSMA experiment on Tessera's graphs: each graph at M_R, M_H and M_P, with and without parameters;
// the ILP's non-compulsory traffic against the baselines, and solve times per back end. Used by
// bench/schedule.bench.ts and `tessera repro cosma`. Parsing .ein text is injected (compiler/lang sits above
// this folder).
import type { Cascade } from '../../ir';
import { computeBudgets, type BudgetName } from '../budgets';
import { cascadeToOpGraph } from '../from-cascade';
import { baselines, reduction } from '../report';
import { ilpSchedule } from '../schedule';
import type { SolverName } from '../solvers';
import { tierChain, withSram } from '../tiers';
import type { OpGraph, TierChain } from '../types';
import { BERT_BASE, GPT_BLOCK, LLAMA2_7B, resnetLikeEin, transformerEin } from './models';
import { randomDag } from './random-dag';

export interface SuiteGraph {
  family: string;
  name: string;
  build: (params: boolean) => OpGraph;
}

/** The benchmark graphs. `attention` maps a name to .ein text (examples/attention). */
export function suiteGraphs(parse: (text: string, name: string) => Cascade, attention: Record<string, string>, randomSeeds = [1, 2, 3]): SuiteGraph[] {
  const fromText = (family: string, name: string, text: string): SuiteGraph => {
    const c = parse(text, name);
    return { family, name, build: (params) => cascadeToOpGraph(c, { params, name }) };
  };
  return [
    fromText('transformer block', 'transformer block (GPT-2-medium size, s1024)', transformerEin(GPT_BLOCK)),
    fromText('llama-2-7b layer', 'llama-2-7b layer (s2048)', transformerEin(LLAMA2_7B)),
    fromText('bert layer', 'bert-base layer (s512)', transformerEin(BERT_BASE)),
    fromText('resnet-like conv', 'resnet-like conv graph', resnetLikeEin()),
    ...Object.entries(attention).map(([n, t]) => fromText('attention cascade', n, t)),
    ...randomSeeds.map((seed) => ({ family: 'random dag', name: `random dag seed ${seed}`, build: (params: boolean) => randomDag({ seed, ops: 12, params }) })),
  ];
}

/**
 * The attention examples are sized for the interpreter (M = 200, P = 64); for scheduling they are run at a
 * realistic size: head dims 64, 4096 keys, 1024 queries (fp32 as written).
 */
export function scaleAttention(text: string): string {
  return text.replace(/^rank E = \d+, F = \d+, M = \d+, P = \d+$/m, 'rank E = 64, F = 64, M = 4096, P = 1024');
}

/** SRAM (capacity set per budget) and one off-chip tier, as in COSMA; cost 1 per byte. */
export const COSMA_TIERS: TierChain = tierChain([
  { name: 'SRAM', capacityBytes: 1, costPerByte: 0 },
  { name: 'DRAM', capacityBytes: Infinity, costPerByte: 1 },
]);

export interface SuiteRow {
  family: string;
  graph: string;
  params: boolean;
  budget: BudgetName;
  budgetBytes: number;
  ops: number;
  order: 'free' | 'fixed';
  ilpBytes: Partial<Record<SolverName, number>>;
  status: Partial<Record<SolverName, string>>;
  gap: Partial<Record<SolverName, number>>;
  solveSeconds: Partial<Record<SolverName, number>>;
  baselineBytes: Record<string, number | null>;
  bestBaseline: string | null;
  bestBaselineBytes: number | null;
  reduction: number | null;
}

export interface SuiteOptions {
  solvers: SolverName[];
  timeLimitSeconds: number;
  /** glpk may be given less time (it is the slow one) */
  glpkTimeLimitSeconds?: number;
  budgets?: BudgetName[];
  onRow?: (r: SuiteRow) => void;
}

export async function runSuite(graphs: SuiteGraph[], o: SuiteOptions): Promise<SuiteRow[]> {
  const rows: SuiteRow[] = [];
  for (const sg of graphs)
    for (const params of [false, true]) {
      const g = sg.build(params);
      const order: 'free' | 'fixed' = g.ops.length <= 40 ? 'free' : 'fixed';
      const b = await computeBudgets(g, COSMA_TIERS, { timeLimitSeconds: o.timeLimitSeconds });
      for (const budget of o.budgets ?? (['MR', 'MH', 'MP'] as BudgetName[])) {
        const chain = withSram(COSMA_TIERS, b[budget]);
        const bl = baselines(g, chain, b.mpOrder);
        const row: SuiteRow = {
          family: sg.family,
          graph: sg.name,
          params,
          budget,
          budgetBytes: b[budget],
          ops: g.ops.length,
          order,
          ilpBytes: {},
          status: {},
          gap: {},
          solveSeconds: {},
          baselineBytes: Object.fromEntries(bl.map((x) => [x.name, x.nonCompulsoryBytes])),
          bestBaseline: null,
          bestBaselineBytes: null,
          reduction: null,
        };
        for (const solver of o.solvers) {
          const limit = solver === 'glpk' ? (o.glpkTimeLimitSeconds ?? o.timeLimitSeconds) : o.timeLimitSeconds;
          try {
            const r = await ilpSchedule(g, chain, { solver, order: budget === 'MP' ? b.mpOrder : order, timeLimitSeconds: limit, hintOrders: [b.mpOrder] });
            row.ilpBytes[solver] = r.check.traffic.nonCompulsoryBytes;
            row.status[solver] = r.status;
            row.gap[solver] = r.gap;
            row.solveSeconds[solver] = r.solveSeconds;
          } catch (e) {
            row.status[solver] = `failed: ${(e as Error).message.slice(0, 80)}`;
          }
        }
        const ref = row.ilpBytes[o.solvers[0]!] ?? Object.values(row.ilpBytes)[0];
        if (ref !== undefined) {
          const red = reduction(ref, bl);
          row.bestBaseline = red.best;
          row.bestBaselineBytes = red.best ? (bl.find((x) => x.name === red.best)!.nonCompulsoryBytes ?? null) : null;
          row.reduction = red.reduction;
        }
        rows.push(row);
        o.onRow?.(row);
      }
    }
  return rows;
}

export interface SuiteSummary {
  budget: BudgetName;
  instances: number;
  /** mean of per-instance reductions over instances where the best baseline has traffic */
  meanReduction: number | null;
  /** total ILP bytes / total best-baseline bytes */
  aggregateReduction: number | null;
  zeroTrafficInstances: number;
}

export function summarize(rows: SuiteRow[]): SuiteSummary[] {
  const out: SuiteSummary[] = [];
  for (const budget of ['MR', 'MH', 'MP'] as BudgetName[]) {
    const rs = rows.filter((r) => r.budget === budget);
    if (rs.length === 0) continue;
    const withBase = rs.filter((r) => r.reduction !== null && Number.isFinite(r.reduction));
    const ilp = (r: SuiteRow) => Object.values(r.ilpBytes)[0] ?? NaN;
    const totIlp = withBase.reduce((a, r) => a + ilp(r), 0);
    const totBase = withBase.reduce((a, r) => a + (r.bestBaselineBytes ?? 0), 0);
    out.push({
      budget,
      instances: rs.length,
      meanReduction: withBase.length ? withBase.reduce((a, r) => a + r.reduction!, 0) / withBase.length : null,
      aggregateReduction: totBase > 0 ? 1 - totIlp / totBase : null,
      zeroTrafficInstances: rs.filter((r) => ilp(r) === 0).length,
    });
  }
  return out;
}
