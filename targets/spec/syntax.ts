// Parse tree -> a raw AST that keeps every source span; no checking happens here (see build.ts).
import type * as ohm from 'ohm-js';
import type { Node } from 'ohm-js';
import { archGrammar } from './grammar';

/** Character offsets into the source, [start, end). */
export interface Span {
  start: number;
  end: number;
}

export type RawExpr =
  | { op: 'num'; value: number }
  | { op: 'ref'; name: string; span: Span }
  | { op: '+' | '-' | '*' | '/'; a: RawExpr; b: RawExpr }
  | { op: 'neg'; a: RawExpr };

export type RawValue =
  | { kind: 'quantity'; expr: RawExpr; unit?: { name: string; span: Span }; span: Span }
  | { kind: 'string'; value: string; span: Span }
  | { kind: 'bool'; value: boolean; span: Span }
  | { kind: 'ident'; name: string; span: Span }
  | { kind: 'list'; items: string[]; span: Span };

export interface RawAssign {
  /** `attr name = v` declares a free-form attribute; plain `name = v` sets a built-in field. */
  isAttr: boolean;
  name: string;
  nameSpan: Span;
  value: RawValue;
}

export interface RawParam {
  name: string;
  nameSpan: Span;
  value: RawValue;
}

export interface RawUnit {
  section: 'memory' | 'compute';
  name: string;
  nameSpan: Span;
  kind: string;
  kindSpan: Span;
  items: RawAssign[];
}

export interface RawLink {
  /** hops[0] is the source; each later hop is the set of units the previous hop feeds */
  hops: { name: string; span: Span }[][];
  items: RawAssign[];
  span: Span;
}

/** `target NAME extends BASE`: BASE is a built-in target's name or (quoted) a path to an .arch file. */
export interface RawExtends {
  ref: string;
  isPath: boolean;
  span: Span;
}

export interface RawTarget {
  name: string;
  nameSpan: Span;
  extends?: RawExtends;
  description: string;
  params: RawParam[];
  assigns: RawAssign[];
  units: RawUnit[];
  links: RawLink[];
  span: Span;
}

type Stmt = RawParam & { tag: 'param' } | RawAssign & { tag: 'assign' } | RawUnit & { tag: 'unit' } | RawLink & { tag: 'link' } | { tag: 'none' };

function span(n: Node): Span {
  return { start: n.source.startIdx, end: n.source.endIdx };
}

function unescape(body: string): string {
  return body.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

let semanticsOnce: ohm.Semantics | undefined;

/** The `ast` operation on the grammar, made on first use (as the grammar is). */
function semantics(m: ohm.MatchResult): ohm.Dict {
  semanticsOnce ??= archGrammar().createSemantics().addOperation<unknown>('ast', AST_ACTIONS);
  return semanticsOnce(m);
}

const AST_ACTIONS: ohm.ActionDict<unknown> = {
  File(t) {
    return t.ast();
  },
  Target(_kw, name, ext, desc, _o, stmts, _c) {
    const t: RawTarget = {
      name: name.sourceString,
      nameSpan: span(name),
      ...(ext.numChildren ? { extends: ext.child(0).ast() as RawExtends } : {}),
      description: desc.numChildren ? (desc.child(0).ast() as string) : '',
      params: [],
      assigns: [],
      units: [],
      links: [],
      span: span(this),
    };
    for (const { tag, ...s } of stmts.children.map((c) => c.ast() as Stmt)) {
      if (tag === 'param') t.params.push(s as RawParam);
      else if (tag === 'assign') t.assigns.push(s as RawAssign);
      else if (tag === 'unit') t.units.push(s as RawUnit);
      else if (tag === 'link') t.links.push(s as RawLink);
    }
    return t;
  },
  Extends(_kw, ref) {
    const isPath = ref.sourceString.startsWith('"');
    return { ref: isPath ? (ref.ast() as string) : ref.sourceString, isPath, span: span(ref) };
  },
  Stmt(s) {
    if (s.sourceString === ';') return { tag: 'none' };
    const r = s.ast() as Stmt;
    return r;
  },
  ParamStmt(_kw, name, _eq, value) {
    return { tag: 'param', name: name.sourceString, nameSpan: span(name), value: value.ast() };
  },
  AttrStmt(_kw, name, _eq, value) {
    return { tag: 'assign', isAttr: true, name: name.sourceString, nameSpan: span(name), value: value.ast() };
  },
  Assign(name, _eq, value) {
    return { tag: 'assign', isAttr: false, name: name.sourceString, nameSpan: span(name), value: value.ast() };
  },
  MemoryStmt(_kw, name, _colon, kind, block) {
    return unitStmt('memory', name, kind, block);
  },
  ComputeStmt(_kw, name, _colon, kind, block) {
    return unitStmt('compute', name, kind, block);
  },
  LinkStmt(_kw, from, hops, block) {
    const link: RawLink & { tag: 'link' } = {
      tag: 'link',
      hops: [[{ name: from.sourceString, span: span(from) }], ...hops.children.map((h) => h.ast() as { name: string; span: Span }[])],
      items: block.numChildren ? (block.child(0).ast() as RawAssign[]) : [],
      span: span(this),
    };
    return link;
  },
  LinkHop(_arrow, end) {
    return end.ast();
  },
  LinkEnd_group(_o, list, _c) {
    return list.asIteration().children.map((c) => ({ name: c.sourceString, span: span(c) }));
  },
  LinkEnd_one(id) {
    return [{ name: id.sourceString, span: span(id) }];
  },
  Block(_o, items, _c) {
    return items.children.map((c) => c.ast()).filter((x) => x !== null);
  },
  BlockItem(item) {
    if (item.sourceString === ';') return null;
    const { tag: _tag, ...rest } = item.ast() as RawAssign & { tag: string };
    return rest;
  },
  Value(v) {
    const r = v.ast();
    return typeof r === 'string' ? { kind: 'string', value: r, span: span(this) } : r;
  },
  List(_o, items, _c) {
    return { kind: 'list', items: items.asIteration().children.map((c) => c.ast() as string), span: span(this) };
  },
  ListItem(v) {
    const r = v.ast();
    return typeof r === 'string' ? r : (r as { name: string }).name;
  },
  Quantity(expr, unit) {
    const q: RawValue = { kind: 'quantity', expr: expr.ast() as RawExpr, span: span(this) };
    if (unit.numChildren) q.unit = { name: unit.child(0).sourceString, span: span(unit.child(0)) };
    return q;
  },
  Expr_add(a, _op, b) {
    return { op: '+', a: a.ast(), b: b.ast() };
  },
  Expr_sub(a, _op, b) {
    return { op: '-', a: a.ast(), b: b.ast() };
  },
  Term_mul(a, _op, b) {
    return { op: '*', a: a.ast(), b: b.ast() };
  },
  Term_div(a, _op, b) {
    return { op: '/', a: a.ast(), b: b.ast() };
  },
  Factor_paren(_o, e, _c) {
    return e.ast();
  },
  Factor_neg(_m, f) {
    return { op: 'neg', a: f.ast() };
  },
  paramRef(_d, name) {
    return { op: 'ref', name: name.sourceString, span: span(this) };
  },
  number(_n) {
    return { op: 'num', value: Number(this.sourceString) };
  },
  bool(_b) {
    return { kind: 'bool', value: this.sourceString === 'true', span: span(this) };
  },
  string(_o, _chars, _c) {
    // Returned bare so lists and descriptions can use it; Value wraps it.
    return unescape(this.sourceString.slice(1, -1));
  },
  ident(_l, _rest) {
    return { kind: 'ident', name: this.sourceString, span: span(this) };
  },
  _iter(...children) {
    return children.map((c) => c.ast());
  },
};

function unitStmt(section: 'memory' | 'compute', name: Node, kind: Node, block: Node): RawUnit & { tag: 'unit' } {
  return {
    tag: 'unit',
    section,
    name: name.sourceString,
    nameSpan: span(name),
    kind: kind.sourceString,
    kindSpan: span(kind),
    items: block.numChildren ? (block.child(0).ast() as RawAssign[]) : [],
  };
}

export type SyntaxResult = { ok: true; target: RawTarget } | { ok: false; pos: number; expected: string };

/** Parses `text` (from `startRule`) into the raw AST, or reports the rightmost syntax failure. */
export function parseSyntax(text: string): SyntaxResult {
  return memo(syntaxCache, text, parseSyntaxUncached);
}

/**
 * Tells the parser the tree of a text that a generator wrote together with it (targets/spec/writer.ts),
 * so that parsing that exact text skips the grammar. Only the writer's trees belong here: its test checks
 * that they equal the grammar's.
 */
export function seedSyntax(text: string, target: RawTarget): void {
  // a copy: the cached tree is frozen, and the writer's object stays the caller's
  memo(syntaxCache, text, (): SyntaxResult => ({ ok: true, target: structuredClone(target) }));
}

// A sweep builds one target per design point from the same text with other --param values: the
// parse is memoised by text (bounded). Every caller gets the same tree, frozen (deeply, once, when it
// is cached): the consumers (parse.ts, extend.ts, build.ts) only read it and build new objects, and
// a frozen tree makes any write a TypeError rather than a change seen by the next caller. Handing out
// a structuredClone per hit instead cost 0.19 ms of a sweep point's 2.3-3 ms.
const MEMO_ENTRIES = 64;
const syntaxCache = new Map<string, SyntaxResult>();
const valueCache = new Map<string, RawValue | null>();

function memo<T>(cache: Map<string, T>, text: string, parse: (text: string) => T): T {
  let hit = cache.get(text);
  if (hit === undefined) {
    hit = deepFreeze(parse(text));
    if (cache.size >= MEMO_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(text, hit);
  }
  return hit;
}

function deepFreeze<T>(x: T): T {
  if (x === null || typeof x !== 'object' || Object.isFrozen(x)) return x;
  for (const v of Object.values(x)) deepFreeze(v);
  return Object.freeze(x);
}

// The built package (bin/build.mjs) compiles in the syntax trees of the built-in targets' .arch texts,
// as JSON pairs [text, SyntaxResult]: ohm takes ~100 ms to match a 3 KB file on a cold start. A text
// that is exactly one of them is answered from that table (parsed once, on first use); any other
// text, and every text when running from the sources, goes through the grammar.
declare const __ARCH_PREPARSED__: string | undefined;
let preparsed: Map<string, SyntaxResult> | undefined;

function preparsedSyntax(text: string): SyntaxResult | undefined {
  if (typeof __ARCH_PREPARSED__ !== 'string') return undefined;
  preparsed ??= new Map(JSON.parse(__ARCH_PREPARSED__) as [string, SyntaxResult][]);
  return preparsed.get(text);
}

function parseSyntaxUncached(text: string): SyntaxResult {
  const pre = preparsedSyntax(text);
  if (pre !== undefined) return pre;
  const m = archGrammar().match(text);
  if (m.failed()) return { ok: false, pos: m.getRightmostFailurePosition(), expected: m.getExpectedText() };
  return { ok: true, target: semantics(m).ast() as RawTarget };
}

/** Parses a lone value, e.g. the `128` or `216 KiB` of a `--param rows=128` override. */
export function parseValueText(text: string): RawValue | null {
  return memo(valueCache, text, parseValueTextUncached);
}

function parseValueTextUncached(text: string): RawValue | null {
  const m = archGrammar().match(text, 'Value');
  if (m.failed()) return null;
  return semantics(m).ast() as RawValue;
}
