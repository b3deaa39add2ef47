// `tessera run FILE`: runs a cascade in the reference interpreter (random or user-supplied inputs) and prints
// each output's shape, dtype and checksums, with the analysis summary; --compare checks against another run.
import { existsSync, readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { DTYPE_BITS, DTYPES, type Cascade, type DType } from '../../ir';
import { checkTensorBudget, checksum, DEFAULT_MAX_WORK, exprNodes, tooMuchWork, compareData, interpret, loadInputs, randomInputs, type Comparison, type TensorData } from '../../interp';
import { loadCascadeFile } from '../../lang';
import { pointCounts } from '../../analysis/points';
import { TraceWriter } from '../../../sim/core/trace';
import { UserError } from '../user-error';
import { writeOutput } from '../output';
import { analysisSummary, analyzeWithPasses } from './analyze';
import { einsumBounds, formatModelSummary, isLoweredModel } from '../summary';
import { einsumCsv } from '../csv';
import { formatResult, parseFidelity, parseObjective, parseScheduleKind, resolveTarget, runPipeline } from '../pipeline';
import { collect, paramOverrides, scheduleFlags } from '../flags';

/**
 * `--dtype` with `--target`: every tensor in that type, as the interpreter runs it (bytes, footprint and the
 * native-pair check follow). A sub-byte type would hold activations and norms in a few bits: refused, with
 * the quantisation flags that do what was meant.
 */
function withDType(c: Cascade, d: DType | undefined): Cascade {
  if (d === undefined) return c;
  if (DTYPE_BITS[d] < 8)
    throw new UserError(`--dtype ${d} would hold every tensor, activations and norms too, in ${DTYPE_BITS[d]} bits; quantise the weights instead: tessera lower --wbits ${Math.min(8, DTYPE_BITS[d])} --group 128 (and --kv-bits for the KV cache)`);
  return { ...c, tensors: c.tensors.map((t) => ({ ...t, dtype: d })), einsums: c.einsums.map((e) => (e.dtype ? { ...e, dtype: d } : e)) };
}

async function runOnTarget(file: string, c: Cascade, opts: RunOptions): Promise<void> {
  const fidelity = parseFidelity(opts.fidelity);
  if (opts.trace !== undefined && fidelity !== 'cycle') throw new UserError('--trace needs --fidelity cycle: only the cycle-level engines record a timeline');
  const kind = parseScheduleKind(opts.schedule);
  if (kind === 'none' && (opts.budget !== undefined || opts.solver !== undefined || opts.timeLimit !== undefined)) throw new UserError('--budget, --solver and --time-limit need --schedule ilp or greedy');
  const target = resolveTarget({ target: opts.target!, params: paramOverrides(opts.param), fidelity });
  c = withDType(c, parseDType(opts.dtype));
  const trace = opts.trace !== undefined ? new TraceWriter({ clockHz: target.spec.clockHz }) : undefined;
  const placement = kind === 'none' ? undefined : { kind, ...scheduleFlags(opts) };
  const r = await runPipeline(c, { target, fidelity, objective: parseObjective(opts.objective), seed: opts.seed !== undefined ? parseSeed(opts.seed) : 1, batch: parseBatch(opts.batch), progress: !opts.json && process.stderr.isTTY === true, ...(trace ? { trace } : {}), ...(placement ? { placement } : {}) });
  if (trace) writeOutput(opts.trace!, trace.text());
  if (trace?.truncationNotice(opts.trace!)) process.stderr.write(trace.truncationNotice(opts.trace!)!);
  if (opts.csv !== undefined) writeOutput(opts.csv, einsumCsv(r));
  if (opts.report !== undefined) {
    const { reportRun } = await import('./report');
    reportRun(opts.report, file, r as Record<string, unknown>, c, target.spec, ['run', file, '--target', opts.target!, '--fidelity', fidelity, ...(opts.batch ? ['--batch', opts.batch] : []), ...(opts.param ?? []).flatMap((p) => ['--param', p]), '--report', opts.report]);
  }
  // a whole-model run prints one screen (compiler/driver/summary.ts); --verbose prints every einsum
  const ranks = Object.fromEntries(c.ranks.map((k) => [k.name, k.name === 'B' ? k.size * (parseBatch(opts.batch) ?? 1) : k.size]));
  process.stdout.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : isLoweredModel(r) && !opts.verbose ? formatModelSummary(r, { ranks, bounds: einsumBounds(r, c, target.spec, parseBatch(opts.batch) ?? 1) }) : formatResult(r));
}

export interface RunOptions {
  /** with --target: write the per-einsum results as CSV here */
  csv?: string;
  /** with --target: a whole-model run lists every einsum instead of its one-screen summary */
  verbose?: boolean;
  seed?: string;
  dtype?: string;
  inputs?: string;
  compare?: string;
  json?: boolean;
  dump?: boolean;
  maxElements?: string;
  maxWork?: string;
  report?: string;
  target?: string;
  fidelity?: string;
  objective?: string;
  trace?: string;
  batch?: string;
  param?: string[];
  schedule?: string;
  budget?: string;
  solver?: string;
  timeLimit?: string;
}

export function parseSeed(s: string | undefined): number {
  if (s === undefined) return 0;
  const n = Number(s);
  if (!/^\d+$/.test(s.trim()) || !Number.isSafeInteger(n) || n > 0xffffffff) throw new UserError(`--seed ${s}: expected an integer from 0 to 4294967295`);
  return n;
}

/** `--batch`: independent instances (batch × heads) of the cascade, run back to back on the target. */
function parseBatch(s: string | undefined): number {
  if (s === undefined) return 1;
  const n = Number(s);
  if (!/^\d+$/.test(s.trim()) || !Number.isSafeInteger(n) || n < 1) throw new UserError(`--batch ${s}: expected a positive integer`);
  return n;
}

export function parseDType(s: string | undefined): DType | undefined {
  if (s === undefined) return undefined;
  if (!(DTYPES as readonly string[]).includes(s)) throw new UserError(`--dtype ${s}: unknown dtype; expected one of ${DTYPES.join(', ')}`);
  return s as DType;
}

/** JSON has no NaN or infinities: they are written as the strings "nan", "inf", "-inf". */
const jsonNumber = (x: number): number | string => (x !== x ? 'nan' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : x);
const fromJsonNumber = (v: unknown): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));

interface OutputRecord {
  shape: number[];
  dtype: DType;
  sum: number | string;
  absSum: number | string;
  fnv1a: string;
  nans: number;
  values?: (number | string)[];
}

interface CompareRecord {
  against: string;
  outputs: Record<string, (Omit<Comparison, 'worstIndex'> & { worstIndex: number }) | { checksumsEqual: boolean; note: string } | { missing: string }>;
}

function readOtherRun(path: string): Record<string, OutputRecord> {
  if (!existsSync(path)) throw new UserError(`--compare ${path}: no such file`);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`--compare ${path}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const outs = (doc as { outputs?: unknown })?.outputs;
  if (typeof outs !== 'object' || outs === null) throw new UserError(`--compare ${path}: not the JSON of a run (no "outputs"); make one with tessera run FILE --json --dump`);
  return outs as Record<string, OutputRecord>;
}

function compareRuns(path: string, mine: Map<string, TensorData>, outputs: string[]): CompareRecord {
  const other = readOtherRun(path);
  const res: CompareRecord = { against: path, outputs: Object.create(null) as CompareRecord['outputs'] };
  for (const name of outputs) {
    const o = Object.hasOwn(other, name) ? other[name] : undefined;
    const t = mine.get(name)!;
    if (!o) res.outputs[name] = { missing: `the other run has no output ${name}` };
    else if (!Array.isArray(o.shape) || o.shape.length !== t.shape.length || o.shape.some((d, i) => d !== t.shape[i]))
      res.outputs[name] = { missing: `shapes differ: [${t.shape.join(', ')}] here, [${(o.shape ?? []).join(', ')}] there` };
    else if (Array.isArray(o.values) && o.values.length === t.data.length) res.outputs[name] = compareData(t.data, Float64Array.from(o.values, fromJsonNumber));
    else res.outputs[name] = { checksumsEqual: o.fnv1a === checksum(t.data).fnv1a, note: 'the other run has no values (run it with --dump); compared checksums only' };
  }
  return res;
}

function withProgress<T>(enabled: boolean, work: (onProgress?: (done: number, total: number) => void) => T): T {
  if (!enabled) return work();
  const bar = new cliProgress.SingleBar({ format: 'interpreting [{bar}] {percentage}% | ETA {eta}s', clearOnComplete: true }, cliProgress.Presets.shades_classic);
  let started = false;
  const t0 = Date.now();
  try {
    return work((done, total) => {
      if (!started && Date.now() - t0 > 500 && done < total) {
        bar.start(total, done);
        started = true;
      } else if (started) bar.update(done);
    });
  } finally {
    if (started) bar.stop();
  }
}

/** The interpreter's work (points x expression nodes), refused before inputs are drawn or read. */
function checkWork(c: Cascade, maxWork: number): void {
  let points = 0;
  let work = 0;
  for (const e of c.einsums) {
    const p = pointCounts(c, e).points;
    points += p;
    work += p * exprNodes(e);
  }
  if (work > maxWork)
    throw new UserError(tooMuchWork(points, work, maxWork));
}

export interface InterpreterRun {
  json: unknown;
  text: string;
}

/** Runs `c` in the interpreter with the options of `tessera run`; returns the JSON document and the text report. */
export function runInterpreter(file: string, c: Cascade, opts: RunOptions): InterpreterRun {
  const seed = parseSeed(opts.seed);
  const dtype = parseDType(opts.dtype);
  let maxElements: number | undefined;
  if (opts.maxElements !== undefined) {
    maxElements = Number(opts.maxElements);
    if (!Number.isSafeInteger(maxElements) || maxElements < 1) throw new UserError(`--max-elements ${opts.maxElements}: expected a positive integer`);
  }
  let maxWork: number | undefined;
  if (opts.maxWork !== undefined) {
    maxWork = Number(opts.maxWork);
    if (!(maxWork > 0) || !Number.isFinite(maxWork)) throw new UserError(`--max-work ${opts.maxWork}: expected a positive number (e.g. 1e10)`);
  }
  checkTensorBudget(c, maxElements);
  checkWork(c, maxWork ?? DEFAULT_MAX_WORK);
  // with --dtype, random inputs are drawn for the overriding dtype (int4 gets [-8, 7], not a rounded [-1, 1))
  const asRun = dtype ? { ...c, tensors: c.tensors.map((t) => ({ ...t, dtype })) } : c;
  const inputs = opts.inputs !== undefined ? loadInputs(opts.inputs, c) : randomInputs(asRun, seed, maxElements ? { maxElements } : {});
  const progress = !opts.json && process.stderr.isTTY === true;
  const results = withProgress(progress, (onProgress) => interpret(c, inputs, { ...(dtype ? { dtype } : {}), ...(maxElements ? { maxElements } : {}), ...(maxWork ? { maxWork } : {}), ...(onProgress ? { onProgress } : {}) }));
  // user-named tensors: a record with no prototype, so an output called __proto__ is kept
  const outputs: Record<string, OutputRecord> = Object.create(null) as Record<string, OutputRecord>;
  for (const name of c.outputs) {
    const t = results.get(name)!;
    const cs = checksum(t.data);
    const rec: OutputRecord = { shape: t.shape, dtype: t.dtype, sum: jsonNumber(cs.sum), absSum: jsonNumber(cs.absSum), fnv1a: cs.fnv1a, nans: cs.nans };
    if (opts.dump) rec.values = Array.from(t.data, jsonNumber);
    outputs[name] = rec;
  }
  // with --dtype the byte counts follow the overriding dtype, as the run does
  const { analysis, passes } = analyzeWithPasses(asRun);
  const cmp = opts.compare !== undefined ? compareRuns(opts.compare, results, c.outputs) : undefined;
  const json = {
    file,
    engine: 'interpreter',
    inputs: opts.inputs !== undefined ? opts.inputs : 'random',
    seed: opts.inputs !== undefined ? null : seed,
    dtype: dtype ?? 'declared',
    outputs,
    analysis: {
      flops: analysis.totals.flops,
      macs: analysis.totals.macs,
      ops: analysis.totals.ops,
      params: analysis.totals.params,
      compulsoryBytes: analysis.totals.compulsoryBytes,
      intensity: analysis.intensity,
      footprintBytes: analysis.footprint.totalBytes,
      peakLiveBytes: analysis.footprint.peakBytes,
      passes,
    },
    ...(cmp ? { compare: cmp } : {}),
  };
  const lines = [`${file}: interpreted with ${opts.inputs !== undefined ? `inputs from ${opts.inputs}` : `random inputs (seed ${seed})`}, ${dtype ? `every tensor in ${dtype}` : 'declared dtypes'}`];
  for (const [name, o] of Object.entries(outputs)) {
    lines.push(`  ${name} [${o.shape.join(', ')}] ${o.dtype}: sum ${o.sum}, sum|x| ${o.absSum}, fnv1a ${o.fnv1a}${o.nans ? `, ${o.nans} NaN` : ''}`);
    if (o.values) lines.push(`    values: ${o.values.join(' ')}`);
  }
  lines.push(`  analysis: ${analysisSummary(analysis, passes)}`);
  if (cmp) {
    lines.push(`  compared with ${cmp.against}:`);
    for (const [name, r] of Object.entries(cmp.outputs)) {
      if ('missing' in r) lines.push(`    ${name}: ${r.missing}`);
      else if ('checksumsEqual' in r) lines.push(`    ${name}: checksums ${r.checksumsEqual ? 'equal' : 'differ'} (${r.note})`);
      else lines.push(`    ${name}: max abs error ${r.maxAbsError.toExponential(3)}, max rel error ${r.maxRelError.toExponential(3)} (normwise), elementwise ${r.maxElementRelError.toExponential(3)}${r.mismatchedSpecials ? `, ${r.mismatchedSpecials} NaN/inf mismatches` : ''}`);
    }
  }
  return { json, text: lines.join('\n') + '\n' };
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run a cascade (.ein) in the reference interpreter and print checksums of its outputs')
    .argument('<file>', 'cascade file (.ein)')
    .option('--seed <n>', 'seed of the random inputs (uniform in [-1, 1), rounded to each dtype)', '0')
    .option('--dtype <type>', `override every tensor's dtype (${DTYPES.join(', ')})`)
    .option('--inputs <path>', 'input values: a JSON file {name: nested arrays | {shape, data}} or a directory of NAME.npy files')
    .option('--compare <run.json>', 'compare the outputs with another run (from --json --dump): max abs and rel errors')
    .option('--json', 'print a deterministic JSON document instead of text')
    .option('--dump', 'include every output value')
    .option('--max-elements <n>', 'refuse cascades holding more float64 elements than this (default 67108864)')
    .option('--max-work <n>', 'refuse cascades whose interpretation visits more expression nodes than this (default 2e9, a few seconds)')
    .option('--target <name>', 'map and simulate on a target instead of interpreting (see tessera targets)')
    .option('--fidelity <level>', 'with --target: analytic (default) or cycle')
    .option('--objective <goal>', 'with --target: what the mapper minimises: latency (default), energy or edp')
    .option('--batch <n>', 'with --target: independent instances of the cascade (batch x heads), run back to back')
    .option('--trace <out.json>', 'with --target and --fidelity cycle: write the timeline as Perfetto / Chrome trace JSON')
    .option('--param <name=value>', "with --target: override a target parameter (repeatable), e.g. --param rows=128", collect, [])
    .option('--schedule <kind>', 'with --target: place every tensor in the memory tiers first: ilp (COSMA), greedy (Belady) or none (default); the placement decides off-chip traffic')
    .option('--budget <b>', 'with --schedule: SRAM budget in bytes (e.g. 4MiB) or MR/MH/MP (ilp); default the SRAM capacity')
    .option('--solver <name>', 'with --schedule ilp: highs (default) or glpk')
    .option('--time-limit <s>', 'with --schedule ilp: solver time limit in seconds (default 60)')
    .option('--csv <file.csv>', 'with --target: also write the per-einsum results (latency, energy, bytes per tier) as CSV')
    .option('--verbose', 'with --target: a whole-model run lists every einsum instead of its one-screen summary')
    .option('--report <file.html>', 'with --target: also write an HTML report (charts of latency, energy, traffic, roofline)')
    .action(async (file: string, opts: RunOptions) => {
      const c = loadCascadeFile(file);
      if (opts.target !== undefined) return runOnTarget(file, c, opts);
      if (opts.csv !== undefined) throw new UserError('--csv needs --target (it writes the per-einsum results of the mapped and simulated run)');
      if (opts.report !== undefined) throw new UserError('--report needs --target (it draws the mapped and simulated Result)');
      if (opts.param?.length || opts.schedule !== undefined) throw new UserError('--param and --schedule need --target');
      const r = runInterpreter(file, c, opts);
      process.stdout.write(opts.json ? JSON.stringify(r.json, null, 2) + '\n' : r.text);
    });
}
