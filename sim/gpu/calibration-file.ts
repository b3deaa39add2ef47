// The committed calibration of a GPU: the fitted GpuModelParams, which measurement files they were
// fitted on (with each file's provenance kind) and how the records were split. Written by
// `tessera calibrate gpu ... -o FILE`; the h100/a100 targets read native/calibration/<gpu>.json.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ATTENTION_KERNELS, type GpuModelParams } from './params';
import { GPU_DTYPES } from './hardware';
import { PROVENANCE_KINDS } from './measurements';

export const CALIBRATION_SCHEMA_ID = 'tessera-gpu-calibration/1';

const KernelParams = z.object({ fwdEfficiency: z.number().positive().max(1), bwdEfficiency: z.number().positive().max(1), overlap: z.number().min(0).max(1), causalFactor: z.number().positive() });
const ParamsSchema = z.object({
  gemmEfficiency: z.partialRecord(z.enum(GPU_DTYPES), z.number().positive().max(1)),
  gemmTileOverheadK: z.number().nonnegative(),
  gemmOverlap: z.number().min(0).max(1),
  hbmEfficiency: z.number().positive().max(1),
  l2Efficiency: z.number().positive().max(1),
  launchSeconds: z.number().nonnegative(),
  attention: z.object(Object.fromEntries(ATTENTION_KERNELS.map((k) => [k, KernelParams])) as Record<(typeof ATTENTION_KERNELS)[number], typeof KernelParams>),
  softmaxCostPerScore: z.number().positive(),
  attentionCtaOverheadBlocks: z.number().nonnegative(),
});

export const CalibrationFileSchema = z.object({
  schema: z.literal(CALIBRATION_SCHEMA_ID),
  /** the targets these parameters apply to (a100 and a100-80gb share SMs, so one fit serves both) */
  targets: z.array(z.string()).min(1),
  /** the .arch the hardware figures came from while fitting */
  hardware: z.string(),
  measurements: z.array(z.object({ file: z.string(), kind: z.enum(PROVENANCE_KINDS), gpu: z.string(), records: z.number().int() })),
  split: z.string(),
  calibrationRecords: z.number().int(),
  /** mean squared log error on the calibration records */
  loss: z.number(),
  fitted: z.array(z.string()),
  params: ParamsSchema,
});
export type CalibrationFile = z.infer<typeof CalibrationFileSchema>;

export class CalibrationFileError extends Error {
  override name = 'CalibrationFileError';
}

export function parseCalibration(text: string, file: string): CalibrationFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CalibrationFileError(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const r = CalibrationFileSchema.safeParse(raw);
  if (!r.success) throw new CalibrationFileError(`${file}: not a calibration file (${CALIBRATION_SCHEMA_ID}): ${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

export function loadCalibration(file: string): CalibrationFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CalibrationFileError(`cannot read calibration file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseCalibration(text, file);
}

export function paramsOf(c: CalibrationFile): GpuModelParams {
  return structuredClone(c.params) as GpuModelParams;
}
