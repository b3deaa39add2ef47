// A YAML document with its source positions: every error the sweep spec can have points at the
// node it is about (`spec.yaml:12:5: error: ...`, the line and a caret), through the CLI's one renderer.
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { DiagnosticError, error, type Diagnostic } from '../ir/diagnostic';

export class YamlSource {
  readonly lines = new LineCounter();
  readonly doc: Document.Parsed;
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    for (const e of [...this.doc.errors, ...this.doc.warnings]) {
      const at = this.lines.linePos(e.pos[0]);
      const msg = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      this.push(error('yaml-syntax', `YAML: ${msg}`, { line: at.line, col: at.col, length: Math.max(1, e.pos[1] - e.pos[0]) }));
    }
  }

  static read(file: string): YamlSource {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const d = error('io-error', `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`);
      d.file = file;
      throw new DiagnosticError([d]);
    }
    return new YamlSource(text, file);
  }

  private push(d: Diagnostic): void {
    d.file = this.file;
    this.diagnostics.push(d);
  }

  /** Records an error at `node` (or at the start of the file when there is none). */
  fail(node: Node | Pair | null | undefined, message: string, hint?: string): void {
    const range = node && 'range' in node ? node.range : node && 'key' in node && node.key && typeof node.key === 'object' && 'range' in (node.key as Node) ? (node.key as Node).range : undefined;
    const loc = range ? { ...this.lines.linePos(range[0]), length: Math.max(1, Math.min(range[1], range[2] ?? range[1]) - range[0]) } : { line: 1, col: 1, length: 1 };
    this.push(error('sweep-spec', message, { line: loc.line, col: loc.col, length: loc.length }, hint));
  }

  /** An error inside a scalar's text, `offset` characters into its value (after an opening quote). */
  failInside(node: Node, offset: number, length: number, message: string, hint?: string): void {
    const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') ? 1 : 0;
    const at = this.lines.linePos(node.range![0] + quoted + offset);
    this.push(error('sweep-spec', message, { line: at.line, col: at.col, length: Math.max(1, length) }, hint));
  }

  /** Throws every recorded error, in file order (with the text, so the CLI shows the line). */
  throwIfErrors(): void {
    if (!this.diagnostics.length) return;
    this.diagnostics.sort((a, b) => (a.loc?.line ?? 0) - (b.loc?.line ?? 0) || (a.loc?.col ?? 0) - (b.loc?.col ?? 0));
    throw new DiagnosticError(this.diagnostics, this.text);
  }
}

export const yamlIs = { map: isMap, seq: isSeq, scalar: isScalar };

/** A scalar's JavaScript value (string, number, boolean, null); undefined for collections. */
export function scalarValue(n: unknown): string | number | boolean | null | undefined {
  return isScalar(n) ? (n.value as string | number | boolean | null) : undefined;
}
