// `validate gpu --json` and `calibrate gpu --json` (a calibration file), `validate wgsl --json`: the zod
// schemas of what they print (docs/schema/validation.schema.json, calibration.schema.json, wgsl.schema.json).
import { z } from 'zod';
import { CalibrationFileSchema } from '../../sim/gpu/calibration-file';
import { PROVENANCE_KINDS } from '../../sim/gpu/measurements';

const ErrorSummary = z.object({
  points: z.number().int().nonnegative(),
  /** mean absolute percentage error, as a fraction */
  mape: z.number().nonnegative(),
  maxError: z.number().nonnegative(),
  /** null when undefined (fewer than two points): JSON has no NaN */
  pearson: z.number().nullable(),
  spearman: z.number().nullable(),
});
const ModelAndRoofline = z.object({ model: ErrorSummary, roofline: ErrorSummary });

export const ValidationJsonSchema = z.object({
  measurements: z.object({
    files: z.array(z.object({ file: z.string(), kind: z.enum(PROVENANCE_KINDS), gpu: z.string(), records: z.number().int().nonnegative() })),
    synthetic: z.boolean(),
    records: z.number().int().nonnegative(),
    calibration: z.number().int().nonnegative(),
    heldOut: z.number().int().nonnegative(),
  }),
  hardware: z.object({ name: z.string(), source: z.string() }),
  /** "fitted on the calibration split" or the calibration file used as it is */
  paramsFrom: z.string(),
  params: CalibrationFileSchema.shape.params,
  fitted: z.array(z.string()),
  calibrationLogLoss: z.number().nullable(),
  heldOut: ModelAndRoofline,
  calibration: ModelAndRoofline,
  all: ModelAndRoofline,
  byFamily: z.array(ModelAndRoofline.extend({ family: z.string() })),
  points: z.array(
    z.object({
      id: z.string(),
      family: z.string(),
      split: z.enum(['calibration', 'held-out']),
      measuredSeconds: z.number().positive(),
      modelSeconds: z.number().positive(),
      rooflineSeconds: z.number().positive(),
    }),
  ),
});

export const WgslJsonSchema = z.object({
  file: z.string(),
  /** the WebGPU adapter the kernels ran on */
  adapter: z.string(),
  kernels: z.number().int().nonnegative(),
  ok: z.boolean(),
  /** each output against the interpreter (compiler/codegen/wgsl/tolerance.ts) */
  comparisons: z.array(
    z.object({
      tensor: z.string(),
      elements: z.number().int().nonnegative(),
      maxRelError: z.number().nullable(),
      tolerance: z.number().nonnegative(),
      ok: z.boolean(),
      worst: z.object({ index: z.number().int().nonnegative(), gpu: z.number().nullable(), ref: z.number().nullable() }).optional(),
    }),
  ),
  medianSeconds: z.number().nullable(),
});

export { CalibrationFileSchema };
