// COSMA's memory budgets for a graph: M_R, the largest single operator's inputs plus outputs (below it no
// schedule exists); M_P, the minimum peak memory footprint (at it, no spill is needed); M_H, halfway.
import { firstFit, sramStays } from './addresses';
import { opFootprintBytes, mpmf, type IlpOptions } from './schedule';
import type { OpGraph, ScheduleStep, TierChain } from './types';

export type BudgetName = 'MR' | 'MH' | 'MP';

export interface Budgets {
  MR: number;
  MP: number;
  MH: number;
  /** How M_P was found: the MPMF ILP (with its gap) or, for graphs too large for it, a no-spill first fit. */
  mpMethod: 'ilp' | 'heuristic';
  mpGap: number;
  /** The operator order that achieves M_P. */
  mpOrder: number[];
}

export function budgetMR(g: OpGraph): number {
  return Math.max(...g.ops.map((_, i) => opFootprintBytes(g, i)));
}

/** Peak SRAM (with first-fit addresses) when nothing is ever spilled and operators run in `order`. */
export function noSpillPeakBytes(g: OpGraph, order: number[]): number {
  const last = new Map<number, number>();
  order.forEach((op, s) => [...g.ops[op]!.inputs, ...g.ops[op]!.outputs].forEach((t) => last.set(t, s)));
  const loaded = new Set<number>();
  const steps: ScheduleStep[] = order.map((op) => {
    const o = g.ops[op]!;
    const loads = o.inputs.filter((t) => !loaded.has(t) && (g.tensors[t]!.kind === 'input' || g.tensors[t]!.kind === 'param')).map((t) => ({ tensor: t, tier: 1 }));
    loads.forEach((l) => loaded.add(l.tensor));
    return { op, loads, spills: [], frees: [], drops: [] };
  });
  for (const [t, s] of last) steps[s]!.frees.push(t);
  const stays = sramStays(g, steps);
  const cap = stays.reduce((a, x) => a + x.bytes, 0);
  const pl = firstFit(stays, cap)!;
  return Math.max(...pl.map((p) => p.offsetBytes + g.tensors[p.tensor]!.bytes));
}

export async function computeBudgets(g: OpGraph, chain: TierChain, opts: IlpOptions & { maxIlpOps?: number } = {}): Promise<Budgets> {
  const MR = budgetMR(g);
  const program = g.ops.map((_, i) => i);
  const heuristic = noSpillPeakBytes(g, program);
  let MP = heuristic;
  let mpMethod: Budgets['mpMethod'] = 'heuristic';
  let mpGap = NaN;
  let mpOrder = program;
  if (g.ops.length <= (opts.maxIlpOps ?? 60)) {
    try {
      const r = await mpmf(g, chain, { ...opts, order: opts.order ?? 'free' });
      if (r.peakBytes <= heuristic) {
        MP = r.peakBytes;
        mpMethod = 'ilp';
        mpGap = r.gap;
        mpOrder = r.order;
      }
    } catch {
      // no MPMF solution within the limit: keep the no-spill first fit, an upper bound on M_P
    }
  }
  MP = Math.max(MP, MR);
  return { MR, MP, MH: Math.round((MR + MP) / 2), mpMethod, mpGap, mpOrder };
}

export function budgetBytes(b: Budgets, name: BudgetName): number {
  return b[name];
}
