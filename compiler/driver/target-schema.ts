// `targets NAME --json` and `check FILE.arch --json`: a target as its canonical JSON (targets/spec/equal.ts,
// no source locations); `targets --json`: every built-in target. docs/schema/target.schema.json, targets.schema.json.
import { z } from 'zod';
import { COMPUTE_KINDS, MEMORY_KINDS } from '../../targets/spec/types';

const AttrValue = z.union([z.number(), z.string(), z.array(z.string()), z.boolean()]);
const Attrs = z.record(z.string(), AttrValue);
/** for each numeric attribute written with a unit, the base unit its value is in (e.g. 'B/s') */
const Units = z.record(z.string(), z.string());
const nonneg = z.number().nonnegative();

const Memory = z.object({
  name: z.string(),
  kind: z.enum(MEMORY_KINDS),
  capacityBytes: nonneg.optional(),
  instances: z.number().int().positive().optional(),
  banks: z.number().int().positive().optional(),
  widthBits: z.number().positive().optional(),
  bandwidthBytesPerSecond: nonneg.optional(),
  latencyCycles: nonneg.optional(),
  readEnergyPjPerByte: nonneg.optional(),
  writeEnergyPjPerByte: nonneg.optional(),
  attrs: Attrs,
  attrUnits: Units.optional(),
});

const Compute = z.object({
  name: z.string(),
  kind: z.enum(COMPUTE_KINDS),
  rows: z.number().int().positive().optional(),
  cols: z.number().int().positive().optional(),
  lanes: z.number().int().positive().optional(),
  count: z.number().int().positive().optional(),
  regs: z.number().int().nonnegative().optional(),
  dataflow: z.enum(['os', 'ws', 'is']).optional(),
  ops: z.array(z.string()),
  macEnergyPj: nonneg.optional(),
  attrs: Attrs,
  attrUnits: Units.optional(),
});

export const TargetJsonSchema = z.object({
  name: z.string(),
  /** the source of the design */
  description: z.string(),
  clockHz: z.number().positive(),
  /** outermost (DRAM) to innermost (registers), as written */
  memories: z.array(Memory),
  computes: z.array(Compute),
  links: z.array(z.object({ from: z.string(), to: z.array(z.string()), bandwidthBytesPerSecond: nonneg.optional() })),
  attrs: Attrs,
  attrUnits: Units.optional(),
  /** `param` values after overrides, in base units */
  params: Attrs.optional(),
  paramUnits: Units.optional(),
  file: z.string().optional(),
});

export const TargetsJsonSchema = z.array(TargetJsonSchema);
