// `tessera scalesim --config X.cfg --topology Y.csv [--outdir D]`: SCALE-Sim v2 as a front end. The
// .cfg becomes a target (sim/spatial/scalesim/to-target.ts: an .arch with `attr engine = scalesim`;
// --emit-arch saves it), the topology a cascade of one GEMM einsum per layer (to-cascade.ts), and the
// pipeline simulates it at cycle fidelity; COMPUTE_REPORT.csv and BANDWIDTH_REPORT.csv (SCALE-Sim's
// forms) are reports of the Result, written with result.json into D/<run_name>/.
// `--target T [--param k=v]` instead of --config runs the topology on any target with its own engine
// (reports in D/<target name>/; report.ts says which columns are derived and how).
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { DiagnosticError, renderDiagnostics } from '../../ir';
import { hwModel } from '../../map';
import type { Result } from '../../../sim/core/result';
import { TraceWriter } from '../../../sim/core/trace';
import type { Dataflow } from '../../../sim/spatial/folds';
import {
  bandwidthReportCsv,
  computeReportCsv,
  layerFigures,
  parseScaleSimConfig,
  parseTopology,
  scaleSimArch,
  scaleSimCascade,
  scaleSimSpec,
  type LayerFigures,
  type ReportArray,
  type ScaleSimConfig,
  type TopologyLayer,
} from '../../../sim/spatial/scalesim';
import { cycleEngineFor } from '../../../targets/engines';
import { loadTargetSpec } from '../../../targets/registry';
import type { TargetSpec } from '../../../targets/spec/types';
import { targetFromSpec } from '../../../targets/target';
import { collect, paramOverrides } from '../flags';
import { simulateCascade } from '../pipeline';
import { UserError } from '../user-error';
import { outputFolder, writeOutput } from '../output';

interface ScaleSimOptions {
  config?: string;
  target?: string;
  param: string[];
  topology: string;
  outdir: string;
  inputType?: string;
  clockMhz?: string;
  trace?: string;
  timing?: string;
  json?: boolean;
  emitArch?: string;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`cannot read ${path}`);
  }
}



function checkFlags(opts: ScaleSimOptions): void {
  if ((opts.config === undefined) === (opts.target === undefined)) throw new UserError('give either --config (a SCALE-Sim .cfg) or --target (a built-in target or an .arch file)');
  if (opts.inputType !== undefined && opts.inputType !== 'conv' && opts.inputType !== 'gemm') throw new UserError(`--input-type must be conv or gemm, got '${opts.inputType}'`);
  if (opts.timing !== undefined && opts.timing !== 'tessera' && opts.timing !== 'scalesim') throw new UserError(`--timing must be tessera or scalesim, got '${opts.timing}'`);
  if (opts.target !== undefined && opts.clockMhz !== undefined) throw new UserError('--clock-mhz is for --config (a target has its own clock: use --param)');
  if (opts.target !== undefined && opts.emitArch !== undefined) throw new UserError('--emit-arch is for --config (the target is already an .arch file)');
}

/** Both files' problems are reported; the first through stderr, the last through the normal path. */
function throwParseErrors(cfg: { diagnostics: DiagnosticError['diagnostics']; text: string } | null, topo: { diagnostics: DiagnosticError['diagnostics']; text: string }): void {
  const bad = [cfg, topo].filter((x): x is NonNullable<typeof x> => x !== null && x.diagnostics.some((d) => d.severity === 'error'));
  if (bad.length === 2) process.stderr.write(renderDiagnostics(bad[0]!.diagnostics, bad[0]!.text) + '\n');
  const last = bad[bad.length - 1];
  if (last) throw new DiagnosticError(last.diagnostics, last.text);
}

interface Machine {
  spec: TargetSpec;
  /** the reports' folder name */
  runName: string;
  config?: ScaleSimConfig;
  warnings: string[];
  /** with --emit-arch: the .arch text the .cfg became */
  arch?: string;
}

function machineFromConfig(opts: ScaleSimOptions, config: ScaleSimConfig): Machine {
  const clockMhz = Number(opts.clockMhz ?? '1000');
  if (!(clockMhz > 0 && Number.isFinite(clockMhz))) throw new UserError(`--clock-mhz must be a positive number, got '${opts.clockMhz}'`);
  const o = { clockMhz, foldTiming: (opts.timing ?? 'tessera') as 'tessera' | 'scalesim', source: basename(opts.config!) };
  const warnings = ['SCALE-Sim import: no energy model (energyPj is null: energy not modelled)'];
  if (clockMhz === 1000) warnings.unshift('SCALE-Sim configs carry no clock; latencySeconds assumes 1000 MHz (--clock-mhz)');
  return { spec: scaleSimSpec(config, o, opts.emitArch, paramOverrides(opts.param)), runName: config.runName, config, warnings, ...(opts.emitArch ? { arch: scaleSimArch(config, o) } : {}) };
}

function machineFromTarget(opts: ScaleSimOptions): Machine {
  let spec = loadTargetSpec(opts.target!, paramOverrides(opts.param));
  const a2 = spec.computes.find((u) => u.kind === 'array2d' && u.rows && u.cols);
  if (!a2) throw new UserError(`target ${spec.name} has no array2d compute unit with rows and cols: SCALE-Sim topologies run on a systolic array`);
  if (opts.timing !== undefined) {
    const engine = cycleEngineFor(spec);
    if (typeof engine === 'string' || engine.name !== 'scalesim') throw new UserError(`--timing applies to the scalesim engine; ${spec.name} runs on ${typeof engine === 'string' ? 'no cycle engine' : `the ${engine.name} engine`}`);
    spec = { ...spec, attrs: { ...spec.attrs, fold_timing: opts.timing } };
  }
  return { spec, runName: spec.name, warnings: [] };
}

function reportArray(spec: TargetSpec): ReportArray {
  const a2 = spec.computes.find((u) => u.kind === 'array2d' && u.rows && u.cols)!;
  const hw = hwModel(spec);
  return { rows: a2.rows!, cols: a2.cols!, dataflow: (a2.dataflow ?? 'ws') as Dataflow, dram: hw.levels[hw.dram]!.name };
}

function table(m: Machine, kind: string, layers: TopologyLayer[], figs: LayerFigures[], array: ReportArray, r: Result, timing?: string): string[] {
  const c = m.config;
  const head = c
    ? `${c.runName}: ${c.arrayHeight}x${c.arrayWidth} ${c.dataflow}, ${kind} topology, ${layers.length} layers, DRAM ${c.interfaceBandwidth === 'USER' ? `${c.bandwidthWordsPerCycle} words/cycle` : 'CALC (unlimited)'}${timing === 'scalesim' ? ', SCALE-Sim v2 fold timing' : ''}`
    : `${m.spec.name}: ${array.rows}x${array.cols} ${array.dataflow}, ${kind} topology, ${layers.length} layers, ${String((r as { engine?: string }).engine ?? cycleEngineName(m.spec))} engine`;
  const out = [head, `${'layer'.padEnd(24)} ${'M'.padStart(7)} ${'N'.padStart(6)} ${'K'.padStart(6)} ${'folds'.padStart(6)} ${'cycles'.padStart(12)} ${'stalls'.padStart(10)} ${'util %'.padStart(7)} ${'map %'.padStart(7)}`];
  figs.forEach((f, i) => {
    const name = layers[i]!.name;
    out.push(
      `${name.slice(0, 24).padEnd(24)} ${String(f.M).padStart(7)} ${String(f.N).padStart(6)} ${String(f.K).padStart(6)} ${String(f.folds).padStart(6)} ${String(f.totalCycles).padStart(12)} ${String(f.stallCycles).padStart(10)} ${(f.overallUtilization * 100).toFixed(1).padStart(7)} ${(f.mappingEfficiency * 100).toFixed(1).padStart(7)}`,
    );
  });
  return out;
}

function cycleEngineName(spec: TargetSpec): string {
  const e = cycleEngineFor(spec);
  return typeof e === 'string' ? 'no' : e.name;
}

function run(opts: ScaleSimOptions): void {
  checkFlags(opts);
  const cfgText = opts.config !== undefined ? readText(opts.config) : null;
  const topoText = readText(opts.topology);
  const cfg = cfgText !== null ? parseScaleSimConfig(cfgText, opts.config) : null;
  const topo = parseTopology(topoText, opts.topology, opts.inputType as 'conv' | 'gemm' | undefined);
  throwParseErrors(cfg && { diagnostics: cfg.diagnostics, text: cfgText! }, { diagnostics: topo.diagnostics, text: topoText });
  const cfgWarnings = cfg?.diagnostics.filter((d) => d.severity === 'warning') ?? [];
  if (cfgWarnings.length && !opts.json) process.stderr.write(renderDiagnostics(cfgWarnings, cfgText!) + '\n');
  const m = cfg ? machineFromConfig(opts, cfg.config!) : machineFromTarget(opts);
  const workload = basename(opts.topology).replace(/\.csv$/i, '');
  const { cascade } = scaleSimCascade(topo.layers, workload);
  const trace = opts.trace ? new TraceWriter({ clockHz: m.spec.clockHz }) : undefined;
  // A .cfg machine's scalesim engine computes every layer's cycles and traffic itself, and a .cfg
  // gives no energy figures: the mapping only has to be legal, so the mapper's search is minimal.
  const search = cfg ? { search: { budget: 16, exhaustiveLimit: 16, climb: false } } : {};
  const result = simulateCascade(cascade, { target: targetFromSpec(m.spec), fidelity: 'cycle', ...search, ...(trace ? { trace } : {}), progress: process.stderr.isTTY && !opts.json });
  result.warnings = [...m.warnings, ...result.warnings];
  const array = reportArray(m.spec);
  const figs = layerFigures(result, array, topo.layers);
  result.layers = figs.map((f, i) => ({ ...f, name: topo.layers[i]!.name, einsum: f.name }));
  const dir = outputFolder(opts.outdir, m.runName);
  writeOutput(join(dir, 'COMPUTE_REPORT.csv'), computeReportCsv(result, array, topo.layers));
  writeOutput(join(dir, 'BANDWIDTH_REPORT.csv'), bandwidthReportCsv(result, array, topo.layers));
  const json = JSON.stringify(result, null, 2) + '\n';
  writeOutput(join(dir, 'result.json'), json);
  if (m.arch !== undefined) writeOutput(opts.emitArch!, m.arch);
  if (trace) writeOutput(opts.trace!, trace.text());
  if (trace?.truncationNotice(opts.trace!)) process.stderr.write(trace.truncationNotice(opts.trace!)!);
  if (opts.json) {
    process.stdout.write(json);
    return;
  }
  const out = table(m, topo.kind, topo.layers, figs, array, result, opts.timing);
  out.push(`total ${result.latencyCycles} cycles; reports in ${dir}/ (COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv, result.json)${trace ? `; trace in ${opts.trace}` : ''}`);
  process.stdout.write(out.join('\n') + '\n');
}

export function register(program: Command): void {
  program
    .command('scalesim')
    .description('simulate a SCALE-Sim v2 topology (conv or GEMM) on a .cfg or any target, and write SCALE-Sim\'s CSV reports')
    .option('--config <file>', 'SCALE-Sim .cfg file (becomes a target with the scalesim engine)')
    .option('--target <name|file.arch>', 'instead of --config: a built-in target or an .arch file with an array2d, run with its own engine')
    .option('--param <name=value>', 'override a target parameter (repeatable); with --config the generated .arch has rows, cols, dataflow, fold_timing, interface_bandwidth', collect, [])
    .requiredOption('--topology <file>', 'topology CSV (conv: name,H,W,Fh,Fw,C,filters,stride; or GEMM: name,M,N,K)')
    .option('--outdir <dir>', 'reports go to <dir>/<run_name or target name>/', 'scalesim_outputs')
    .option('--input-type <kind>', 'conv or gemm (default: from the CSV header)')
    .option('--clock-mhz <mhz>', 'with --config: the clock used for latencySeconds (SCALE-Sim configs have none; default 1000)')
    .option('--timing <model>', "fold timing of the scalesim engine: tessera (register-level, default) or scalesim (SCALE-Sim v2's padded folds, to reproduce its reports)")
    .option('--emit-arch <file>', 'with --config: save the target the .cfg becomes as an .arch file')
    .option('--trace <file>', 'write a Perfetto / Chrome trace JSON of folds, stalls and DRAM transfers')
    .option('--json', 'print the Result JSON instead of a table')
    .action((opts: ScaleSimOptions) => run(opts));
}
