// Measurement files: what the GPU model is calibrated and validated on. Two formats, read as they are:
// - `tessera-gpu-measurements/1`, written by native/harness (a real GPU: provenance.kind `measured`)
//   or native/synthetic/generate.py (`synthetic`: never presented as a measurement);
// - `tessera-published-measurements/1`: figures other people measured and published (`published`),
//   with their source, the place in it, the commit and the GPU as recorded (data/gpu-published).
// Both become one MeasurementFile whose records all carry a time (an attention record given as
// TFLOP/s is converted with the file's stated FLOP convention). Any problem is one clear message.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { GPU_DTYPES } from './hardware';
import { attentionFlops } from './attention';
import type { AttentionKernel, AttentionPass } from './params';

/** Largest extent (tokens, batch, heads, GEMM dimension) a record may give: 16 M, far past any measured kernel,
 *  and small enough that the CTA schedule of sim/gpu stays bounded. */
export const MAX_EXTENT = 2 ** 24;

export const MEASUREMENT_SCHEMA_ID = 'tessera-gpu-measurements/1';
export const PUBLISHED_SCHEMA_ID = 'tessera-published-measurements/1';
export const PROVENANCE_KINDS = ['measured', 'published', 'synthetic'] as const;
export type ProvenanceKind = (typeof PROVENANCE_KINDS)[number];

const GemmRecord = z.object({
  id: z.string().min(1),
  kind: z.literal('gemm'),
  suite: z.string(),
  dtype: z.enum(GPU_DTYPES),
  m: z.number().int().positive().max(MAX_EXTENT),
  n: z.number().int().positive().max(MAX_EXTENT),
  k: z.number().int().positive().max(MAX_EXTENT),
  timeSeconds: z.number().positive(),
});
const AttentionRecord = z.object({
  id: z.string().min(1),
  kind: z.literal('attention'),
  suite: z.string(),
  dtype: z.enum(['bf16', 'fp16']),
  batch: z.number().int().positive().max(MAX_EXTENT),
  heads: z.number().int().positive().max(MAX_EXTENT),
  kvHeads: z.number().int().positive().optional(),
  seqQ: z.number().int().positive().max(MAX_EXTENT),
  seqKV: z.number().int().positive().max(MAX_EXTENT),
  headDim: z.number().int().positive().max(MAX_EXTENT),
  causal: z.boolean(),
  kernel: z.enum(['fa2', 'fa3']).optional(),
  pass: z.enum(['fwd', 'bwd', 'fwd+bwd']).optional(),
  timeSeconds: z.number().positive(),
});
export const MeasurementRecordSchema = z.discriminatedUnion('kind', [GemmRecord, AttentionRecord]);
export type MeasurementRecord = z.infer<typeof MeasurementRecordSchema>;
export type GemmMeasurement = z.infer<typeof GemmRecord>;
export type AttentionMeasurement = z.infer<typeof AttentionRecord>;

export const NativeProvenanceSchema = z.object({
  kind: z.enum(['measured', 'synthetic']),
  /** true for generated data; must agree with kind */
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
  software: z.object({ cuda: z.string().min(1), torch: z.string().min(1) }).catchall(z.union([z.string(), z.null()])),
  timing: z.object({
    method: z.string().min(1),
    warmupRuns: z.number().int().nonnegative(),
    timedRuns: z.number().int().min(20, 'the protocol asks for the median of at least 20 runs'),
    statistic: z.literal('median'),
  }),
  host: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).optional(),
});

const NativeFileSchema = z.object({
  schema: z.literal(MEASUREMENT_SCHEMA_ID),
  provenance: NativeProvenanceSchema,
  records: z.array(MeasurementRecordSchema).min(1),
  /** shapes the harness could not run (e.g. fp8 on a GPU without it), with why */
  skipped: z.array(z.object({ id: z.string(), reason: z.string() })).optional(),
});

const PublishedProvenanceSchema = z.object({
  kind: z.literal('published'),
  source: z.string().min(1),
  where: z.string().min(1),
  commit: z.string().optional(),
  gpu: z.object({ name: z.string().min(1), asRecorded: z.string().optional() }),
  dtype: z.string().optional(),
  notes: z.string().optional(),
  flopConvention: z.string().optional(),
});
const PublishedRecordSchema = z
  .object({
    id: z.string().min(1),
    kind: z.enum(['gemm', 'attention']),
    kernel: z.string().optional(),
    dtype: z.string().optional(),
    timeSeconds: z.number().positive().nullable().optional(),
    tflops: z.number().positive().nullable().optional(),
  })
  .passthrough();
const PublishedFileSchema = z.object({
  schema: z.literal(PUBLISHED_SCHEMA_ID),
  provenance: PublishedProvenanceSchema,
  records: z.array(PublishedRecordSchema).min(1),
});

/** What every consumer reads, whatever the file's format. */
export interface MeasurementFile {
  schema: string;
  provenance: {
    kind: ProvenanceKind;
    /** kind === 'synthetic' (kept for readers of the native format) */
    synthetic: boolean;
    date: string;
    gpu: { name: string; asRecorded?: string };
    /** published: the source and the place in it */
    source?: string;
    where?: string;
  };
  records: MeasurementRecord[];
}

/** Thrown for any unreadable, malformed or provenance-less file; the message is meant for the user. */
export class MeasurementFileError extends Error {
  override name = 'MeasurementFileError';
}

function zodMessage(file: string, e: z.ZodError): string {
  const lines = e.issues.slice(0, 8).map((i) => `  at ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
  const more = e.issues.length > 8 ? `\n  ... and ${e.issues.length - 8} more` : '';
  return `${file}: malformed measurement file:\n${lines.join('\n')}${more}`;
}

const FA_CONVENTION = /4\s*\*\s*batch\s*\*\s*heads\s*\*\s*seqQ\s*\*\s*seqKV\s*\*\s*headDim/;

function kernelOf(file: string, id: string, k: string | undefined): AttentionKernel {
  if (k === undefined || /flash-?attention-?2|^fa2$/i.test(k)) return 'fa2';
  if (/flash-?attention-?3|^fa3$/i.test(k)) return 'fa3';
  throw new MeasurementFileError(`${file}: record ${id}: unknown attention kernel '${k}' (the model knows flash-attention-2 and flash-attention-3)`);
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A published record as a MeasurementRecord: its time as given, or FLOPs (by the file's convention) / throughput. */
function publishedRecord(file: string, prov: z.infer<typeof PublishedProvenanceSchema>, r: z.infer<typeof PublishedRecordSchema>): MeasurementRecord {
  const raw = r as Record<string, unknown>;
  const dtype = r.dtype ?? prov.dtype;
  const time = num(r.timeSeconds);
  const tflops = num(r.tflops);
  if (time === undefined && tflops === undefined) throw new MeasurementFileError(`${file}: record ${r.id} has neither a time (timeSeconds) nor a throughput (tflops)`);
  const need = (key: string): number => {
    const v = num(raw[key]);
    if (v === undefined || v <= 0 || !Number.isInteger(v)) throw new MeasurementFileError(`${file}: record ${r.id}: '${key}' must be a positive whole number`);
    if (v > MAX_EXTENT) throw new MeasurementFileError(`${file}: record ${r.id}: '${key}' is ${v}, beyond the ${MAX_EXTENT.toLocaleString('en-US')} the kernel models cover`);
    return v;
  };
  if (r.kind === 'gemm') {
    const d = GPU_DTYPES.find((x) => x === dtype);
    if (!d) throw new MeasurementFileError(`${file}: record ${r.id}: dtype '${String(dtype)}' is not one of ${GPU_DTYPES.join(', ')}`);
    const m = need('m');
    const n = need('n');
    const k = need('k');
    return { id: r.id, kind: 'gemm', suite: 'gemm', dtype: d, m, n, k, timeSeconds: time ?? (2 * m * n * k) / (tflops! * 1e12) };
  }
  if (dtype !== 'fp16' && dtype !== 'bf16') throw new MeasurementFileError(`${file}: record ${r.id}: attention dtype '${String(dtype)}' is not fp16 or bf16`);
  const pass = raw.pass ?? 'fwd';
  if (pass !== 'fwd' && pass !== 'bwd' && pass !== 'fwd+bwd') throw new MeasurementFileError(`${file}: record ${r.id}: pass '${String(pass)}' is not fwd, bwd or fwd+bwd`);
  if (typeof raw.causal !== 'boolean') throw new MeasurementFileError(`${file}: record ${r.id}: 'causal' must be true or false`);
  const kernel = kernelOf(file, r.id, r.kernel);
  const dt: 'fp16' | 'bf16' = dtype;
  const shape = { batch: need('batch'), heads: need('heads'), seqQ: need('seqQ'), seqKV: need('seqKV'), headDim: need('headDim'), causal: raw.causal, dtype: dt, pass: pass as AttentionPass, kernel };
  const kvHeads = raw.kvHeads === undefined ? undefined : need('kvHeads');
  let t = time;
  if (t === undefined) {
    if (!prov.flopConvention) throw new MeasurementFileError(`${file}: record ${r.id} gives a throughput (tflops) but the file states no FLOP convention (provenance.flopConvention), so its time cannot be known`);
    if (!FA_CONVENTION.test(prov.flopConvention)) throw new MeasurementFileError(`${file}: provenance.flopConvention is not the FlashAttention convention (4*batch*heads*seqQ*seqKV*headDim per forward pass), the only one the model reads: "${prov.flopConvention}"`);
    t = attentionFlops(shape) / (tflops! * 1e12);
  }
  return { id: r.id, kind: 'attention', suite: `${kernel} ${pass}`, ...shape, ...(kvHeads !== undefined ? { kvHeads } : {}), timeSeconds: t };
}

function parsePublished(raw: unknown, file: string): MeasurementFile {
  const r = PublishedFileSchema.safeParse(raw);
  if (!r.success) throw new MeasurementFileError(zodMessage(file, r.error));
  const prov = r.data.provenance;
  const date = /\b(\d{4}-\d{2}-\d{2})\b/.exec(prov.commit ?? '')?.[1] ?? 'unknown';
  return {
    schema: PUBLISHED_SCHEMA_ID,
    provenance: { kind: 'published', synthetic: false, date, gpu: prov.gpu, source: prov.source, where: prov.where },
    records: r.data.records.map((x) => publishedRecord(file, prov, x)),
  };
}

function parseNative(raw: unknown, file: string): MeasurementFile {
  const r = NativeFileSchema.safeParse(raw);
  if (!r.success) throw new MeasurementFileError(zodMessage(file, r.error));
  const p = r.data.provenance;
  if ((p.kind === 'synthetic') !== p.synthetic) throw new MeasurementFileError(`${file}: provenance.kind is '${p.kind}' but provenance.synthetic is ${p.synthetic}`);
  return { schema: MEASUREMENT_SCHEMA_ID, provenance: { kind: p.kind, synthetic: p.synthetic, date: p.date, gpu: { name: p.gpu.name } }, records: r.data.records };
}

export function parseMeasurements(text: string, file = '<measurements>'): MeasurementFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new MeasurementFileError(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new MeasurementFileError(`${file}: a measurement file is a JSON object with "schema", "provenance" and "records"`);
  const o = raw as Record<string, unknown>;
  if (!('provenance' in o))
    throw new MeasurementFileError(`${file}: the measurement file has no "provenance" block; every measurement must say where it came from (see docs/GPU.md)`);
  const kind = (o.provenance as Record<string, unknown> | null)?.kind;
  if (typeof kind !== 'string' || !(PROVENANCE_KINDS as readonly string[]).includes(kind))
    throw new MeasurementFileError(`${file}: provenance.kind must say what the data is: ${PROVENANCE_KINDS.join(', ')} (it is ${kind === undefined ? 'missing' : JSON.stringify(kind)})`);
  if (o.schema !== MEASUREMENT_SCHEMA_ID && o.schema !== PUBLISHED_SCHEMA_ID)
    throw new MeasurementFileError(`${file}: unknown schema ${JSON.stringify(o.schema)} (expected "${MEASUREMENT_SCHEMA_ID}" or "${PUBLISHED_SCHEMA_ID}")`);
  const mf = o.schema === PUBLISHED_SCHEMA_ID ? parsePublished(raw, file) : parseNative(raw, file);
  const ids = new Set<string>();
  for (const rec of mf.records) {
    if (ids.has(rec.id)) throw new MeasurementFileError(`${file}: record id ${rec.id} appears twice`);
    ids.add(rec.id);
  }
  return mf;
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

/** Several files as one set of records (ids prefixed by nothing: they must not collide). */
export function mergeMeasurements(files: readonly { file: string; mf: MeasurementFile }[]): MeasurementRecord[] {
  const out: MeasurementRecord[] = [];
  const seen = new Map<string, string>();
  for (const { file, mf } of files)
    for (const r of mf.records) {
      const key = `${r.kind}:${r.id}`;
      // the same id in two files (FA2 forward in the FA3 file and FA2 fwd+bwd) differs by suite
      const id = seen.has(key) ? `${r.id}@${file}` : r.id;
      seen.set(key, file);
      out.push(id === r.id ? r : { ...r, id });
    }
  return out;
}
