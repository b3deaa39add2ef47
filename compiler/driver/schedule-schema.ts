// The JSON `tessera schedule --json` prints: compiler/schedule/report.ts's ScheduleReport (timings only
// with --timings). Numbers that can be ±Infinity (a reduction against a zero-byte baseline) print as null.
import { z } from 'zod';

const bytes = z.number().nonnegative();
const traffic = z.object({ readBytes: bytes, writeBytes: bytes });

export const ScheduleJsonSchema = z.object({
  graph: z.string(),
  params: z.boolean(),
  costKind: z.string(),
  costUnit: z.string(),
  tiers: z.array(z.object({ name: z.string(), capacityBytes: bytes.nullable(), costPerByte: z.number().nonnegative() })),
  homeTier: z.string(),
  budgets: z.object({ MR: bytes, MH: bytes, MP: bytes, mpMethod: z.string() }),
  budget: z.object({ name: z.string(), bytes }),
  method: z.enum(['ilp', 'divide-and-conquer']),
  source: z.enum(['ilp', 'divide-and-conquer', 'baseline']),
  fallback: z.object({ baseline: z.string(), reason: z.string() }).optional(),
  homeOverflow: z.array(z.object({ tensor: z.string(), tier: z.string() })),
  solver: z.string(),
  order: z.enum(['free', 'fixed']),
  status: z.string(),
  gap: z.number().nullable(),
  objectiveCost: z.number(),
  boundCost: z.number().nullable(),
  traffic: z.looseObject({ perTier: z.array(z.record(z.string(), z.unknown())), nonCompulsoryBytes: bytes, compulsoryBytes: bytes, nonCompulsoryCost: z.number(), peakSramBytes: bytes, byLevel: z.record(z.string(), traffic) }),
  baselines: z.array(z.object({ name: z.string(), nonCompulsoryBytes: bytes.nullable(), nonCompulsoryCost: z.number().nullable(), failure: z.string().optional() })),
  bestBaseline: z.string().nullable(),
  reductionVsBestBaseline: z.number().nullable(),
  check: z.object({ ok: z.boolean(), violations: z.array(z.string()) }),
  schedule: z.object({
    steps: z.array(z.object({ step: z.number().int().nonnegative(), op: z.string(), loads: z.array(z.string()), spills: z.array(z.string()), frees: z.array(z.string()), drops: z.array(z.string()) })),
    placements: z.array(z.object({ tensor: z.string(), start: z.number().int(), end: z.number().int(), offsetBytes: bytes })),
  }),
  tensors: z.array(z.object({ name: z.string(), bytes, kind: z.string() })),
  timings: z.object({ budgetsSeconds: z.number(), solveSeconds: z.number(), baselinesSeconds: z.number() }).optional(),
});
