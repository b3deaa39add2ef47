// The JSON a command prints under --json when its input has errors: `{"diagnostics": [...]}` on stdout,
// exit code 1. One entry per diagnostic (compiler/ir/diagnostic.ts), its location when it has one.
import { z } from 'zod';
import type { Diagnostic } from '../ir';

export const SCHEMA_VERSION = 1;

export const DiagnosticSchema = z.object({
  severity: z.enum(['error', 'warning']),
  /** stable class name, e.g. 'undeclared-tensor' */
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  file: z.string().optional(),
  loc: z.object({ line: z.number().int().positive(), col: z.number().int().positive(), length: z.number().int().nonnegative().optional() }).optional(),
});

export const DiagnosticsOutputSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  diagnostics: z.array(DiagnosticSchema),
});
export type DiagnosticsOutput = z.infer<typeof DiagnosticsOutputSchema>;

/** The --json error document for these diagnostics, each tagged with the file it came from when it has none. */
export function diagnosticsJson(diags: readonly Diagnostic[], file?: string): DiagnosticsOutput {
  return {
    schemaVersion: SCHEMA_VERSION,
    diagnostics: diags.map((d) => ({
      severity: d.severity,
      code: d.code,
      message: d.message,
      ...(d.hint !== undefined ? { hint: d.hint } : {}),
      ...(d.file ?? file ? { file: d.file ?? file } : {}),
      ...(d.loc ? { loc: { line: d.loc.line, col: d.loc.col, ...(d.loc.length !== undefined ? { length: d.loc.length } : {}) } } : {}),
    })),
  };
}
