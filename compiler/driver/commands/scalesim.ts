// `tessera scalesim --config X.cfg --topology Y.csv [--outdir D]`: imports a SCALE-Sim v2 run
// (conv or GEMM topology), simulates it on the fast systolic engine, and writes SCALE-Sim's
// COMPUTE_REPORT.csv and BANDWIDTH_REPORT.csv plus the Result JSON into D/<run_name>/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { DiagnosticError, renderDiagnostics } from '../../ir';
import { ResultSchema } from '../../../sim/core/result';
import { TraceWriter } from '../../../sim/core/trace';
import { bandwidthReportCsv, computeReportCsv, parseScaleSimConfig, parseTopology, runScaleSim } from '../../../sim/spatial/scalesim';
import { UserError } from '../user-error';

interface ScaleSimOptions {
  config: string;
  topology: string;
  outdir: string;
  inputType?: string;
  clockMhz: string;
  trace?: string;
  timing: string;
  json?: boolean;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`cannot read ${path}`);
  }
}

export function register(program: Command): void {
  program
    .command('scalesim')
    .description('simulate a SCALE-Sim v2 config + topology (conv or GEMM) and write its CSV reports')
    .requiredOption('--config <file>', 'SCALE-Sim .cfg file')
    .requiredOption('--topology <file>', 'topology CSV (conv: name,H,W,Fh,Fw,C,filters,stride; or GEMM: name,M,N,K)')
    .option('--outdir <dir>', 'reports go to <dir>/<run_name>/', 'scalesim_outputs')
    .option('--input-type <kind>', 'conv or gemm (default: from the CSV header)')
    .option('--clock-mhz <mhz>', 'clock used for latencySeconds (SCALE-Sim configs have none)', '1000')
    .option('--timing <model>', "fold timing: tessera (register-level, default) or scalesim (SCALE-Sim v2's padded folds, to reproduce its reports)", 'tessera')
    .option('--trace <file>', 'write a Perfetto / Chrome trace JSON of folds, stalls and DRAM transfers')
    .option('--json', 'print the Result JSON instead of a table')
    .action((opts: ScaleSimOptions) => {
      if (opts.inputType !== undefined && opts.inputType !== 'conv' && opts.inputType !== 'gemm') {
        throw new UserError(`--input-type must be conv or gemm, got '${opts.inputType}'`);
      }
      if (opts.timing !== 'tessera' && opts.timing !== 'scalesim') throw new UserError(`--timing must be tessera or scalesim, got '${opts.timing}'`);
      const clockMhz = Number(opts.clockMhz);
      if (!(clockMhz > 0)) throw new UserError(`--clock-mhz must be a positive number, got '${opts.clockMhz}'`);
      const cfgText = readText(opts.config);
      const topoText = readText(opts.topology);
      const cfg = parseScaleSimConfig(cfgText, opts.config);
      const topo = parseTopology(topoText, opts.topology, opts.inputType as 'conv' | 'gemm' | undefined);
      const cfgErrors = cfg.diagnostics.some((d) => d.severity === 'error');
      const topoErrors = topo.diagnostics.some((d) => d.severity === 'error');
      if (cfgErrors && topoErrors) {
        // report both files' problems: the first here, the second through the normal path
        process.stderr.write(renderDiagnostics(cfg.diagnostics, cfgText) + '\n');
        throw new DiagnosticError(topo.diagnostics, topoText);
      }
      if (cfgErrors || !cfg.config) throw new DiagnosticError(cfg.diagnostics, cfgText);
      if (topoErrors) throw new DiagnosticError(topo.diagnostics, topoText);
      const warnings = [...cfg.diagnostics, ...topo.diagnostics].filter((d) => d.severity === 'warning');
      if (warnings.length && !opts.json) {
        process.stderr.write(renderDiagnostics(cfg.diagnostics.filter((d) => d.severity === 'warning'), cfgText) + '\n');
      }
      const config = cfg.config;
      const trace = opts.trace ? new TraceWriter({ clockHz: clockMhz * 1e6 }) : undefined;
      const bar =
        process.stderr.isTTY && !opts.json && topo.layers.length > 50
          ? new cliProgress.SingleBar({ format: 'scalesim [{bar}] {value}/{total} layers', stream: process.stderr }, cliProgress.Presets.shades_classic)
          : null;
      bar?.start(topo.layers.length, 0);
      const run = runScaleSim(config, topo.layers, {
        workload: basename(opts.topology).replace(/\.csv$/i, ''),
        clockHz: clockMhz * 1e6,
        trace,
        onLayer: (i) => bar?.update(i + 1),
        foldTiming: opts.timing,
        warnings: clockMhz === 1000 ? ['SCALE-Sim configs carry no clock; latencySeconds assumes 1000 MHz (--clock-mhz)'] : [],
      });
      bar?.stop();
      ResultSchema.parse(run.result);
      const dir = join(opts.outdir, config.runName);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'COMPUTE_REPORT.csv'), computeReportCsv(run));
      writeFileSync(join(dir, 'BANDWIDTH_REPORT.csv'), bandwidthReportCsv(run));
      const json = JSON.stringify(run.result, null, 2) + '\n';
      writeFileSync(join(dir, 'result.json'), json);
      if (trace) trace.write(opts.trace!);
      if (opts.json) {
        process.stdout.write(json);
        return;
      }
      const c = config;
      const out: string[] = [];
      out.push(`${c.runName}: ${c.arrayHeight}x${c.arrayWidth} ${c.dataflow}, ${topo.kind} topology, ${topo.layers.length} layers, DRAM ${c.interfaceBandwidth === 'USER' ? `${c.bandwidthWordsPerCycle} words/cycle` : 'CALC (unlimited)'}${opts.timing === 'scalesim' ? ', SCALE-Sim v2 fold timing' : ''}`);
      out.push(`${'layer'.padEnd(24)} ${'M'.padStart(7)} ${'N'.padStart(6)} ${'K'.padStart(6)} ${'folds'.padStart(6)} ${'cycles'.padStart(12)} ${'stalls'.padStart(10)} ${'util %'.padStart(7)} ${'map %'.padStart(7)}`);
      for (const { layer, run: r } of run.layers) {
        out.push(
          `${layer.name.slice(0, 24).padEnd(24)} ${String(layer.M).padStart(7)} ${String(layer.N).padStart(6)} ${String(layer.K).padStart(6)} ${String(r.folds).padStart(6)} ${String(r.totalCycles).padStart(12)} ${String(r.stallCycles).padStart(10)} ${(r.overallUtilization * 100).toFixed(1).padStart(7)} ${(r.mappingEfficiency * 100).toFixed(1).padStart(7)}`,
        );
      }
      out.push(`total ${run.result.latencyCycles} cycles; reports in ${dir}/ (COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv, result.json)${trace ? `; trace in ${opts.trace}` : ''}`);
      process.stdout.write(out.join('\n') + '\n');
    });
}
