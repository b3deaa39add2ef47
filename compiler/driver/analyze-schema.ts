// The JSON `tessera analyze --json` prints (compiler/driver/commands/analyze.ts): compiler/analysis's
// CascadeAnalysis with the file and the pass count over each partitioned rank.
import { z } from 'zod';
import { DTYPES, ROLES } from '../ir';

const count = z.number().int().nonnegative();
const OpsSchema = z.record(z.string(), count);

export const AnalyzeJsonSchema = z.object({
  file: z.string(),
  einsums: z.array(z.object({ name: z.string(), points: count, outputPoints: count, flops: count, macs: count, ops: OpsSchema })),
  tensors: z.array(
    z.object({ name: z.string(), role: z.enum(ROLES), dtype: z.enum(DTYPES), shape: z.array(z.number().int().positive()), elements: count, bytes: count, gatheredBytes: count.optional(), writtenBytes: count.optional() }),
  ),
  totals: z.object({ flops: count, macs: count, ops: OpsSchema, params: count, activeParams: count, paramBytes: count, inputBytes: count, outputBytes: count, compulsoryBytes: count, bytes: count }),
  /** flops per compulsory byte; null when the cascade moves no bytes */
  intensity: z.number().nonnegative().nullable(),
  footprint: z.object({ totalBytes: count, peakBytes: count, peakAt: z.string() }),
  passes: z.object({ rank: z.string(), count, einsums: z.array(z.object({ name: z.string(), pass: count, traverses: z.boolean(), outputComplete: z.boolean() })) }).optional(),
  passCounts: z.array(z.object({ rank: z.string(), count })),
});
