// Scheduler benchmark: the COSMA experiment (ILP vs Belady/LRU baselines at M_R, M_H, M_P, with and
// without parameters) on six graph families, solve times for HiGHS and glpk.js, and divide and conquer on a
// 32-layer LLaMA-2-7B. Run: npx tsx bench/schedule.bench.ts [--quick] [--solvers highs|glpk|highs,glpk]
// [--no-divide] [--llama4-only] [--divide-only]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCascade } from '../compiler/lang';
import { buildModel, parseModelConfig } from '../compiler/graph';
import { DiagnosticError } from '../compiler/ir';
import { baselines, computeBudgets, divideAndConquer, ilpSchedule, withSram, cascadeToOpGraph } from '../compiler/schedule';
import { COSMA_TIERS, runSuite, scaleAttention, suiteGraphs, summarize, type SuiteRow } from '../compiler/schedule/bench-graphs/suite';
import { LLAMA2_7B, transformerEin } from '../compiler/schedule/bench-graphs/models';

const quick = process.argv.includes('--quick');
const argAfter = (flag: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const solvers = (argAfter('--solvers') ?? 'highs,glpk').split(',') as ('highs' | 'glpk')[];
const root = join(import.meta.dirname, '..');
const parse = (text: string, name: string) => {
  const r = parseCascade(text, name);
  if (!r.cascade) throw new DiagnosticError(r.diagnostics, text);
  return r.cascade;
};
const attention = Object.fromEntries(['3pass', '2pass', '1pass'].map((p) => [`attention ${p} (E=F=64, M=4096, P=1024)`, scaleAttention(readFileSync(join(root, `examples/attention/attention-${p}.ein`), 'utf8'))]));
const mib = (b: number | null | undefined) => (b === null || b === undefined ? '-' : (b / 1024 ** 2).toFixed(2));
const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

const divideOnly = process.argv.includes('--divide-only');
const graphs = process.argv.includes('--llama4-only') || divideOnly ? [] : suiteGraphs(parse, attention);
// cross-check with helper GRAPH's model builder (compiler/graph, from the Hugging Face config): one LLaMA-2-7B
// decoder layer with its embedding and LM head
const llamaSpec = parseModelConfig(readFileSync(join(root, 'data/models/llama-2-7b.json'), 'utf8'), 'llama-2-7b.json', 'llama-2-7b');
const llamaBuilt = buildModel(llamaSpec, { kind: 'prefill', batch: 1, seq: 2048 }, { layers: 1 });
if (graphs.length) graphs.push({ family: 'llama-2-7b (compiler/graph)', name: 'llama-2-7b, 1 layer + embedding + LM head (compiler/graph builder)', build: (params) => cascadeToOpGraph(llamaBuilt, { params, name: 'llama-2-7b (compiler/graph)' }) });
console.log('COSMA experiment: non-compulsory traffic (MiB), ILP (HiGHS) vs best baseline (Belady/LRU x program/MPMF order)');
console.log('graph | params | budget | budget MiB | ops | order | ILP MiB | best baseline MiB (which) | reduction | HiGHS s (status) | glpk s (status)');
const rows: SuiteRow[] = await runSuite(graphs, {
  solvers,
  timeLimitSeconds: 60,
  glpkTimeLimitSeconds: quick ? 5 : 30,
  onRow: (r) =>
    console.log(
      `${r.graph} | ${r.params ? 'yes' : 'no'} | ${r.budget} | ${mib(r.budgetBytes)} | ${r.ops} | ${r.order} | ${mib(r.ilpBytes.highs)} | ${mib(r.bestBaselineBytes)} (${r.bestBaseline ?? '-'}) | ${pct(r.reduction)} | ${r.solveSeconds.highs?.toFixed(2) ?? '-'} (${r.status.highs}) | ${r.solveSeconds.glpk?.toFixed(2) ?? '-'} (${r.status.glpk}${r.ilpBytes.glpk !== undefined && r.ilpBytes.highs !== undefined ? (r.ilpBytes.glpk === r.ilpBytes.highs ? ', same traffic' : `, traffic ${mib(r.ilpBytes.glpk)}`) : ''})`,
    ),
});
console.log('\nsummary (reduction of non-compulsory traffic against the best baseline):');
for (const s of summarize(rows)) console.log(`  ${s.budget}: ${s.instances} instances, mean reduction ${pct(s.meanReduction)}, aggregate ${pct(s.aggregateReduction)}, zero-traffic ILP schedules ${s.zeroTrafficInstances}`);
const both = rows.filter((r) => r.status.highs === 'optimal' && r.status.glpk === 'optimal');
const agree = both.filter((r) => r.ilpBytes.highs === r.ilpBytes.glpk);
console.log(`back ends: both proved optimal on ${both.length} of ${rows.length} instances; same optimum on ${agree.length} of those`);
console.log(`  HiGHS optimal on ${rows.filter((r) => r.status.highs === 'optimal').length}/${rows.length}; glpk.js optimal within its limit on ${rows.filter((r) => r.status.glpk === 'optimal').length}/${rows.length}`);
const hs = rows.map((r) => r.solveSeconds.highs).filter((x): x is number => x !== undefined);
if (hs.length) console.log(`  HiGHS solve time over ${hs.length} instances: mean ${(hs.reduce((a, b) => a + b, 0) / hs.length).toFixed(3)} s, max ${Math.max(...hs).toFixed(2)} s`);
const llama = rows.filter((r) => r.family === 'llama-2-7b layer');
console.log(`  llama-2-7b layer solve times (HiGHS): ${llama.map((r) => `${r.budget}${r.params ? '+p' : ''} ${r.solveSeconds.highs?.toFixed(2)} s`).join(', ')}`);

// ---- the full ILP in free order on a 4-layer LLaMA-2-7B with embedding and LM head (105 operators)
if (!divideOnly) {
  const g = cascadeToOpGraph(buildModel(llamaSpec, { kind: 'prefill', batch: 1, seq: 2048 }, { layers: 4 }), { params: false, name: 'llama-2-7b x4 (compiler/graph)' });
  const b = await computeBudgets(g, COSMA_TIERS, { timeLimitSeconds: 30, maxIlpOps: 0 });
  const t0 = performance.now();
  const r = await ilpSchedule(g, withSram(COSMA_TIERS, b.MR), { order: 'free', timeLimitSeconds: 120 });
  console.log(`\nfree-order ILP, llama-2-7b x4 (${g.ops.length} ops) at M_R: ${mib(r.check.traffic.nonCompulsoryBytes)} MiB, ${r.status}, gap ${(100 * r.gap).toFixed(2)}%, ${((performance.now() - t0) / 1000).toFixed(2)} s (checker ${r.check.ok ? 'ok' : 'FAILED'})`);
}
if (process.argv.includes('--no-divide')) process.exit(0);

// ---- divide and conquer on a 32-layer model, and its gap against the full ILP where that finishes
console.log('\ndivide and conquer (windows of 16 operators, HiGHS):');
for (const layers of quick ? [2, 4] : [2, 4, 32]) {
  for (const params of [false, true]) {
    const g = cascadeToOpGraph(parse(transformerEin({ ...LLAMA2_7B, layers }), `llama ${layers}`), { params, name: `llama-2-7b x${layers}` });
    const b = await computeBudgets(g, COSMA_TIERS, { timeLimitSeconds: 30, maxIlpOps: 60 });
    for (const budget of ['MR', 'MH'] as const) {
      const chain = withSram(COSMA_TIERS, b[budget]);
      const d = await divideAndConquer(g, chain, { windowOps: 16 });
      const bl = baselines(g, chain)
        .map((x) => x.nonCompulsoryBytes)
        .filter((x): x is number => x !== null);
      const best = bl.length ? Math.min(...bl) : null;
      const vsBase = best ? `, ${pct(1 - d.check.traffic.nonCompulsoryBytes / best)} below the best program-order baseline (${mib(best)} MiB)` : '';
      let full = '';
      if (layers <= 4) {
        const r = await ilpSchedule(g, chain, { order: 'fixed', timeLimitSeconds: 60 });
        const gapPct = r.check.traffic.nonCompulsoryBytes > 0 ? (100 * (d.check.traffic.nonCompulsoryBytes - r.check.traffic.nonCompulsoryBytes)) / r.check.traffic.nonCompulsoryBytes : 0;
        full = `; full ILP (fixed order) ${mib(r.check.traffic.nonCompulsoryBytes)} MiB ${r.status} in ${r.solveSeconds.toFixed(2)} s; D&C is ${gapPct.toFixed(2)}% above it`;
      }
      console.log(`  ${layers} layers (${g.ops.length} ops)${params ? ' +params' : ''} at ${budget}: ${mib(d.check.traffic.nonCompulsoryBytes)} MiB in ${d.seconds.toFixed(2)} s (${d.windows.length} windows, checker ${d.check.ok ? 'ok' : 'FAILED'})${vsBase}${full}`);
    }
  }
}
