// `tessera calibrate gpu --measurements F... [--target T] -o calibration.json`: fits the GPU model's
// few free parameters (efficiencies, overheads) on the calibration split of the measurement files
// (published, measured or synthetic; both file formats) and writes them with what they were fitted on.
// The GPU targets read the committed files in native/calibration/ (docs/GPU.md).
import { writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadTargetSpec } from '../../../targets/registry';
import { DiagnosticError } from '../../ir/diagnostic';
import {
  CALIBRATION_SCHEMA_ID,
  calibrate,
  GpuHardwareError,
  gpuHardwareFromSpec,
  HELD_OUT_HEAD_DIM,
  loadMeasurements,
  MeasurementFileError,
  mergeMeasurements,
  splitRecords,
  type CalibrationFile,
  type GpuHardware,
  type MeasurementFile,
  type MeasurementRecord,
} from '../../../sim/gpu';
import { UserError } from '../user-error';

export interface LoadedGpuData {
  target: string;
  hw: GpuHardware;
  files: { file: string; mf: MeasurementFile }[];
  /** records the target can run (fp8 GEMMs are left out on an A100) */
  records: MeasurementRecord[];
  leftOut: number;
}

/** The GPU target a measurement file names: an A100 80GB is a100-80gb, an H100 is h100. */
export function targetForGpu(name: string): string | null {
  if (/\bH100\b/i.test(name)) return 'h100';
  if (/\bA100\b/i.test(name)) return /80\s*GB/i.test(name) ? 'a100-80gb' : 'a100';
  return null;
}

export function writeOut(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new UserError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** Reads the files and the target (given, or named by the files' GPU); every problem is a UserError. */
export function loadGpuData(paths: readonly string[], given?: string): LoadedGpuData {
  if (paths.length === 0) throw new UserError('--measurements: give at least one measurement file');
  const files = paths.map((file) => {
    try {
      return { file, mf: loadMeasurements(file) };
    } catch (e) {
      if (e instanceof MeasurementFileError) throw new UserError(e.message);
      throw e;
    }
  });
  let target = given;
  if (!target) {
    const named = [...new Set(files.map((f) => targetForGpu(f.mf.provenance.gpu.name)))];
    if (named.includes(null) || named.length !== 1)
      throw new UserError(`cannot tell one GPU target from the files' GPUs (${[...new Set(files.map((f) => JSON.stringify(f.mf.provenance.gpu.name)))].join(', ')}); pass --target h100, a100 or a100-80gb`);
    target = named[0]!;
  }
  let hw: GpuHardware;
  try {
    hw = gpuHardwareFromSpec(loadTargetSpec(target));
  } catch (e) {
    if (e instanceof GpuHardwareError) throw new UserError(e.message);
    if (e instanceof DiagnosticError) throw new UserError(e.diagnostics.map((d) => d.message).join('; '));
    throw e;
  }
  const all = mergeMeasurements(files);
  const records = all.filter((r) => r.kind === 'attention' || hw.peakFlopsPerSecond[r.dtype] !== undefined);
  if (records.length === 0) throw new UserError(`${paths.join(', ')}: no record has a dtype that ${target} supports`);
  return { target, hw, files, records, leftOut: all.length - records.length };
}

export function progressBar(json: boolean | undefined): { update: (done: number, total: number) => void; stop: () => void } {
  const bar = process.stderr.isTTY && !json ? new cliProgress.SingleBar({ format: 'calibrating [{bar}] {value}/{total} step sizes', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
  let started = false;
  return {
    update(done, total) {
      if (bar && !started) (bar.start(total, 0), (started = true));
      bar?.update(done);
    },
    stop: () => bar?.stop(),
  };
}

export function runCalibrateGpu(opts: { measurements: string[]; target?: string; json?: boolean; targets?: string }): CalibrationFile {
  const d = loadGpuData(opts.measurements, opts.target);
  const { calibration, heldOut } = splitRecords(d.records);
  if (calibration.length < 2)
    throw new UserError(`${opts.measurements.join(', ')}: too few records to calibrate on (${d.records.length} usable, ${calibration.length} in the calibration split)`);
  const bar = progressBar(opts.json);
  const fit = calibrate(d.hw, calibration, undefined, bar.update);
  bar.stop();
  return {
    schema: CALIBRATION_SCHEMA_ID,
    targets: opts.targets ? opts.targets.split(',').map((s) => s.trim()).filter(Boolean) : [d.target],
    hardware: d.hw.source,
    measurements: d.files.map((f) => ({ file: f.file, kind: f.mf.provenance.kind, gpu: f.mf.provenance.gpu.name, records: f.mf.records.length })),
    split: `by shape: GEMMs at alternate token counts M held out (${heldOut.filter((r) => r.kind === 'gemm').length}), attention at head dim ${HELD_OUT_HEAD_DIM} held out (${heldOut.filter((r) => r.kind === 'attention').length})`,
    calibrationRecords: calibration.length,
    loss: fit.loss,
    fitted: fit.fitted,
    params: fit.params,
  };
}

export function register(program: Command): void {
  const c = program.command('calibrate').description('fit a model\'s free parameters to measurements');
  c.command('gpu')
    .description('fit the GPU model (efficiencies, overheads) on the calibration split of measurement files and write the calibration')
    .requiredOption('--measurements <files...>', 'measurement JSON files: native/run.sh output, published (native/measurements/published) or synthetic')
    .option('--target <name>', 'GPU target or .arch file (default: from the files\' GPU)')
    .option('--targets <names>', 'the targets the calibration applies to, comma-separated (default: the target)')
    .option('-o, --output <file>', 'write the calibration JSON here (default: print it)')
    .option('--json', 'no progress bar; print the calibration document (also with -o)')
    .action((opts: { measurements: string[]; target?: string; targets?: string; output?: string; json?: boolean }) => {
      const cal = runCalibrateGpu(opts);
      const text = JSON.stringify(cal, null, 1) + '\n';
      if (cal.measurements.some((m) => m.kind === 'synthetic')) process.stderr.write('*** SYNTHETIC MEASUREMENTS among the inputs: this calibration is fitted on generated data, not on a GPU.\n');
      if (opts.json) process.stdout.write(text); // the calibration document (docs/schema/calibration.schema.json), -o or not
      if (opts.output) {
        writeOut(opts.output, text);
        if (!opts.json) process.stdout.write(`calibration of ${cal.targets.join(', ')} on ${cal.calibrationRecords} records (${cal.measurements.map((m) => `${m.file}: ${m.kind}`).join('; ')}): rms log error ${Math.sqrt(cal.loss).toFixed(4)}; written to ${opts.output}\n`);
      } else if (!opts.json) process.stdout.write(text);
    });
}
