// The .ein front end: text → CascadeSource → finalize → Cascade, reporting every error it can recover from.
// The language is line-oriented, so each line is parsed on its own: a syntax error costs one line, and
// errors that would only follow from a dropped line (its tensor "undeclared" further down) are not reported.
import { readFileSync } from 'node:fs';
import { EOF, tokenMatcher, type IRecognitionException, type IToken } from 'chevrotain';
import { DiagnosticError, error, finalize, hasErrors, reducedVars, type Cascade, type CascadeSource, type Diagnostic, type SourceLoc } from '../ir';
import { EinParser, tokLoc, type Stmt } from './parser';
import * as T from './tokens';

export interface ParseResult {
  cascade: Cascade | null;
  diagnostics: Diagnostic[];
}

/** Beyond these a line is refused rather than risking the parser's (recursive) stack. */
const MAX_NESTING = 200;
const MAX_LINE_TOKENS = 20_000;

let sharedParser: EinParser | undefined;
function parser(): EinParser {
  return (sharedParser ??= new EinParser());
}

export function parseCascade(text: string, file?: string): ParseResult {
  const fileName = file;
  const ds: Diagnostic[] = [];
  const lexed = T.einLexer.tokenize(text);
  const badLines = new Set<number>();
  for (const e of lexed.errors) {
    const line = e.line ?? 1;
    const ch = text.slice(e.offset, e.offset + Math.max(1, e.length));
    ds.push(error('lex-error', `unexpected character ${showChars(ch)}`, { line, col: e.column ?? 1, length: Math.max(1, e.length) }, lexHint(ch)));
    badLines.add(line);
  }

  const poison = new Set<string>();
  let outputLineFailed = false;
  const stmts: Stmt[] = [];
  const p = parser();
  for (const line of splitLines(lexed.tokens)) {
    const lineNo = line[0]!.startLine ?? 1;
    if (badLines.has(lineNo)) {
      outputLineFailed ||= poisonLine(line, poison);
      continue;
    }
    const tooBig = complexity(line);
    if (tooBig) {
      ds.push(error('too-complex', tooBig, tokLoc(line[0]!), 'split the expression over several einsums'));
      outputLineFailed ||= poisonLine(line, poison);
      continue;
    }
    let stmt: Stmt | undefined;
    let errs: IRecognitionException[];
    try {
      p.begin(line);
      stmt = p.statement();
      errs = p.errors;
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      ds.push(error('too-complex', 'this line is nested too deeply to parse', tokLoc(line[0]!), 'split the expression over several einsums'));
      outputLineFailed ||= poisonLine(line, poison);
      continue;
    }
    const syntax = errs[0];
    for (const d of p.problems) if (!syntax || before(d.loc!, syntax.token, line)) ds.push(d);
    if (syntax && !(p.explainsSyntax && p.problems.length > 0)) ds.push(syntaxDiagnostic(syntax, line));
    for (const n of p.poisoned) poisonName(n, poison);
    if (syntax || p.fatal || !stmt) {
      outputLineFailed ||= poisonLine(line, poison);
      continue;
    }
    stmts.push(stmt);
  }

  const src = toSource(stmts, ds, poison, file);
  const result = finalizeGuarded(src);
  const kept = withoutFollowOns(result.diagnostics, src, poison, outputLineFailed);
  for (const d of kept) {
    if (!d.loc) d.loc = endOfText(text);
    ds.push(d);
  }
  for (const d of ds) d.file = fileName;
  ds.sort((a, b) => a.loc!.line - b.loc!.line || a.loc!.col - b.loc!.col);
  const cascade = hasErrors(ds) ? null : result.cascade;
  return { cascade, diagnostics: ds };
}

/** finalize, with a cascade nested too deeply for the checker's recursion reported as a diagnostic. */
function finalizeGuarded(src: CascadeSource): { cascade: Cascade | null; diagnostics: Diagnostic[] } {
  try {
    return finalize(src);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return { cascade: null, diagnostics: [error('too-complex', 'the cascade is nested too deeply to check', { line: 1, col: 1 }, 'split deep expressions over several einsums')] };
  }
}

/** Follow-on errors: a suppressed error drops its einsum too, so errors about that einsum's tensor go as well. */
function withoutFollowOns(diagnostics: Diagnostic[], src: CascadeSource, poison: Set<string>, outputLineFailed: boolean): Set<Diagnostic> {
  const outputOnLine = new Map(src.einsums.map((e) => [e.loc?.line, e.output.tensor]));
  const kept = new Set(diagnostics);
  for (let changed = true; changed; ) {
    changed = false;
    for (const d of kept) {
      if (!suppressed(d, poison, outputLineFailed)) continue;
      kept.delete(d);
      const t = d.loc ? outputOnLine.get(d.loc.line) : undefined;
      if (t !== undefined && !poison.has(t)) {
        poison.add(t);
        changed = true;
      }
    }
  }
  return kept;
}

/** Reads and parses a .ein file; throws DiagnosticError (with the source text) when it has errors. */
export function loadCascadeFile(path: string): Cascade {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as NodeJS.ErrnoException).code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    const d = error('io-error', `cannot read ${path}: ${why}`);
    d.file = path;
    throw new DiagnosticError([d]);
  }
  const { cascade, diagnostics } = parseCascade(text, path);
  if (!cascade) throw new DiagnosticError(diagnostics, text);
  return cascade;
}

function splitLines(tokens: IToken[]): IToken[][] {
  const out: IToken[][] = [];
  let cur: IToken[] = [];
  for (const t of tokens) {
    if (tokenMatcher(t, T.Newline)) {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length) out.push(cur);
  return out;
}

function complexity(line: IToken[]): string | undefined {
  if (line.length > MAX_LINE_TOKENS) return `this line has ${line.length} tokens; at most ${MAX_LINE_TOKENS} are allowed`;
  let depth = 0;
  let minuses = 0;
  for (const t of line) {
    if (tokenMatcher(t, T.LParen) || tokenMatcher(t, T.LBracket)) depth++;
    else if (tokenMatcher(t, T.RParen) || tokenMatcher(t, T.RBracket)) depth = Math.max(0, depth - 1);
    minuses = tokenMatcher(t, T.Minus) ? minuses + 1 : 0;
    if (depth > MAX_NESTING || minuses > MAX_NESTING) return `this line nests more than ${MAX_NESTING} levels deep`;
  }
  return undefined;
}

function before(loc: SourceLoc, tok: IToken, line: IToken[]): boolean {
  const at = atLineEnd(tok) ? endOfLine(line) : tokLoc(tok);
  return loc.col < at.col;
}

/** Chevrotain reports running out of a line's tokens as an EOF token, which has no position. */
function atLineEnd(tok: IToken): boolean {
  return tokenMatcher(tok, EOF) || tokenMatcher(tok, T.Newline) || !Number.isFinite(tok.startLine) || !Number.isFinite(tok.startOffset);
}

function endOfLine(line: IToken[]): SourceLoc {
  const last = line[line.length - 1]!;
  return { line: last.startLine ?? 1, col: (last.startColumn ?? 1) + last.image.length, length: 1 };
}

function endOfText(text: string): SourceLoc {
  const lines = text.split(/\r\n|\r|\n/);
  let i = lines.length - 1;
  while (i > 0 && lines[i]!.trim() === '') i--;
  return { line: i + 1, col: lines[i]!.length + 1, length: 1 };
}

const RULE_HINTS: Record<string, string> = {
  statement: 'a line is one of: rank M = 64 | rank M -> M1, M0 = 16 | input X[M, K]: bf16 | Y[m] = <expression> | init Y[0] = <expression> | output Y',
  rankStmt: 'declare ranks as rank M = 64, N = 32, or partition one as rank M -> M1, M0 = 16',
  declStmt: 'declare a tensor with its ranks and element type: input X[M, K]: bf16',
  sparseSpec: 'a pruned weight names its N:M pattern and the rank it runs along: weight W[K, N]: int4 sparse(8:16, K)',
  outputStmt: 'name the computed tensors: output Y, Z',
  einsumStmt: 'an einsum is Y[m, n] = <expression>, optionally Y[m, n]: fp32 = ... or Y[p] = max(m) X[m, p]',
  reduceSpec: 'a reduction lists its index variables: Y[p] = max(m) X[m, p]',
  access: 'a tensor access is X[m, n]; a scalar is X[]',
  indexExpr: 'indices are index variables, integers and rank sizes combined with + - *, e.g. m1*M0+m0',
  indexTerm: 'indices are index variables, integers and rank sizes combined with + - *, e.g. m1*M0+m0',
  indexAtom: 'indices are index variables, integers and rank sizes combined with + - *, e.g. m1*M0+m0',
  expr: 'an expression combines accesses X[m], numbers, index variables, rank sizes and functions like exp(x) with + - * / and comparisons',
  addExpr: 'an expression combines accesses X[m], numbers, index variables, rank sizes and functions like exp(x) with + - * / and comparisons',
  mulExpr: 'an expression combines accesses X[m], numbers, index variables, rank sizes and functions like exp(x) with + - * / and comparisons',
  unaryExpr: 'an expression combines accesses X[m], numbers, index variables, rank sizes and functions like exp(x) with + - * / and comparisons',
  primary: 'an expression combines accesses X[m], numbers, index variables, rank sizes and functions like exp(x) with + - * / and comparisons',
};

function syntaxDiagnostic(e: IRecognitionException, line: IToken[]): Diagnostic {
  const loc = atLineEnd(e.token) ? endOfLine(line) : tokLoc(e.token);
  const stack = e.context?.ruleStack ?? [];
  let hint = RULE_HINTS[stack[stack.length - 1] ?? 'statement'];
  if (e.name === 'NotAllInputParsedException') hint = 'each statement is one line; is an operator or a comma missing?';
  else if (e.message.startsWith("expected ']'")) hint = 'close the brackets: X[m, p]';
  else if (e.message.startsWith("expected ')'")) hint = 'close the parentheses';
  return error('syntax-error', e.message, loc, hint);
}

/** Remembers the names a failed line would have defined; returns true when it was an output line. */
function poisonLine(line: IToken[], poison: Set<string>): boolean {
  const [a, b] = line;
  const isName = (t: IToken | undefined) => t !== undefined && tokenMatcher(t, T.Identifier);
  const notAccess = b === undefined || !tokenMatcher(b, T.LBracket);
  if (tokenMatcher(a!, T.Rank) && notAccess) {
    for (const t of line) if (isName(t)) poisonName(t.image, poison);
    return false;
  }
  if ((tokenMatcher(a!, T.Input) || tokenMatcher(a!, T.Weight) || tokenMatcher(a!, T.Kvcache)) && isName(b)) {
    poisonName(b!.image, poison);
    return false;
  }
  if (tokenMatcher(a!, T.Output) && notAccess) return true;
  if (tokenMatcher(a!, T.Init) && isName(b)) poisonName(b!.image, poison);
  else if (isName(a)) poisonName(a!.image, poison);
  return false;
}

function poisonName(name: string, poison: Set<string>): void {
  poison.add(name);
  if (/^[A-Z]/.test(name)) poison.add(name.toLowerCase());
}

const FOLLOW_ON = new Set(['undeclared-tensor', 'undeclared-rank', 'use-before-definition', 'index-rank-mismatch', 'shape-mismatch']);

function suppressed(d: Diagnostic, poison: Set<string>, outputLineFailed: boolean): boolean {
  if (d.code === 'bad-output' && !d.loc) return outputLineFailed;
  if (!FOLLOW_ON.has(d.code) || poison.size === 0) return false;
  for (const w of d.message.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) if (poison.has(w)) return true;
  return false;
}

function toSource(stmts: Stmt[], ds: Diagnostic[], poison: Set<string>, file: string | undefined): CascadeSource {
  const src: CascadeSource = { ranks: [], partitions: [], declared: [], einsums: [], outputs: [] };
  if (file !== undefined) src.file = file;
  for (const s of stmts) {
    switch (s.kind) {
      case 'ranks':
        for (const r of s.ranks) src.ranks.push({ name: r.name, size: r.size, loc: r.aliasOf ? r.aliasOf.loc : r.loc, ...(r.aliasOf ? { aliasOf: r.aliasOf.name } : {}) });
        break;
      case 'partition': {
        const [outer, ...inner] = s.parts;
        if (outer?.size !== undefined)
          ds.push(error('bad-partition', `the outer part ${outer.name} takes its size from ${s.parent.name}`, outer.loc, `write rank ${s.parent.name} -> ${s.parts.map((q, i) => (i === 0 ? q.name : `${q.name} = ${q.size ?? '<size>'}`)).join(', ')}; ${outer.name} = ceil(${s.parent.name} / ${inner.map((q) => q.name).join(' * ') || '1'})`));
        const unsized = inner.find((q) => q.size === undefined);
        if (unsized) {
          ds.push(error('bad-partition', `inner part ${unsized.name} of ${s.parent.name} needs a size`, unsized.loc, `e.g. rank ${s.parent.name} -> ${s.parts.map((q, i) => (i === 0 ? q.name : `${q.name} = ${q.size ?? 16}`)).join(', ')}`));
          for (const q of s.parts) poisonName(q.name, poison);
          break;
        }
        src.partitions.push({ parent: s.parent.name, parts: s.parts.map((q) => q.name), innerSizes: inner.map((q) => q.size!), loc: s.parent.loc });
        break;
      }
      case 'decl':
        src.declared.push(s.tensor);
        break;
      case 'einsum':
        if (s.reduceList) checkReduceList(s.einsum, s.reduceList, ds);
        src.einsums.push(s.einsum);
        break;
      case 'output':
        for (const n of s.names) src.outputs.push({ name: n.name, loc: n.loc });
        break;
    }
  }
  return src;
}

function checkReduceList(e: CascadeSource['einsums'][number], list: { vars: { name: string; loc: SourceLoc }[]; loc: SourceLoc }, ds: Diagnostic[]): void {
  const reduced = reducedVars(e);
  const listed = list.vars.map((v) => v.name);
  const dup = listed.find((v, i) => listed.indexOf(v) !== i);
  const same = !dup && listed.length === reduced.length && listed.every((v) => reduced.includes(v));
  if (same) return;
  const op = e.reduce;
  const y = e.output.tensor;
  if (dup) {
    ds.push(error('bad-reduce', `${op}(...) lists ${dup} twice`, list.loc, `write ${op}(${reduced.join(', ')})`));
  } else if (reduced.length === 0) {
    ds.push(error('bad-reduce', `${y} reduces over nothing: no index variable is on the right without being on the left`, list.loc, `remove ${op}(${listed.join(', ')}), or leave ${listed.join(', ')} out of the left-hand side to reduce over ${listed.length === 1 ? 'it' : 'them'}`));
  } else {
    ds.push(error('bad-reduce', `${op}(${listed.join(', ')}) must list exactly the reduced index variables (${reduced.join(', ')}): those on the right but not on the left of ${y}`, list.loc, `write ${op}(${reduced.join(', ')})`));
  }
}

function showChars(s: string): string {
  const c = s.codePointAt(0) ?? 0;
  if (s.length === 1 && c >= 0x21 && c < 0x7f) return `'${s}'`;
  if (c >= 0x21 && c < 0x7f && !/[^\x21-\x7e]/.test(s)) return `'${s}'`;
  return [...s.slice(0, 8)].map((ch) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(' ') + (s.length > 8 ? ' ...' : '');
}

function lexHint(s: string): string {
  if (s.startsWith(';')) return 'statements end at the end of the line; no semicolons';
  if (s.startsWith('{') || s.startsWith('}')) return 'the cascade language has no blocks; one statement per line';
  if (s.startsWith('^')) return 'there is no power operator; multiply, or use exp(y * log(x))';
  if (s.startsWith('.')) return 'numbers are written 0.5 or 1e-3';
  return 'the language uses names, numbers, + - * /, comparisons, ( ) [ ] , : = ->, and # comments';
}
