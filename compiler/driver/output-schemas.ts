// Every kind of --json output and the zod schema it follows; `npm run schema` (scripts/schema.ts) writes each
// as a JSON Schema (z.toJSONSchema) under docs/schema/, and test/schema keeps those files true.
import { z } from 'zod';
import { ResultSchema } from '../../sim/core/result';
import { AnalyzeJsonSchema } from './analyze-schema';
import { CascadeJsonSchema } from './cascade-schema';
import { DiagnosticsOutputSchema, SCHEMA_VERSION } from './diagnostics-schema';
import { ScheduleJsonSchema } from './schedule-schema';

/** output kind -> the zod schema of what `--json` prints for it */
export const OUTPUT_SCHEMAS: Record<string, { schema: z.ZodType; title: string }> = {
  result: { schema: ResultSchema, title: 'tessera run --json: the Result of one workload on one target' },
  cascade: { schema: CascadeJsonSchema, title: 'tessera check --json and print --json: a validated cascade, without source locations' },
  analyze: { schema: AnalyzeJsonSchema, title: 'tessera analyze --json: operation counts, bytes, intensity, footprint and passes of a cascade' },
  schedule: { schema: ScheduleJsonSchema, title: 'tessera schedule --json: the ILP schedule across memory tiers, its traffic and baselines' },
  diagnostics: { schema: DiagnosticsOutputSchema, title: 'any command under --json when its input has errors (exit code 1)' },
};

/** The JSON Schema text of one output kind, as committed under docs/schema/. */
export function schemaText(kind: string): string {
  const { schema, title } = OUTPUT_SCHEMAS[kind]!;
  const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  const doc = { $id: `urn:tessera:schema:v${SCHEMA_VERSION}:${kind}`, title, 'x-tessera-schema-version': SCHEMA_VERSION, ...json };
  return JSON.stringify(doc, null, 2) + '\n';
}

