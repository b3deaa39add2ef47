// The --json documents of the commands that make or move files rather than simulate: lower, import,
// demo, report, the interpreter's run (run FILE without --target) and the sweep subcommands.
// docs/schema/<kind>.schema.json; compiler/driver/output-schemas.ts lists them all.
import { z } from 'zod';
import { DTYPES } from '../ir';
import { ResultSchema } from '../../sim/core/result';

const count = z.number().int().nonnegative();
/** a JSON number, or 'nan' / 'inf' / '-inf' (JSON has no such numbers) */
const jsonNumber = z.union([z.number(), z.enum(['nan', 'inf', '-inf'])]);

/** `lower --json` and `import --json`: what was made, and the .ein itself when no -o file was given. */
const MadeCascade = {
  name: z.string(),
  einsums: count,
  tensors: count,
  /** the .ein file written, or null when the text is in `ein` */
  output: z.string().nullable(),
  /** the cascade's .ein text when it was not written to a file; else null */
  ein: z.string().nullable(),
};
export const LowerJsonSchema = z.object({
  model: z.string(),
  phase: z.enum(['prefill', 'decode']),
  ...MadeCascade,
});
export const ImportJsonSchema = z.object({
  model: z.string(),
  ...MadeCascade,
  weights: count,
  /** the folder the weights went to (--weights), or null */
  weightsDir: z.string().nullable(),
});

export const DemoJsonSchema = z.object({
  seed: z.number().int(),
  variants: z.array(z.object({ file: z.string(), einsums: count, passes: count })),
  /** each variant's AV against the 3-pass cascade's, in the interpreter */
  agreement: z.array(z.object({ file: z.string(), maxAbsError: z.number().nonnegative(), maxRelError: z.number().nonnegative() })),
  /** the 3-pass cascade on FLAT and the 1-pass cascade on FuseMax */
  results: z.array(ResultSchema),
  fusemaxSpeedup: z.number().positive(),
  /** FuseMax's energy over FLAT's; null when either target does not model energy */
  fusemaxEnergyRatio: z.number().positive().nullable(),
});

export const ReportJsonSchema = z.object({
  output: z.string(),
  inputs: z.array(z.object({ path: z.string(), kind: z.enum(['run', 'schedule', 'validation', 'sweep']), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
});

const OutputRecord = z.object({ shape: z.array(count), dtype: z.enum(DTYPES), sum: jsonNumber, absSum: jsonNumber, fnv1a: z.string(), nans: count, values: z.array(jsonNumber).optional() });
export const InterpreterJsonSchema = z.object({
  file: z.string(),
  engine: z.literal('interpreter'),
  /** 'random' or the --inputs folder */
  inputs: z.string(),
  seed: z.number().int().nullable(),
  dtype: z.union([z.enum(DTYPES), z.literal('declared')]),
  outputs: z.record(z.string(), OutputRecord),
  analysis: z.object({
    flops: count,
    macs: count,
    ops: z.record(z.string(), count),
    params: count,
    compulsoryBytes: count,
    intensity: z.number().nonnegative().nullable(),
    footprintBytes: count,
    peakLiveBytes: count,
    passes: z.array(z.object({ rank: z.string(), count })),
  }),
  compare: z
    .object({
      against: z.string(),
      outputs: z.record(
        z.string(),
        z.union([
          z.object({ elements: count, maxAbsError: z.number(), maxRelError: z.number(), maxElementRelError: z.number(), worstIndex: z.number().int(), mismatchedSpecials: count }),
          z.object({ checksumsEqual: z.boolean(), note: z.string() }),
          z.object({ missing: z.string() }),
        ]),
      ),
    })
    .optional(),
});

const Status = z.enum(['ok', 'does-not-fit', 'error']);
export const SweepRunJsonSchema = z.object({
  db: z.string(),
  /** points in the whole sweep, and in this shard */
  total: count,
  shardPoints: count,
  shard: z.object({ index: count, count: z.number().int().positive() }).nullable(),
  resumed: count,
  evaluated: count,
  byStatus: z.object({ ok: count, 'does-not-fit': count, error: count }),
  wallSeconds: z.number().nonnegative(),
  report: z.string().nullable(),
});
export const SweepExportJsonSchema = z.object({ db: z.string(), format: z.enum(['csv', 'parquet']), output: z.string(), points: count });
export const SweepMergeJsonSchema = z.object({ db: z.string(), inputs: z.array(z.string()), added: count, total: count });
/** `sweep pareto --json`: the front's rows as the database stores them (compiler/sweep/db.ts) */
export const SweepParetoJsonSchema = z.array(
  z.object({
    key: z.string(),
    idx: count,
    target: z.string(),
    workload: z.string(),
    fidelity: z.string(),
    /** the point's parameters, as JSON text */
    params: z.string(),
    status: Status,
    message: z.string().nullable(),
    latency_cycles: z.number().nullable(),
    latency_seconds: z.number().nullable(),
    energy_pj: z.number().nullable(),
    area_mm2: z.number().nullable(),
    pe_count: z.number().nullable(),
    onchip_bytes: z.number().nullable(),
    utilization: z.number().nullable(),
    offchip_bytes: z.number().nullable(),
    utilization_json: z.string().nullable(),
    traffic_json: z.string().nullable(),
    eval_ms: z.number().nullable(),
  }),
);
export const SweepSlurmJsonSchema = z.object({ kind: z.enum(['slurm', 'k8s']), shards: z.number().int().positive(), output: z.string().nullable(), script: z.string() });
