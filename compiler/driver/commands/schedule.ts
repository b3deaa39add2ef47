// `tessera schedule FILE.ein --target NAME`: the COSMA-style ILP schedule of a cascade across the target's
// memory tiers (operator order, SRAM addresses, spills and reloads), checked, beside the baselines.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { formatBytes } from '../../ir';
import { loadCascadeFile } from '../../lang';
import { showProgress, solverProgress } from '../progress';
import { cascadeToOpGraph, InfeasibleBudgetError, runSchedule, SOLVER_NAMES, tierChainFromTarget, type ScheduleReport, type SolverName } from '../../schedule';
import { loadTargetSpec } from '../../../targets/registry';
import { collect, paramOverrides, parseBudget, scheduleFlags } from '../flags';
import { formatResult, parseFidelity, runPipeline } from '../pipeline';
import { UserError } from '../user-error';

export interface ScheduleCliOptions {
  target: string;
  report?: string;
  /** write the schedule as a Perfetto trace here */
  trace?: string;
  solver?: string;
  budget?: string;
  params?: boolean;
  order?: string;
  timeLimit?: string;
  cost?: string;
  method?: string;
  json?: boolean;
  timings?: boolean;
  param?: string[];
  simulate?: boolean;
  fidelity?: string;
}

function choice<T extends string>(flag: string, v: string | undefined, allowed: readonly T[], dflt: T | undefined): T | undefined {
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v)) throw new UserError(`${flag} ${v}: expected one of ${allowed.join(', ')}`);
  return v as T;
}

/** A size for people (64 GiB, 1.5 KiB): the one formatter of compiler/ir/units-format. */
const mib = (b: number) => formatBytes(b);
const pct = (x: number | null) => (x === null ? '-' : x === -Infinity ? 'worse (baseline 0)' : `${(100 * x).toFixed(1)}%`);

export function formatReport(r: ScheduleReport, timings: boolean): string {
  const L: string[] = [];
  L.push(`schedule of ${r.graph}${r.params ? ' (with parameters)' : ' (activations only)'}`);
  L.push(`  tiers: ${r.tiers.map((t) => `${t.name} ${t.capacityBytes === null ? 'unbounded' : mib(t.capacityBytes)}${t.costPerByte ? ` (${t.costPerByte.toPrecision(3)} ${r.costUnit})` : ''}`).join(' <-> ')}; home ${r.homeTier}`);
  L.push(`  budgets: M_R ${mib(r.budgets.MR)}, M_H ${mib(r.budgets.MH)}, M_P ${mib(r.budgets.MP)} (${r.budgets.mpMethod}); using ${r.budget.name} = ${mib(r.budget.bytes)}`);
  L.push(`  ${r.method} with ${r.solver}, ${r.order} order: ${r.status}${r.gap !== null ? `, gap ${(100 * r.gap).toFixed(2)}%` : ''}; checker ${r.check.ok ? 'ok' : 'FAILED'}`);
  L.push('');
  L.push('  step  operator            loads                         spills / frees');
  for (const s of r.schedule.steps) {
    const right = [...s.spills, ...s.frees.map((f) => `free ${f}`)].join(', ');
    L.push(`  ${String(s.step).padStart(4)}  ${s.op.padEnd(18).slice(0, 18)}  ${s.loads.join(', ').padEnd(28).slice(0, 40)}  ${right}`);
  }
  L.push('');
  L.push(`  traffic: non-compulsory ${mib(r.traffic.nonCompulsoryBytes)}, compulsory ${mib(r.traffic.compulsoryBytes)}, peak SRAM ${mib(r.traffic.peakSramBytes)}`);
  for (const t of r.traffic.perTier.slice(1)) L.push(`    ${t.tier}: read ${mib(t.readBytes)} (compulsory ${mib(t.compulsoryReadBytes)}), written ${mib(t.writeBytes)} (compulsory ${mib(t.compulsoryWriteBytes)})`);
  L.push('  baselines (non-compulsory traffic):');
  for (const b of r.baselines) L.push(`    ${b.name.padEnd(26)} ${b.nonCompulsoryBytes === null ? `failed: ${b.failure}` : mib(b.nonCompulsoryBytes)}`);
  L.push(`  reduction against the best baseline (${r.bestBaseline ?? '-'}): ${pct(r.reductionVsBestBaseline)}`);
  if (timings) L.push(`  time: budgets ${r.timings.budgetsSeconds.toFixed(2)} s, solve ${r.timings.solveSeconds.toFixed(2)} s, baselines ${r.timings.baselinesSeconds.toFixed(2)} s`);
  return L.join('\n') + '\n';
}

/** `schedule --simulate`: the pipeline with the ILP placement; the Result holds the schedule. */
async function scheduleAndSimulate(file: string, o: ScheduleCliOptions, method: string): Promise<void> {
  if (method !== 'auto' || o.order !== undefined || o.cost !== undefined || o.params !== undefined) throw new UserError('--simulate schedules every tensor (weights included) by time cost with the automatic method: drop --method, --order, --cost and --params');
  if (!existsSync(file)) throw new UserError(`${file}: no such file`);
  const c = loadCascadeFile(file);
  const r = await runPipeline(c, { target: o.target, params: paramOverrides(o.param), fidelity: parseFidelity(o.fidelity), placement: { kind: 'ilp', ...scheduleFlags(o) } });
  process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : formatResult(r));
}

export async function scheduleCommand(file: string, o: ScheduleCliOptions): Promise<void> {
  const solver = choice<SolverName>('--solver', o.solver, SOLVER_NAMES, 'highs')!;
  const order = choice('--order', o.order, ['free', 'fixed'] as const, undefined);
  const cost = choice('--cost', o.cost, ['time', 'energy'] as const, 'time')!;
  const method = choice('--method', o.method, ['ilp', 'divide', 'auto'] as const, 'auto')!;
  if (o.simulate) return scheduleAndSimulate(file, o, method);
  const budget = parseBudget(o.budget) ?? 'MR';
  const timeLimit = o.timeLimit === undefined ? 60 : Number(o.timeLimit);
  if (!(timeLimit > 0 && timeLimit <= 86400)) throw new UserError(`--time-limit ${o.timeLimit}: expected seconds, from 1 to 86400`);
  if (!existsSync(file)) throw new UserError(`${file}: no such file`);
  const c = loadCascadeFile(file);
  const spec = loadTargetSpec(o.target, paramOverrides(o.param));
  let chain;
  try {
    chain = tierChainFromTarget(spec, 1, cost);
  } catch (e) {
    throw new UserError(`--target ${o.target}: ${(e as Error).message}`);
  }
  for (const w of chain.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
  const g = cascadeToOpGraph(c, { params: o.params ?? false, name: c.name ?? file });
  if (g.ops.length === 0) throw new UserError(`${file}: the cascade has no einsums to schedule`);
  const progress = solverProgress(showProgress(o.json));
  let r: ScheduleReport;
  try {
    r = await runSchedule(g, chain, { budget, solver, ...(order ? { order } : {}), timeLimitSeconds: timeLimit, method, ...(progress.onProgress ? { onProgress: progress.onProgress } : {}) }, o.params ?? false);
  } catch (e) {
    if (e instanceof InfeasibleBudgetError) throw new UserError(e.message);
    throw e;
  } finally {
    progress.stop();
  }
  const sram = spec.memories.find((m) => m.name === chain.tiers[0]!.name);
  const sramBytes = (sram?.capacityBytes ?? Infinity) * (sram?.instances ?? 1);
  if (Number.isFinite(sramBytes) && r.budget.bytes > sramBytes)
    process.stderr.write(`warning: the SRAM budget ${r.budget.name} = ${formatBytes(r.budget.bytes)} is more than ${spec.name}'s ${sram!.name} holds (${formatBytes(sramBytes)}): this schedule is for a larger SRAM (COSMA's what-if budgets); give --budget in bytes to schedule the target as it is\n`);
  if (o.trace !== undefined) {
    const { writeScheduleTrace } = await import('../schedule-trace');
    writeScheduleTrace(o.trace, r);
  }
  if (o.report !== undefined) {
    const { reportSchedule } = await import('./report');
    reportSchedule(o.report, file, r as unknown as Record<string, unknown>, ['schedule', file, '--target', o.target, '--report', o.report]);
  }
  if (o.json) {
    const { timings, ...rest } = r;
    process.stdout.write(JSON.stringify(o.timings ? r : rest, null, 2) + '\n');
    void timings;
  } else process.stdout.write(formatReport(r, o.timings ?? false));
}

export function register(program: Command): void {
  program
    .command('schedule')
    .description('ILP schedule across memory tiers (COSMA-style): order, SRAM addresses, spills and reloads, against Belady/LRU baselines')
    .argument('<file>', 'cascade (.ein)')
    .requiredOption('--target <name>', 'built-in target name or .arch file (its memories give the tiers)')
    .option('--solver <name>', 'highs (default) or glpk')
    .option('--budget <b>', 'SRAM budget: MR (default), MH, MP or bytes (e.g. 4MiB)')
    .option('--params', 'schedule the weights too (COSMA "with parameters")')
    .option('--order <o>', 'free (the ILP picks the operator order) or fixed (program order); default free up to 40 operators')
    .option('--method <m>', 'ilp, divide (divide and conquer) or auto (divide above 60 operators)')
    .option('--time-limit <s>', 'solver time limit in seconds (default 60)')
    .option('--cost <c>', 'what a byte of traffic costs at each tier: time (1/bandwidth, default) or energy')
    .option('--timings', 'include wall-clock timings (they make the JSON differ from run to run)')
    .option('--json', 'print the report as JSON')
    .option('--trace <out.json>', 'also write the schedule as a Perfetto trace: tensor lifetimes per tier, spills and reloads as flows')
    .option('--report <file.html>', 'also write an HTML report (residency Gantt chart, address map, traffic per tier)')
    .option('--param <name=value>', 'override a target parameter (repeatable), e.g. --param glb=4MiB', collect, [])
    .option('--simulate', 'then map and simulate the cascade with this placement (as run --target T --schedule ilp); prints the Result')
    .option('--fidelity <level>', 'with --simulate: analytic (default) or cycle')
    .action(async (file: string, o: ScheduleCliOptions) => scheduleCommand(file, o));
}
