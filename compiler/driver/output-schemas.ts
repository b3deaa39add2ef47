// Every kind of --json output and the zod schema it follows; `npm run schema` (scripts/schema.ts) writes each
// as a JSON Schema (z.toJSONSchema) under docs/schema/, and test/schema keeps those files true.
import { z } from 'zod';
import { ResultSchema } from '../../sim/core/result';
import { AnalyzeJsonSchema } from './analyze-schema';
import { CascadeJsonSchema } from './cascade-schema';
import { DiagnosticsOutputSchema, SCHEMA_VERSION } from './diagnostics-schema';
import { ScheduleJsonSchema } from './schedule-schema';
import { ReproCosmaSchema, ReproFlightllmSchema, ReproFusemaxSchema, ReproLutSchema } from './repro-schema';
import { TargetJsonSchema, TargetsJsonSchema } from './target-schema';
import { DemoJsonSchema, ImportJsonSchema, InterpreterJsonSchema, LowerJsonSchema, ReportJsonSchema, SweepExportJsonSchema, SweepMergeJsonSchema, SweepParetoJsonSchema, SweepRunJsonSchema, SweepSlurmJsonSchema } from './tool-schema';
import { CalibrationFileSchema, ValidationJsonSchema, WgslJsonSchema } from './validation-schema';

/** output kind -> the zod schema of what `--json` prints for it */
export const OUTPUT_SCHEMAS: Record<string, { schema: z.ZodType; title: string }> = {
  result: { schema: ResultSchema, title: 'tessera run --target T --json and scalesim --json: the Result of one workload on one target' },
  interpreter: { schema: InterpreterJsonSchema, title: 'tessera run FILE --json (no --target): the interpreter\'s outputs, as checksums (and values with --dump), and the analysis' },
  cascade: { schema: CascadeJsonSchema, title: 'tessera check --json and print --json: a validated cascade, without source locations' },
  analyze: { schema: AnalyzeJsonSchema, title: 'tessera analyze --json: operation counts, bytes, intensity, footprint and passes of a cascade' },
  schedule: { schema: ScheduleJsonSchema, title: 'tessera schedule --json: the ILP schedule across memory tiers, its traffic and baselines' },
  target: { schema: TargetJsonSchema, title: 'tessera targets NAME --json and check FILE.arch --json: one target, without source locations' },
  check: { schema: z.array(z.union([CascadeJsonSchema, TargetJsonSchema])), title: 'tessera check FILE FILE... --json (several files, none with errors): one document per file, in order' },
  targets: { schema: TargetsJsonSchema, title: 'tessera targets --json: every built-in target' },
  lower: { schema: LowerJsonSchema, title: 'tessera lower --json: the cascade a model config lowered to' },
  import: { schema: ImportJsonSchema, title: 'tessera import --json: the cascade an ONNX model translated to' },
  demo: { schema: DemoJsonSchema, title: 'tessera demo --json: softmax passes, interpreter agreement, FLAT against FuseMax' },
  report: { schema: ReportJsonSchema, title: 'tessera report --json: the page written and the inputs drawn' },
  validation: { schema: ValidationJsonSchema, title: 'tessera validate gpu --json: the GPU model against measurements, beside the roofline' },
  calibration: { schema: CalibrationFileSchema, title: 'tessera calibrate gpu --json (and the file -o writes): a GPU calibration' },
  wgsl: { schema: WgslJsonSchema, title: 'tessera validate wgsl --json: generated WGSL kernels against the interpreter' },
  'repro-fusemax': { schema: ReproFusemaxSchema, title: 'tessera repro fusemax --json' },
  'repro-flightllm': { schema: ReproFlightllmSchema, title: 'tessera repro flightllm --json' },
  'repro-lut-tc': { schema: ReproLutSchema, title: 'tessera repro lut-tc --json' },
  'repro-cosma': { schema: ReproCosmaSchema, title: 'tessera repro cosma --json' },
  'sweep-run': { schema: SweepRunJsonSchema, title: 'tessera sweep SPEC --db F --json: what the sweep evaluated' },
  'sweep-export': { schema: SweepExportJsonSchema, title: 'tessera sweep export --json' },
  'sweep-merge': { schema: SweepMergeJsonSchema, title: 'tessera sweep merge --json' },
  'sweep-pareto': { schema: SweepParetoJsonSchema, title: 'tessera sweep pareto --json: the front\'s rows as the database stores them' },
  'sweep-slurm': { schema: SweepSlurmJsonSchema, title: 'tessera sweep slurm --json: the job script (or Kubernetes manifest)' },
  diagnostics: { schema: DiagnosticsOutputSchema, title: 'any command under --json when its input has errors (exit code 1)' },
};

/** The JSON Schema text of one output kind, as committed under docs/schema/. */
export function schemaText(kind: string): string {
  const { schema, title } = OUTPUT_SCHEMAS[kind]!;
  const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  const doc = { $id: `urn:tessera:schema:v${SCHEMA_VERSION}:${kind}`, title, 'x-tessera-schema-version': SCHEMA_VERSION, ...json };
  return JSON.stringify(doc, null, 2) + '\n';
}

