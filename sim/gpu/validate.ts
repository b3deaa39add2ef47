// Checking the GPU model against measurement files: split by shape (calibrate.ts), fit the free
// parameters on the calibration part (or take a committed calibration as it is), and report MAPE,
// maximum error, Pearson and Spearman on the held-out part, per kernel family, beside the roofline
// baseline and beside other models' published errors (native/reference-accuracy.json).
import { familyOf, calibrate, heldOutIds, predictRecordSeconds, rooflineRecordSeconds } from './calibrate';
import type { GpuHardware } from './hardware';
import type { MeasurementFile, MeasurementRecord, ProvenanceKind } from './measurements';
import { summarize, type ErrorSummary } from './metrics';
import type { GpuModelParams } from './params';

export interface ValidationPoint {
  id: string;
  family: string;
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
  measurements: { files: { file: string; kind: ProvenanceKind; gpu: string; records: number }[]; synthetic: boolean; records: number; calibration: number; heldOut: number };
  hardware: { name: string; source: string };
  /** 'fitted on the calibration split', or the calibration file the parameters came from */
  paramsFrom: string;
  params: GpuModelParams;
  fitted: string[];
  calibrationLogLoss: number;
  heldOut: SplitSummary;
  calibration: SplitSummary;
  /** every record (with a committed calibration, none of them was fitted here) */
  all: SplitSummary;
  /** held-out metrics per kernel family (gemm fp16, fa2 fwd+bwd, fa3 fwd, ...), and decode-shaped GEMMs */
  byFamily: ({ family: string } & SplitSummary)[];
  points: ValidationPoint[];
}

export class ValidationError extends Error {
  override name = 'ValidationError';
}

function summaries(points: readonly ValidationPoint[]): SplitSummary {
  const meas = points.map((p) => p.measuredSeconds);
  return { model: summarize(points.map((p) => p.modelSeconds), meas), roofline: summarize(points.map((p) => p.rooflineSeconds), meas) };
}

/** GEMMs of 1 to 64 tokens: the shapes of LLM decode. */
export const DECODE_MAX_M = 64;

export interface ValidateOptions {
  /** use these parameters as they are (a committed calibration) instead of fitting */
  params?: GpuModelParams;
  paramsFrom?: string;
  onProgress?: (done: number, total: number) => void;
}

export function validateGpuModel(hw: GpuHardware, files: readonly { file: string; mf: MeasurementFile }[], records: readonly MeasurementRecord[], o: ValidateOptions = {}): ValidationReport {
  const held = heldOutIds(records);
  const calibration = records.filter((r) => !held.has(r.id));
  const heldOut = records.filter((r) => held.has(r.id));
  if (calibration.length < 2 || heldOut.length < 1)
    throw new ValidationError(
      `${files.map((f) => f.file).join(', ')}: too few records to split for held-out validation (${records.length} usable: ${calibration.length} for calibration, ${heldOut.length} held out); the split holds out alternate GEMM token counts and attention head dim 128, so give at least three GEMM token counts or a head dim besides 128`,
    );
  const fit = o.params ? { params: o.params, loss: NaN, fitted: [] as string[] } : calibrate(hw, calibration, undefined, o.onProgress);
  const points: ValidationPoint[] = records.map((r) => ({
    id: r.id,
    family: familyOf(r),
    split: held.has(r.id) ? 'held-out' : 'calibration',
    measuredSeconds: r.timeSeconds,
    modelSeconds: predictRecordSeconds(hw, fit.params, r),
    rooflineSeconds: rooflineRecordSeconds(hw, r),
  }));
  const ho = points.filter((p) => p.split === 'held-out');
  const families = [...new Set(points.map((p) => p.family))].sort();
  const byFamily: ({ family: string } & SplitSummary)[] = [];
  for (const family of families) {
    const pts = ho.filter((p) => p.family === family);
    if (pts.length) byFamily.push({ family, ...summaries(pts) });
  }
  const decode = new Set(records.filter((r) => r.kind === 'gemm' && r.m <= DECODE_MAX_M).map((r) => r.id));
  const decodeHeld = ho.filter((p) => decode.has(p.id));
  if (decodeHeld.length) byFamily.push({ family: `gemm decode (M <= ${DECODE_MAX_M})`, ...summaries(decodeHeld) });
  const kinds = files.map((f) => ({ file: f.file, kind: f.mf.provenance.kind, gpu: f.mf.provenance.gpu.name, records: f.mf.records.length }));
  return {
    measurements: { files: kinds, synthetic: kinds.some((k) => k.kind === 'synthetic'), records: records.length, calibration: calibration.length, heldOut: heldOut.length },
    hardware: { name: hw.name, source: hw.source },
    paramsFrom: o.paramsFrom ?? 'fitted on the calibration split',
    params: fit.params,
    fitted: fit.fitted,
    calibrationLogLoss: fit.loss,
    heldOut: summaries(ho),
    calibration: summaries(points.filter((p) => p.split === 'calibration')),
    all: summaries(points),
    byFamily,
    points,
  };
}
