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

/**
 * Where the energy of an einsum (or of the whole run) goes: the operations on the compute units, each
 * memory level's reads and writes, and static power over the time it takes. The parts sum to the
 * `energyPj` beside them. Levels without stated energies are left out and named in `energyNotModelled`.
 */
export const EnergyBreakdownSchema = z.object({
  computePj: z.number().nonnegative(),
  staticPj: z.number().nonnegative(),
  levelsPj: z.record(z.string(), z.number().nonnegative()),
});
export type EnergyBreakdown = z.infer<typeof EnergyBreakdownSchema>;

export const EinsumResultSchema = z.object({
  name: z.string(),
  unit: z.string(),
  latencyCycles: z.number().int().nonnegative(),
  /** null: the target has no energy data ("energy not modelled"), never 0 for unknown */
  energyPj: z.number().nonnegative().nullable(),
  traffic: TrafficSchema,
  energy: EnergyBreakdownSchema.optional(),
}).passthrough(); // engines add their own per-einsum figures (folds, stallCycles, overlayMode, ...)
export type EinsumResult = z.infer<typeof EinsumResultSchema>;

export const ResultSchema = z
  .object({
    target: z.string(),
    workload: z.string(),
    fidelity: z.enum(FIDELITIES),
    latencyCycles: z.number().int().nonnegative(),
    latencySeconds: z.number().nonnegative(),
    /** null: the target has no energy data ("energy not modelled"), never 0 for unknown */
    energyPj: z.number().nonnegative().nullable(),
    /** the total's breakdown (compute, static, per memory level): the einsums' breakdowns summed */
    energy: EnergyBreakdownSchema.optional(),
    /** what the target's .arch gives no energy for (a level, a unit's ops); absent when all is modelled */
    energyNotModelled: z.array(z.string()).optional(),
    utilization: z.record(z.string(), z.number().min(0).max(1)),
    traffic: TrafficSchema,
    einsums: z.array(EinsumResultSchema),
    schedule: z.unknown().optional(),
    warnings: z.array(z.string()),
  })
  .passthrough(); // targets may add fields (stallCycles, explanation, ...)
export type Result = z.infer<typeof ResultSchema>;
