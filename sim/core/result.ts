// The Result JSON contract from DESIGN.md. Fields are only ever added, never renamed;
// every Result a target produces is checked against this schema in tests.
import { z } from 'zod';

export const FIDELITIES = ['analytic', 'cycle'] as const;
export type Fidelity = (typeof FIDELITIES)[number];

export const TrafficSchema = z.record(
  z.string(), // memory level name, e.g. DRAM, GLB, HBM
  z.object({ readBytes: z.number().nonnegative(), writeBytes: z.number().nonnegative() }),
);
export type Traffic = z.infer<typeof TrafficSchema>;

export const EinsumResultSchema = z.object({
  name: z.string(),
  unit: z.string(),
  latencyCycles: z.number().int().nonnegative(),
  energyPj: z.number().nonnegative(),
  traffic: TrafficSchema,
});
export type EinsumResult = z.infer<typeof EinsumResultSchema>;

export const ResultSchema = z
  .object({
    target: z.string(),
    workload: z.string(),
    fidelity: z.enum(FIDELITIES),
    latencyCycles: z.number().int().nonnegative(),
    latencySeconds: z.number().nonnegative(),
    energyPj: z.number().nonnegative(),
    utilization: z.record(z.string(), z.number().min(0).max(1)),
    traffic: TrafficSchema,
    einsums: z.array(EinsumResultSchema),
    schedule: z.unknown().optional(),
    warnings: z.array(z.string()),
  })
  .passthrough(); // targets may add fields (stallCycles, explanation, ...)
export type Result = z.infer<typeof ResultSchema>;
