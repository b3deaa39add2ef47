// Writes the text of an .arch target and, in the same pass, the raw syntax tree the grammar would
// parse from that text (every span included). A front end that generates targets (the SCALE-Sim
// .cfg importer) hands both to `seedSyntax`, so `parseTarget` of its own text skips ohm's match: the
// cold match of a 2 KB file costs ~45 ms, most of a `tessera scalesim` run. The text stays the one a
// user saves with --emit-arch, and test/spec/writer.test.ts checks, over random targets, that the tree
// written here equals the grammar's parse of the text.
import type { RawAssign, RawExpr, RawLink, RawParam, RawTarget, RawUnit, RawValue, Span } from './syntax';

/** A value as written: a number with an optional unit, a `$param` reference, a name, a string or a list of names. */
export type WriterValue = { num: number; unit?: string } | { ref: string } | { ident: string } | { str: string } | { list: string[] };

/** Text after a statement on its line: spaces and a comment, e.g. `'   # ArrayHeight'`. */
export type Trail = string;

function quoted(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, ' ')}"`;
}

export class ArchWriter {
  private text = '';
  private readonly target: RawTarget;
  private readonly start: number;
  /** items of the unit being written, or null at target level */
  private block: RawAssign[] | null = null;
  /** false once something was written whose tree the writer does not make */
  private exact = true;

  /** Starts the file: `lead` lines (comments) then `target NAME "description" {`. */
  constructor(name: string, description: string, lead: string[] = []) {
    for (const l of lead) this.text += `${l}\n`;
    this.start = this.text.length;
    this.text += 'target ';
    const nameSpan = this.put(name);
    this.text += ' ';
    this.put(quoted(description));
    this.text += ' {\n';
    this.target = { name, nameSpan, description: description.replace(/\n/g, ' '), params: [], assigns: [], units: [], links: [], span: { start: this.start, end: 0 } };
  }

  private put(s: string): Span {
    const start = this.text.length;
    this.text += s;
    return { start, end: this.text.length };
  }

  private value(v: WriterValue): RawValue {
    if ('list' in v) {
      const span = this.put(`[${v.list.join(', ')}]`);
      return { kind: 'list', items: [...v.list], span };
    }
    if ('str' in v) return { kind: 'string', value: v.str.replace(/\n/g, ' '), span: this.put(quoted(v.str)) };
    if ('ident' in v) return { kind: 'ident', name: v.ident, span: this.put(v.ident) };
    if ('ref' in v) {
      const span = this.put(`$${v.ref}`);
      const expr: RawExpr = { op: 'ref', name: v.ref, span };
      return { kind: 'quantity', expr, span };
    }
    // a number the grammar reads otherwise (Infinity, NaN, a negative: an expression) is written as is, and the tree is withheld
    if (!(Number.isFinite(v.num) && v.num >= 0)) this.exact = false;
    const start = this.text.length;
    this.text += String(v.num);
    const q: RawValue = { kind: 'quantity', expr: { op: 'num', value: v.num }, span: { start, end: 0 } };
    if (v.unit !== undefined) {
      this.text += ' ';
      q.unit = { name: v.unit, span: this.put(v.unit) };
    }
    q.span.end = this.text.length;
    return q;
  }

  private statement(indent: string, keyword: string, name: string, v: WriterValue, trail: Trail): { name: string; nameSpan: Span; value: RawValue } {
    this.text += `${indent}${keyword}`;
    const nameSpan = this.put(name);
    this.text += ' = ';
    const value = this.value(v);
    this.text += `${trail}\n`;
    return { name, nameSpan, value };
  }

  /** A comment line (or a blank line) at the current position. */
  comment(line: string): this {
    this.text += `${line}\n`;
    return this;
  }

  /** `param NAME = VALUE` */
  param(name: string, v: WriterValue, trail: Trail = ''): this {
    const p: RawParam = this.statement('  ', 'param ', name, v, trail);
    this.target.params.push(p);
    return this;
  }

  /** `NAME = VALUE` (or `attr NAME = VALUE`), in the open unit or at target level. */
  set(name: string, v: WriterValue, trail: Trail = '', attr = false): this {
    const indent = this.block ? '    ' : '  ';
    const a: RawAssign = { isAttr: attr, ...this.statement(indent, attr ? 'attr ' : '', name, v, trail) };
    (this.block ?? this.target.assigns).push(a);
    return this;
  }

  attr(name: string, v: WriterValue, trail: Trail = ''): this {
    return this.set(name, v, trail, true);
  }

  /** `memory|compute NAME : KIND { ... }`: the items are what `body` writes with set/attr. */
  unit(section: 'memory' | 'compute', name: string, kind: string, body: (w: this) => void): this {
    this.text += `  ${section} `;
    const nameSpan = this.put(name);
    this.text += ' : ';
    const kindSpan = this.put(kind);
    this.text += ' {\n';
    const u: RawUnit = { section, name, nameSpan, kind, kindSpan, items: [] };
    this.block = u.items;
    body(this);
    this.block = null;
    this.text += '  }\n';
    this.target.units.push(u);
    return this;
  }

  /** `link A -> { B, C } -> D`: each hop after the first is one unit or a group. */
  link(from: string, ...hops: string[][]): this {
    this.text += '  ';
    const start = this.text.length;
    this.text += 'link ';
    const path: RawLink['hops'] = [[{ name: from, span: this.put(from) }]];
    for (const hop of hops) {
      this.text += ' -> ';
      if (hop.length === 1) path.push([{ name: hop[0]!, span: this.put(hop[0]!) }]);
      else {
        this.text += '{ ';
        const group: RawLink['hops'][number] = [];
        for (const h of hop) {
          if (group.length > 0) this.text += ', ';
          group.push({ name: h, span: this.put(h) });
        }
        path.push(group);
        this.text += ' }';
      }
    }
    this.target.links.push({ hops: path, items: [], span: { start, end: this.text.length } });
    this.text += '\n';
    return this;
  }

  /** Closes the target: the file's text and the tree the grammar parses from it (null: let the grammar parse it). */
  finish(): { text: string; target: RawTarget | null } {
    this.text += '}';
    this.target.span.end = this.text.length;
    this.text += '\n';
    return { text: this.text, target: this.exact ? this.target : null };
  }
}
