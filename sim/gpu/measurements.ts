// The measurement file written by native/harness (and by the synthetic generator): a zod schema,
// and a loader that turns any problem with the file into one clear, user-facing message.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { GPU_DTYPES } from './hardware';

export const MEASUREMENT_SCHEMA_ID = 'tessera-gpu-measurements/1';

const GemmRecord = z.object({
  id: z.string().min(1),
  kind: z.literal('gemm'),
  suite: z.string(),
  dtype: z.enum(GPU_DTYPES),
  m: z.number().int().positive(),
  n: z.number().int().positive(),
  k: z.number().int().positive(),
  timeSeconds: z.number().positive(),
});
const AttentionRecord = z.object({
  id: z.string().min(1),
  kind: z.literal('attention'),
  suite: z.string(),
  dtype: z.enum(['bf16', 'fp16']),
  batch: z.number().int().positive(),
  heads: z.number().int().positive(),
  seqQ: z.number().int().positive(),
  seqKV: z.number().int().positive(),
  headDim: z.number().int().positive(),
  causal: z.boolean(),
  timeSeconds: z.number().positive(),
});
export const MeasurementRecordSchema = z.discriminatedUnion('kind', [GemmRecord, AttentionRecord]);
export type MeasurementRecord = z.infer<typeof MeasurementRecordSchema>;
export type GemmMeasurement = z.infer<typeof GemmRecord>;
export type AttentionMeasurement = z.infer<typeof AttentionRecord>;

export const ProvenanceSchema = z.object({
  /** true for generated data; such a file is never presented as a measurement of a real GPU */
  synthetic: z.boolean(),
  /** for synthetic files: the script and formula that produced them */
  generator: z.string().optional(),
  date: z.string().min(1),
  gpu: z.object({
    name: z.string().min(1),
    smCount: z.number().int().positive().optional(),
    computeCapability: z.string().optional(),
    driver: z.string().min(1),
    memoryBytes: z.number().positive().optional(),
    clocks: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
    powerLimitWatts: z.union([z.number(), z.string(), z.null()]),
  }),
  software: z
    .object({ cuda: z.string().min(1), torch: z.string().min(1) })
    .catchall(z.union([z.string(), z.null()])),
  timing: z.object({
    method: z.string().min(1),
    warmupRuns: z.number().int().nonnegative(),
    timedRuns: z.number().int().min(20, 'the protocol asks for the median of at least 20 runs'),
    statistic: z.literal('median'),
  }),
  host: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).optional(),
});
export type Provenance = z.infer<typeof ProvenanceSchema>;

export const MeasurementFileSchema = z.object({
  schema: z.literal(MEASUREMENT_SCHEMA_ID),
  provenance: ProvenanceSchema,
  records: z.array(MeasurementRecordSchema).min(1),
  /** shapes the harness could not run (e.g. fp8 on a GPU without it), with why */
  skipped: z.array(z.object({ id: z.string(), reason: z.string() })).optional(),
});
export type MeasurementFile = z.infer<typeof MeasurementFileSchema>;

/** Thrown for any unreadable, malformed or provenance-less file; the message is meant for the user. */
export class MeasurementFileError extends Error {
  override name = 'MeasurementFileError';
}

export function parseMeasurements(text: string, file = '<measurements>'): MeasurementFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new MeasurementFileError(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (raw && typeof raw === 'object' && !('provenance' in raw))
    throw new MeasurementFileError(`${file}: the measurement file has no "provenance" block; every measurement must record the GPU, driver, CUDA and torch versions, clocks, power limit and date (see docs/GPU.md)`);
  const r = MeasurementFileSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.slice(0, 8).map((i) => `  at ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    const more = r.error.issues.length > 8 ? `\n  ... and ${r.error.issues.length - 8} more` : '';
    throw new MeasurementFileError(`${file}: malformed measurement file:\n${lines.join('\n')}${more}`);
  }
  const ids = new Set<string>();
  for (const rec of r.data.records) {
    if (ids.has(rec.id)) throw new MeasurementFileError(`${file}: record id ${rec.id} appears twice`);
    ids.add(rec.id);
  }
  return r.data;
}

export function loadMeasurements(path: string): MeasurementFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new MeasurementFileError(`cannot read measurement file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseMeasurements(text, path);
}
