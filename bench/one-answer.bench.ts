// Issue 14, "One answer" and "Speed": LLaMA-2-7B prefill (b=1, s=2048) and decode (b=1 and b=16,
// kv=2048), all 32 layers, lowered from data/models/llama-2-7b.json, on every built-in target at each
// fidelity its engine offers. Prints, per target and case, the analytic and cycle latencies, their
// ratio, the einsums over 1% of the analytic time whose cycle/analytic ratio is furthest from 1, and the
// in-process wall time of each run (the CLI's start-up is not counted: this is one process).
// An FPGA target (`attr engine = fpga`: u280, vhk158) also runs the three cases with int4 weights (lower
// --wbits 4 --group 128), as FlightLLM deploys a compressed model and the fp16 weights do not fit the
// U280's 8 GB; the other targets' rows are unchanged.
// Run: npx tsx bench/one-answer.bench.ts [target ...]   (also part of `npm run bench`)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildModel, parseModelConfig, type Phase } from '../compiler/graph';
import { quantizeCascade } from '../compiler/graph/quantize';
import { simulateCascade } from '../compiler/driver/pipeline';
import { listTargets, loadTarget } from '../targets/registry';
import type { Result } from '../sim/core/result';
import type { Fidelity } from '../sim/core/result';

const file = resolve(import.meta.dirname, '../data/models/llama-2-7b.json');
const spec = parseModelConfig(readFileSync(file, 'utf8'), 'llama-2-7b.json', 'llama-2-7b');
const cases: { name: string; phase: Phase }[] = [
  { name: 'prefill s2048 b1', phase: { kind: 'prefill', batch: 1, seq: 2048 } },
  { name: 'decode kv2048 b1', phase: { kind: 'decode', batch: 1, kvLen: 2048 } },
  { name: 'decode kv2048 b16', phase: { kind: 'decode', batch: 16, kvLen: 2048 } },
];
const cascades = cases.map((k) => ({ ...k, cascade: buildModel(spec, k.phase) }));
let int4: typeof cascades | undefined;
/** The cases a target runs: an FPGA overlay adds them with int4 weights (fp16 scales per 128 along the contracted rank). */
const casesOf = (t: { spec: { attrs: Record<string, unknown> } }) =>
  t.spec.attrs.engine !== 'fpga' ? cascades : [...cascades, ...(int4 ??= cascades.map((c) => ({ ...c, name: `${c.name} w4 g128`, cascade: quantizeCascade(c.cascade, { wbits: 4, group: 128 }).cascade })))];

const wanted = process.argv.slice(2);
const targets = (wanted.length ? wanted : listTargets()).map((n) => loadTarget(n));

function run(target: string, c: (typeof cascades)[number], fidelity: Fidelity): { r?: Result; ms: number; err?: string } {
  const t0 = performance.now();
  try {
    const r = simulateCascade(c.cascade, { target, fidelity });
    return { r, ms: performance.now() - t0 };
  } catch (e) {
    return { ms: performance.now() - t0, err: (e as Error).message.split('\n')[0] };
  }
}

const sec = (s: number) => (s >= 1 ? `${s.toFixed(3)} s` : s >= 1e-3 ? `${(s * 1e3).toFixed(3)} ms` : `${(s * 1e6).toFixed(1)} µs`);

/** An einsum's role: its name with the layer prefix (L0_, L31_) replaced by L*_, so the 32 layers' copies add up. */
const role = (name: string) => name.replace(/^L\d+_/, 'L*_');

/** Einsum roles (summed over the layers) over 1% of the analytic time whose cycle/analytic ratio is
 *  outside 0.75..1.25, worst first (at most 3), and how many einsums taken one by one are over 1% and outside. */
function worst(a: Result, c: Result): string {
  const total = a.latencyCycles || 1;
  const cyc = new Map(c.einsums.map((e) => [e.name, e.latencyCycles]));
  const single = a.einsums.filter((e) => e.latencyCycles / total > 0.01 && cyc.has(e.name) && !((cyc.get(e.name) ?? NaN) / e.latencyCycles >= 0.75 && (cyc.get(e.name) ?? NaN) / e.latencyCycles <= 1.25)).length;
  const sums = new Map<string, { a: number; c: number }>();
  for (const e of a.einsums) {
    const s = sums.get(role(e.name)) ?? { a: 0, c: 0 };
    s.a += e.latencyCycles;
    s.c += cyc.get(e.name) ?? NaN;
    sums.set(role(e.name), s);
  }
  const rows = [...sums]
    .map(([name, s]) => ({ name, share: s.a / total, ratio: s.c / s.a }))
    .filter((x) => x.share > 0.01 && !Number.isNaN(x.ratio) && !(x.ratio >= 0.75 && x.ratio <= 1.25));
  // a whole-cascade engine may report a fused group under its own name: those einsums have no ratio of their own
  const fused = a.einsums.filter((e) => !cyc.has(e.name)).length;
  rows.sort((x, y) => Math.abs(Math.log(y.ratio)) - Math.abs(Math.log(x.ratio)));
  const list = rows.length === 0 ? 'none' : rows.slice(0, 3).map((x) => `${x.name} ${x.ratio.toFixed(2)}× (${(x.share * 100).toFixed(1)}%)`).join(', ');
  return `${single} single; roles: ${list}${fused ? `; ${fused} einsums fused into groups in cycle` : ''}`;
}

console.log('| target | case | analytic | cycle | cycle/analytic | einsums >1% outside ±25%: single einsums; roles summed over layers (worst first) | wall analytic | wall cycle |');
console.log('|---|---|---|---|---|---|---|---|');
for (const t of targets) {
  let wallA = 0;
  let wallC = 0;
  for (const c of casesOf(t)) {
    const a = run(t.name, c, 'analytic');
    wallA += a.ms;
    if (!t.fidelities.includes('cycle')) {
      console.log(`| ${t.name} | ${c.name} | ${a.r ? sec(a.r.latencySeconds) : a.err} | (no cycle engine) | | | ${a.ms.toFixed(0)} ms | |`);
      continue;
    }
    const y = run(t.name, c, 'cycle');
    wallC += y.ms;
    const ratio = a.r && y.r ? (y.r.latencySeconds / a.r.latencySeconds).toFixed(3) : '';
    const w = a.r && y.r ? worst(a.r, y.r) : '';
    console.log(`| ${t.name} | ${c.name} | ${a.r ? sec(a.r.latencySeconds) : a.err} | ${y.r ? sec(y.r.latencySeconds) : y.err} | ${ratio} | ${w} | ${a.ms.toFixed(0)} ms | ${y.ms.toFixed(0)} ms |`);
  }
  console.error(`${t.name}: all cases analytic ${(wallA / 1000).toFixed(2)} s, cycle ${(wallC / 1000).toFixed(2)} s`);
}

// Speed (issue 14): prefill plus one decode step (b=1), all 32 layers, on each target, a second time in
// this process (the table above paid the process's warm-up: module loading, JIT); target: analytic < 1 s,
// cycle < 30 s on one core.
console.log('\n| target | prefill + decode b1, analytic | cycle |');
console.log('|---|---|---|');
for (const t of targets) {
  const pair = [cascades[0]!, cascades[1]!];
  const time = (f: Fidelity) => pair.reduce((s, c) => s + run(t.name, c, f).ms, 0);
  const a = time('analytic');
  const y = t.fidelities.includes('cycle') ? `${(time('cycle') / 1000).toFixed(2)} s` : '(no cycle engine)';
  console.log(`| ${t.name} | ${(a / 1000).toFixed(2)} s | ${y} |`);
}
