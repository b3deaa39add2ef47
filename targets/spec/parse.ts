// Entry points: .arch text -> TargetSpec with every diagnostic the file allows us to find.
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { DiagnosticError, hasErrors, type Diagnostic } from '../../compiler/ir/diagnostic';
import { SpecBuilder, type Overrides } from './build';
import { mergeTargets, shiftSpans, type SourceSegment } from './extend';
import { checkArchLimits } from './limits';
import { parseSyntax, type RawExtends, type RawTarget } from './syntax';
import type { TargetSpec } from './types';

export type { Overrides } from './build';

export interface ParseTargetResult {
  spec: TargetSpec | null;
  diagnostics: Diagnostic[];
  /** the texts of the files the target extends, by file name (to render their diagnostics) */
  sources?: Record<string, string>;
}

/** Finds the text of the target an `extends` names, relative to the file that names it. */
export type BaseResolver = (ref: RawExtends, fromFile: string | undefined) => { text: string; file: string } | { error: string; hint?: string };

export interface ParseTargetOptions {
  /** how `extends` finds its base; without one, `extends` is an error */
  resolveBase?: BaseResolver;
}

/** How readTargetFile reads a file's text (a sweep's worker reads each file once: compiler/sweep/evaluate.ts). */
export type ReadText = (path: string) => string;

const readUtf8: ReadText = (path) => readFileSync(path, 'utf8');

/**
 * Parses one .arch target. `overrides` replaces the values of its `param` declarations
 * (`{ rows: 128, glb: '216 KiB' }`, as from `--param rows=128`). A syntax error stops at the
 * first one (ohm cannot recover); semantic errors are all reported. `spec` is null on any error.
 */
export function parseTarget(text: string, file?: string, overrides: Overrides = {}, opts: ParseTargetOptions = {}): ParseTargetResult {
  const over = checkArchLimits(text);
  if (over) {
    const b = new SpecBuilder(text, file);
    b.error('too-large', over.message, { start: over.pos, end: over.pos + 1 }, over.hint);
    return { spec: null, diagnostics: b.diagnostics };
  }
  const syn = parseSyntax(text);
  if (!syn.ok) {
    const b = new SpecBuilder(text, file);
    syntaxError(b, text, syn.pos, syn.expected);
    return { spec: null, diagnostics: b.diagnostics };
  }
  const chain = resolveExtends(syn.target, text, file, opts.resolveBase);
  const b = new SpecBuilder(chain.text, file, chain.segments);
  for (const e of chain.errors) e(b);
  const sources = Object.fromEntries(chain.segments.filter((s) => s.offset > 0 && s.file !== undefined).map((s) => [s.file!, s.text]));
  const extra = Object.keys(sources).length ? { sources } : {};
  if (chain.errors.length) return { spec: null, diagnostics: b.diagnostics, ...extra };
  const spec = b.build(chain.target, overrides);
  // Checks run section by section; report in file order (unlocated ones, from overrides, first).
  const diagnostics = [...b.diagnostics].sort((x, y) => Number(x.file !== file) - Number(y.file !== file) || (x.loc?.line ?? 0) - (y.loc?.line ?? 0) || (x.loc?.col ?? 0) - (y.loc?.col ?? 0));
  return { spec: hasErrors(diagnostics) ? null : spec, diagnostics, ...extra };
}

function syntaxError(b: SpecBuilder, text: string, pos: number, expected: string, offset = 0): void {
  const exp = expected.length > 200 ? expected.slice(0, 200) + '...' : expected;
  b.error('syntax', `syntax error: expected ${exp}${foundAt(text, pos)}`, { start: offset + pos, end: offset + pos + 1 });
}

interface ExtendsChain {
  target: RawTarget;
  /** the child's text followed by each base's, one per segment */
  text: string;
  segments: SourceSegment[];
  /** errors to report once the builder over the whole text exists */
  errors: ((b: SpecBuilder) => void)[];
}

/** Follows `extends` from the child down to a target that extends nothing, merging on the way. */
function resolveExtends(child: RawTarget, text: string, file: string | undefined, resolveBase: BaseResolver | undefined): ExtendsChain {
  const chain: ExtendsChain = { target: child, text, segments: [{ offset: 0, ...(file !== undefined ? { file } : {}), text }], errors: [] };
  const seen = [file === undefined ? '<input>' : resolve(file)];
  let ext = child.extends;
  while (ext) {
    const at = { start: ext.span.start, end: ext.span.end };
    const from = [...chain.segments].reverse().find((s) => s.offset <= at.start)?.file;
    const r = resolveBase ? resolveBase(ext, from) : { error: `cannot resolve 'extends ${ext.ref}' here (no file system)` };
    if ('error' in r) {
      chain.errors.push((b) => b.error('bad-extends', r.error, at, 'hint' in r ? r.hint : undefined));
      return chain;
    }
    const key = resolve(r.file);
    if (seen.includes(key)) {
      const names = [...seen, key].map((p) => p.split(/[\\/]/).pop());
      chain.errors.push((b) => b.error('extends-cycle', `extends cycle: ${names.join(' extends ')}`, at, 'a target cannot extend itself, directly or through others'));
      return chain;
    }
    seen.push(key);
    const offset = chain.text.length + 1;
    chain.text += '\n' + r.text;
    chain.segments.push({ offset, file: r.file, text: r.text });
    const syn = parseSyntax(r.text);
    if (!syn.ok) {
      chain.errors.push((b) => syntaxError(b, r.text, syn.pos, syn.expected, offset));
      return chain;
    }
    const base = shiftSpans(syn.target, offset);
    const { extends: _done, ...rest } = chain.target;
    chain.target = mergeTargets(base, rest);
    ext = base.extends;
    if (ext) chain.target.extends = ext;
  }
  delete chain.target.extends;
  return chain;
}

function foundAt(text: string, pos: number): string {
  if (pos >= text.length) return ', found end of file';
  const word = /^[A-Za-z_$][\w$/-]*|^\S/.exec(text.slice(pos));
  return word ? `, found '${word[0]}'` : '';
}

/** `extends "path.arch"` is relative to the extending file; `extends name` is a built-in target. */
export function fileBaseResolver(builtinPath: (name: string) => string | undefined, builtinNames: () => string[]): BaseResolver {
  return (ref, fromFile) => {
    if (!ref.isPath) {
      const p = builtinPath(ref.ref);
      if (p) return { text: readFileSync(p, 'utf8'), file: shown(p) };
      return { error: `no built-in target '${ref.ref}' to extend`, hint: `built-in targets are ${builtinNames().join(', ')}; write a file as extends "path/to/file.arch"` };
    }
    const p = resolve(fromFile ? dirname(fromFile) : '.', ref.ref);
    return readArch(p) ?? { error: `cannot extend "${ref.ref}": no such file (looked for ${p})` };
  };
}

/** A path as a person would write it: relative to the working directory when under it. */
function shown(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
}

function readArch(p: string): { text: string; file: string } | null {
  try {
    if (!statSync(p).isFile()) return null;
    return { text: readFileSync(p, 'utf8'), file: shown(p) };
  } catch {
    return null;
  }
}

/** Reads and parses a .arch file; throws DiagnosticError (with the sources) on any error. */
export function readTargetFile(path: string, overrides: Overrides = {}, opts: ParseTargetOptions = {}, read: ReadText = readUtf8): TargetSpec {
  const text = read(path);
  const { spec, diagnostics, sources } = parseTarget(text, path, overrides, opts);
  if (!spec) throw new DiagnosticError(diagnostics, text, sources);
  return spec;
}
/** Parses `name=value` flags (repeatable `--param`) into overrides; values keep their text (units allowed). */
export function parseParamFlags(flags: readonly string[]): { overrides: Overrides; errors: string[] } {
  const overrides: Overrides = Object.create(null) as Overrides; // user-named: __proto__ is a name like any other
  const errors: string[] = [];
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0) errors.push(`--param expects name=value, got '${f}'`);
    else overrides[f.slice(0, eq).trim()] = f.slice(eq + 1);
  }
  return { overrides, errors };
}
