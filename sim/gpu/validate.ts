// Checking the GPU model against a measurement file: split, calibrate on one part, and report
// MAPE, maximum error, Pearson and Spearman on the held-out part, beside a roofline baseline.
import { calibrate, predictRecordSeconds, rooflineRecordSeconds, splitRecords } from './calibrate';
import type { GpuDType, GpuHardware } from './hardware';
import type { MeasurementFile } from './measurements';
import { summarize, type ErrorSummary } from './metrics';
import type { GpuModelParams } from './model';

export interface ValidationPoint {
  id: string;
  suite: string;
  split: 'calibration' | 'held-out';
  measuredSeconds: number;
  modelSeconds: number;
  rooflineSeconds: number;
}

export interface SplitSummary {
  model: ErrorSummary;
  roofline: ErrorSummary;
}

export interface ValidationReport {
  measurements: { file: string; synthetic: boolean; gpu: string; date: string; records: number; calibration: number; heldOut: number };
  hardware: { name: string; source: string };
  params: GpuModelParams;
  /** GEMM dtypes present in the measurements (their efficiencies are fitted; the others are defaults) */
  gemmDtypes: GpuDType[];
  calibrationLogLoss: number;
  heldOut: SplitSummary;
  calibration: SplitSummary;
  /** held-out metrics for each suite (gemm-sweep-m, attn-prefill, ...) */
  bySuite: ({ suite: string } & SplitSummary)[];
  points: ValidationPoint[];
}

function summaries(points: readonly ValidationPoint[]): SplitSummary {
  const meas = points.map((p) => p.measuredSeconds);
  return { model: summarize(points.map((p) => p.modelSeconds), meas), roofline: summarize(points.map((p) => p.rooflineSeconds), meas) };
}

export function validateGpuModel(hw: GpuHardware, mf: MeasurementFile, file: string, heldOutEvery = 3, onProgress?: (done: number, total: number) => void): ValidationReport {
  const { calibration, heldOut } = splitRecords(mf.records, heldOutEvery);
  if (calibration.length === 0 || heldOut.length === 0) throw new Error(`${file}: too few records (${mf.records.length}) to split into calibration and held-out sets`);
  const fit = calibrate(hw, calibration, undefined, onProgress);
  const held = new Set(heldOut.map((r) => r.id));
  const points: ValidationPoint[] = mf.records.map((r) => ({
    id: r.id,
    suite: r.suite,
    split: held.has(r.id) ? 'held-out' : 'calibration',
    measuredSeconds: r.timeSeconds,
    modelSeconds: predictRecordSeconds(hw, fit.params, r),
    rooflineSeconds: rooflineRecordSeconds(hw, r),
  }));
  const ho = points.filter((p) => p.split === 'held-out');
  const suites = [...new Set(ho.map((p) => p.suite))];
  return {
    measurements: {
      file,
      synthetic: mf.provenance.synthetic,
      gpu: mf.provenance.gpu.name,
      date: mf.provenance.date,
      records: mf.records.length,
      calibration: calibration.length,
      heldOut: heldOut.length,
    },
    hardware: { name: hw.name, source: hw.source },
    params: fit.params,
    gemmDtypes: [...new Set(mf.records.flatMap((r) => (r.kind === 'gemm' ? [r.dtype] : [])))].sort(),
    calibrationLogLoss: fit.loss,
    heldOut: summaries(ho),
    calibration: summaries(points.filter((p) => p.split === 'calibration')),
    bySuite: suites.map((suite) => ({ suite, ...summaries(ho.filter((p) => p.suite === suite)) })),
    points,
  };
}
