// Entry points: .arch text -> TargetSpec with every diagnostic the file allows us to find.
import { readFileSync } from 'node:fs';
import { DiagnosticError, hasErrors, type Diagnostic } from '../../compiler/ir/diagnostic';
import { SpecBuilder, type Overrides } from './build';
import { parseSyntax } from './syntax';
import type { TargetSpec } from './types';

export type { Overrides } from './build';

export interface ParseTargetResult {
  spec: TargetSpec | null;
  diagnostics: Diagnostic[];
}

/**
 * Parses one .arch target. `overrides` replaces the values of its `param` declarations
 * (`{ rows: 128, glb: '216 KiB' }`, as from `--param rows=128`). A syntax error stops at the
 * first one (ohm cannot recover); semantic errors are all reported. `spec` is null on any error.
 */
export function parseTarget(text: string, file?: string, overrides: Overrides = {}): ParseTargetResult {
  const b = new SpecBuilder(text, file);
  const syn = parseSyntax(text);
  if (!syn.ok) {
    const expected = syn.expected.length > 200 ? syn.expected.slice(0, 200) + '...' : syn.expected;
    const found = foundAt(text, syn.pos);
    b.error('syntax', `syntax error: expected ${expected}${found}`, { start: syn.pos, end: syn.pos + 1 });
    return { spec: null, diagnostics: b.diagnostics };
  }
  const spec = b.build(syn.target, overrides);
  // Checks run section by section; report in file order (unlocated ones, from overrides, first).
  const diagnostics = [...b.diagnostics].sort((x, y) => (x.loc?.line ?? 0) - (y.loc?.line ?? 0) || (x.loc?.col ?? 0) - (y.loc?.col ?? 0));
  return { spec: hasErrors(diagnostics) ? null : spec, diagnostics };
}

function foundAt(text: string, pos: number): string {
  if (pos >= text.length) return ', found end of file';
  const word = /^[A-Za-z_$][\w$/-]*|^\S/.exec(text.slice(pos));
  return word ? `, found '${word[0]}'` : '';
}

/** Reads and parses a .arch file; throws DiagnosticError (with the source) on any error. */
export function loadTargetFile(path: string, overrides: Overrides = {}): TargetSpec {
  const text = readFileSync(path, 'utf8');
  const { spec, diagnostics } = parseTarget(text, path, overrides);
  if (!spec) throw new DiagnosticError(diagnostics, text);
  return spec;
}

/** Parses `name=value` flags (repeatable `--param`) into overrides; values keep their text (units allowed). */
export function parseParamFlags(flags: readonly string[]): { overrides: Overrides; errors: string[] } {
  const overrides: Overrides = {};
  const errors: string[] = [];
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0) errors.push(`--param expects name=value, got '${f}'`);
    else overrides[f.slice(0, eq).trim()] = f.slice(eq + 1);
  }
  return { overrides, errors };
}
