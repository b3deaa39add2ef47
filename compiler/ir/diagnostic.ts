// User errors are data, not exceptions: every stage returns Diagnostics, and the CLI renders them
// as `file:line:col: error: message`, the source line, a caret, and a hint.
import type { SourceLoc } from './types';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** Stable class name, e.g. 'undeclared-tensor'; tests and tools key on it. */
  code: string;
  message: string;
  hint?: string;
  file?: string;
  loc?: SourceLoc;
}

/** Thrown only across stage boundaries that cannot return diagnostics; the CLI turns it into exit code 1. */
export class DiagnosticError extends Error {
  /**
   * `source` is the text the diagnostics point into, so the CLI can show the line and a caret;
   * `sources` holds other files' texts by file name (an .arch file's `extends` bases).
   */
  constructor(
    readonly diagnostics: Diagnostic[],
    readonly source?: string,
    readonly sources?: Readonly<Record<string, string>>,
  ) {
    super(diagnostics.map((d) => d.message).join('\n'));
    this.name = 'DiagnosticError';
  }
}

export function error(code: string, message: string, loc?: SourceLoc, hint?: string): Diagnostic {
  const d: Diagnostic = { severity: 'error', code, message };
  if (loc) d.loc = loc;
  if (hint) d.hint = hint;
  return d;
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/**
 * Renders one diagnostic. With the source text it adds the offending line and a caret
 * (`^~~~` spanning loc.length). Without a location it prints `file: error: message`; with no
 * file involved (text parsed from a string, an error about no file) it prints `error: message`,
 * and a location, if any, as `(line L, column C)` after the message.
 */
/** Widest excerpt of a source line a diagnostic shows. */
const EXCERPT = 160;

export function renderDiagnostic(d: Diagnostic, source?: string): string {
  const out = [diagnosticHeader(d)];
  if (d.loc && source !== undefined) {
    const line = source.split(/\r\n|\r|\n/)[d.loc.line - 1];
    if (line !== undefined) {
      // A long line is shown as a window around the column, marked with … where it is cut.
      const start = line.length > EXCERPT ? Math.max(0, Math.min(d.loc.col - 1 - EXCERPT / 2, line.length - EXCERPT)) : 0;
      const text = (start > 0 ? '…' : '') + line.slice(start, start + EXCERPT) + (start + EXCERPT < line.length ? '…' : '');
      const col = d.loc.col - start + (start > 0 ? 1 : 0);
      // Tabs before the column stay tabs so the caret lines up however the terminal expands them.
      const pad = text.slice(0, Math.max(0, col - 1)).replace(/[^\t]/g, ' ').padEnd(Math.max(0, col - 1));
      const len = Math.max(1, Math.min(d.loc.length ?? 1, text.length - col + 1));
      out.push(`  ${text}`, `  ${pad}^${'~'.repeat(len - 1)}`);
    }
  }
  if (d.hint) out.push(`  hint: ${d.hint}`);
  return out.join('\n');
}

/** Longest message shown: a message quoting a huge input (a 200 KB name) is cut, marked with …. */
const MAX_MESSAGE = 400;

/** The first line: `file:line:col: error: message`, `file: error: message` or `error: message`. */
function diagnosticHeader(d: Diagnostic): string {
  if (d.message.length > MAX_MESSAGE) d = { ...d, message: d.message.slice(0, MAX_MESSAGE) + '…' };
  if (d.file === undefined) {
    const at = d.loc ? ` (line ${d.loc.line}, column ${d.loc.col})` : '';
    return `${d.severity}: ${d.message}${at}`;
  }
  const where = d.loc ? `${d.file}:${d.loc.line}:${d.loc.col}` : d.file;
  return `${where}: ${d.severity}: ${d.message}`;
}

export function renderDiagnostics(ds: readonly Diagnostic[], source?: string, sources?: Readonly<Record<string, string>>): string {
  return ds.map((d) => renderDiagnostic(d, (d.file !== undefined ? sources?.[d.file] : undefined) ?? source)).join('\n');
}
