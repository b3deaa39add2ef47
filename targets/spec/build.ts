// Raw AST -> TargetSpec: resolves parameters, applies units, and checks every rule, collecting
// all semantic diagnostics (not just the first) before deciding whether a spec can be returned.
import type { Diagnostic } from '../../compiler/ir/diagnostic';
import type { SourceLoc } from '../../compiler/ir/types';
import {
  COMPUTE_FIELD_KINDS,
  COMPUTE_FIELDS,
  LINK_FIELDS,
  MEMORY_FIELDS,
  NEEDS_BANDWIDTH,
  NEEDS_CAPACITY,
  REQUIRED_COMPUTE_FIELDS,
  TARGET_FIELDS,
  type FieldType,
} from './fields';
import { closest, didYouMean } from '../../compiler/ir/suggest';
import type { SourceSegment } from './extend';
import { parseValueText, type RawAssign, type RawExpr, type RawTarget, type RawUnit, type RawValue, type Span } from './syntax';
import {
  COMPUTE_KINDS,
  MEMORY_KINDS,
  type AttrValue,
  type ComputeKind,
  type ComputeSpec,
  type LinkSpec,
  type MemoryKind,
  type MemorySpec,
  type TargetSpec,
} from './types';
import { BASE_UNIT, DIMENSION_WORDS, UNITS, type Dimension } from './units';

/** Largest count (rows, columns, banks, units): typed arrays are indexed by it. */
const MAX_COUNT = 2 ** 31 - 1;

/** A record keyed by user-chosen names (params, attrs): no prototype, so `__proto__` is an ordinary key. */
const record = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** A value after parameter substitution and unit conversion (numbers are in base units). */
type Resolved =
  | { kind: 'number'; value: number; dim?: Dimension }
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'list'; items: string[] };

export type Overrides = Record<string, string | number | boolean>;

const DIM_NAME: Record<Dimension, string> = {
  frequency: 'a frequency',
  size: 'a size',
  bandwidth: 'a bandwidth',
  energy: 'an energy',
  energyPerByte: 'an energy per byte',
  energyPerAccess: 'an energy per access',
  time: 'a time',
  cycles: 'a cycle count',
  throughput: 'a throughput',
};

const ALL_UNITS = [...UNITS.keys()];

export class SpecBuilder {
  readonly diagnostics: Diagnostic[] = [];
  private text: string;
  private readonly lineStarts: number[] = [0];
  private readonly params = new Map<string, Resolved>();
  /** Declared parameters whose value had an error (already reported): uses stay silent. */
  private readonly badParams = new Set<string>();
  private clockHz: number | undefined;

  /**
   * `segments`: when the source is a target followed by the files it extends (see extend.ts), where each
   * file's text starts, so locations are reported in the right file at that file's own line numbers.
   */
  constructor(
    source: string,
    private readonly file: string | undefined,
    private readonly segments: readonly SourceSegment[] = [],
  ) {
    this.text = source;
    for (let i = 0; i < source.length; i++) if (source[i] === '\n') this.lineStarts.push(i + 1);
  }

  private lineIndex(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private segmentAt(offset: number): SourceSegment | undefined {
    let seg: SourceSegment | undefined;
    for (const g of this.segments) if (g.offset > 0 && g.offset <= offset && (!seg || g.offset > seg.offset)) seg = g;
    return seg;
  }

  loc(s: Span): SourceLoc {
    const lo = this.lineIndex(s.start);
    const seg = this.segmentAt(s.start);
    const first = seg ? this.lineIndex(seg.offset) : 0;
    return { line: lo - first + 1, col: s.start - this.lineStarts[lo] + 1, length: Math.max(1, s.end - s.start) };
  }

  error(code: string, message: string, span?: Span, hint?: string): void {
    const d: Diagnostic = { severity: 'error', code, message };
    const file = span ? (this.segmentAt(span.start)?.file ?? this.file) : this.file;
    if (file !== undefined) d.file = file;
    if (span) d.loc = this.loc(span);
    if (hint) d.hint = hint;
    this.diagnostics.push(d);
  }

  private src(s: Span): string {
    return this.text.slice(s.start, s.end);
  }

  build(t: RawTarget, overrides: Overrides = {}): TargetSpec {
    this.resolveParams(t, overrides);
    const spec: TargetSpec = { name: t.name, description: t.description, clockHz: 0, memories: [], computes: [], links: [], attrs: record(), loc: this.loc(t.nameSpan) };
    if (this.file !== undefined) spec.file = this.file;
    if (this.params.size) {
      spec.params = record();
      const units: Record<string, string> = record();
      for (const [k, v] of this.params) {
        spec.params[k] = toAttrValue(v);
        if (v.kind === 'number' && v.dim && v.dim !== 'energyPerAccess') units[k] = BASE_UNIT[v.dim];
      }
      if (!isEmpty(units)) spec.paramUnits = units;
    }

    const targetFields = this.applyBlock(t.assigns, TARGET_FIELDS, `target '${t.name}'`, 'target', spec.attrs, (spec.attrUnits = record()));
    if (isEmpty(spec.attrUnits)) delete spec.attrUnits;
    const clock = targetFields.get('clock');
    if (clock === undefined && !t.assigns.some((a) => !a.isAttr && a.name === 'clock')) this.error('missing-clock', `target '${t.name}' has no clock`, t.nameSpan, 'add `clock = 1 GHz` (the frequency its cycles are counted in)');
    if (clock !== undefined) spec.clockHz = this.clockHz = clock.value as number;

    const seen = new Map<string, Span>();
    for (const u of t.units) {
      const first = seen.get(u.name);
      if (first) this.error('duplicate-name', `duplicate unit name '${u.name}'`, u.nameSpan, `'${u.name}' is already declared at line ${this.loc(first).line}`);
      else seen.set(u.name, u.nameSpan);
      if (u.section === 'memory') spec.memories.push(this.buildMemory(u));
      else spec.computes.push(this.buildCompute(u));
    }
    if (spec.computes.length === 0) this.error('no-compute', `target '${t.name}' has no compute unit`, t.nameSpan, 'add one, e.g. `compute PE : array2d { rows = 16; cols = 16 }`');
    if (spec.memories.length === 0) this.error('no-memory', `target '${t.name}' has no memory`, t.nameSpan, 'add one, e.g. `memory DRAM : dram { bandwidth = 25 GB/s }`');

    spec.links = this.buildLinks(t, seen);
    this.checkConnected(t, spec);
    return spec;
  }

  // ---------------------------------------------------------------- parameters

  private resolveParams(t: RawTarget, overrides: Overrides): void {
    const declared = new Map<string, Span>();
    for (const p of t.params) {
      if (declared.has(p.name)) {
        this.error('duplicate-param', `duplicate parameter '${p.name}'`, p.nameSpan, `'${p.name}' is already declared at line ${this.loc(declared.get(p.name)!).line}`);
        continue;
      }
      declared.set(p.name, p.nameSpan);
      const v = Object.hasOwn(overrides, p.name) ? this.resolveOverride(p.name, overrides[p.name]) : this.resolve(p.value);
      if (v) this.params.set(p.name, v);
      else this.badParams.add(p.name);
    }
    for (const name of Object.keys(overrides)) {
      if (declared.has(name)) continue;
      const names = [...declared.keys()];
      const hint = didYouMean(name, names) ?? (names.length ? `this target's parameters are ${names.join(', ')}` : 'this target declares no parameters');
      this.error('unknown-param', `no parameter '${name}' to override in target '${t.name}'`, undefined, hint);
    }
  }

  /** An override's text is not the file's, so its diagnostics carry no location but name the flag. */
  private resolveOverride(name: string, value: string | number | boolean): Resolved | null {
    if (typeof value === 'number') return { kind: 'number', value };
    if (typeof value === 'boolean') return { kind: 'bool', value };
    const raw = parseValueText(value.trim());
    if (!raw) {
      this.error('bad-param-value', `cannot read '${value}' as the value of parameter '${name}'`, undefined, 'write a number with an optional unit (128, 216 KiB), a word (ws), a "string" or a [list]');
      return null;
    }
    const saved = this.text;
    const before = this.diagnostics.length;
    this.text = value.trim();
    const r = this.resolve(raw);
    this.text = saved;
    for (const d of this.diagnostics.slice(before)) {
      delete d.loc;
      d.message = `parameter '${name}' override: ${d.message}`;
    }
    return r;
  }

  // ---------------------------------------------------------------- values

  private evalExpr(e: RawExpr): number | null {
    switch (e.op) {
      case 'num':
        return e.value;
      case 'ref': {
        const name = e.name;
        const p = this.params.get(name);
        if (!p) {
          this.unknownParam(name, e.span);
          return null;
        }
        if (p.kind !== 'number' || p.dim !== undefined) {
          this.error('bad-param-use', `parameter '${name}' is not a plain number, so it cannot be used in arithmetic or before a unit`, e.span, `use \`$${name}\` alone as the whole value`);
          return null;
        }
        return p.value;
      }
      case 'neg': {
        const a = this.evalExpr(e.a);
        return a === null ? null : -a;
      }
      default: {
        const a = this.evalExpr(e.a);
        const b = this.evalExpr(e.b);
        if (a === null || b === null) return null;
        return e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : a / b;
      }
    }
  }

  private unknownParam(name: string, span: Span): void {
    if (this.badParams.has(name)) return;
    this.error('unknown-param', `unknown parameter '$${name}'`, span, didYouMean(name, this.params.keys()) ?? 'declare it first with `param ' + name + ' = ...`');
  }

  /** `dims`, when known, puts the units of the expected dimensions first in did-you-mean hints. */
  resolve(v: RawValue, dims?: readonly Dimension[]): Resolved | null {
    switch (v.kind) {
      case 'string':
        return { kind: 'string', value: v.value };
      case 'ident':
        return { kind: 'string', value: v.name };
      case 'bool':
        return { kind: 'bool', value: v.value };
      case 'list':
        return { kind: 'list', items: v.items };
      case 'quantity': {
        if (v.expr.op === 'ref' && !v.unit) {
          const name = v.expr.name;
          const p = this.params.get(name);
          if (!p) {
            this.unknownParam(name, v.expr.span);
            return null;
          }
          return p;
        }
        let info;
        if (v.unit) {
          info = UNITS.get(v.unit.name);
          if (!info) {
            const preferred = dims ? ALL_UNITS.filter((u) => dims.includes(UNITS.get(u)!.dim)) : [];
            const hint = didYouMean(v.unit.name, [...preferred, ...ALL_UNITS]) ?? 'units are listed in docs/ARCH.md (e.g. MHz, KiB, GB/s, pJ/B, cycles)';
            this.error('unknown-unit', `unknown unit '${v.unit.name}'`, v.unit.span, hint);
          }
        }
        const n = this.evalExpr(v.expr);
        if (n === null || (v.unit && !info)) return null;
        if (!Number.isFinite(n)) {
          this.error('bad-value', `'${this.src(v.span)}' is not a finite number`, v.span);
          return null;
        }
        if (info && !Number.isFinite(n * info.factor)) {
          this.error('bad-value', `'${this.src(v.span)}' is not a finite number once its unit is applied`, v.span);
          return null;
        }
        return info ? { kind: 'number', value: n * info.factor, dim: info.dim } : { kind: 'number', value: n };
      }
    }
  }

  // ---------------------------------------------------------------- blocks

  /**
   * Applies the assignments of one block: built-in fields are checked against `fields` and
   * returned (converted); `attr` lines go into `attrs`. Returns field name -> value.
   */
  private applyBlock(
    items: RawAssign[],
    fields: Record<string, FieldType>,
    owner: string,
    section: string,
    attrs: Record<string, AttrValue>,
    attrUnits: Record<string, string>,
    kindCheck?: (name: string, a: RawAssign) => boolean,
  ): Map<string, { value: number | string | string[]; dim?: Dimension; a: RawAssign }> {
    const out = new Map<string, { value: number | string | string[]; dim?: Dimension; a: RawAssign }>();
    const seen = new Map<string, Span>();
    for (const a of items) {
      const first = seen.get(a.name);
      if (first) {
        this.error('duplicate-attribute', `duplicate attribute '${a.name}' in ${owner}`, a.nameSpan, `'${a.name}' is already set at line ${this.loc(first).line}`);
        continue;
      }
      seen.set(a.name, a.nameSpan);
      if (a.isAttr) {
        if (Object.hasOwn(fields, a.name)) {
          this.error('reserved-attribute', `'${a.name}' is a built-in field of ${section} units`, a.nameSpan, `write \`${a.name} = ...\` without \`attr\``);
          continue;
        }
        const r = this.resolve(a.value);
        if (!r) continue;
        if (r.kind === 'number' && r.dim === 'energyPerAccess') {
          this.error('bad-value', `'${a.name}': energy per access is only allowed in a memory's energy fields`, a.value.span, 'write it per byte (pJ/B) instead');
          continue;
        }
        attrs[a.name] = toAttrValue(r);
        if (r.kind === 'number' && r.dim) attrUnits[a.name] = BASE_UNIT[r.dim as Exclude<Dimension, 'energyPerAccess'>];
        continue;
      }
      const ft = Object.hasOwn(fields, a.name) ? fields[a.name] : undefined; // 'constructor' is not a field
      if (!ft) {
        const names = Object.keys(fields);
        const hint = didYouMean(a.name, names) ?? `${section} fields are ${names.join(', ')}; declare any other fact with \`attr ${a.name} = ...\``;
        this.error('unknown-attribute', `unknown attribute '${a.name}' for ${owner}`, a.nameSpan, hint);
        continue;
      }
      if (kindCheck && !kindCheck(a.name, a)) continue;
      const v = this.applyField(a, ft);
      if (v) out.set(a.name, { ...v, a });
    }
    return out;
  }

  private applyField(a: RawAssign, ft: FieldType): { value: number | string | string[]; dim?: Dimension } | null {
    const r = this.resolve(a.value, ft.type === 'quantity' ? ft.dims : undefined);
    if (!r) return null;
    const text = this.src(a.value.span);
    const span = a.value.span;
    switch (ft.type) {
      case 'list':
        if (r.kind !== 'list') {
          this.error('bad-value', `'${a.name}' must be a list, e.g. [mul, add] (got '${text}')`, span);
          return null;
        }
        return { value: [...r.items] }; // the spec's own array: the syntax tree's is shared and frozen
      case 'enum':
        if (r.kind !== 'string' || !ft.values.includes(r.value)) {
          this.error('bad-value', `'${a.name}' must be one of ${ft.values.join(', ')} (got '${text}')`, span, r.kind === 'string' ? didYouMean(r.value, ft.values) : undefined);
          return null;
        }
        return { value: r.value };
      case 'count':
        if (r.kind !== 'number') {
          this.error('bad-value', `'${a.name}' must be a whole number (got '${text}')`, span);
          return null;
        }
        if (r.dim !== undefined) {
          this.error('unexpected-unit', `'${a.name}' is a count and takes no unit (got '${text}')`, span, `write \`${a.name} = ${this.src(exprSpan(a.value)).trim()}\``);
          return null;
        }
        if (r.value <= 0) {
          this.error('nonpositive-value', `'${a.name}' must be greater than zero (got ${text})`, span);
          return null;
        }
        if (!Number.isInteger(r.value)) {
          this.error('not-integer', `'${a.name}' must be a whole number (got ${text})`, span);
          return null;
        }
        if (r.value > MAX_COUNT) {
          this.error('too-large', `'${a.name}' is ${text}; a count must be at most ${MAX_COUNT.toLocaleString('en-US')}`, span);
          return null;
        }
        return { value: r.value };
      case 'quantity': {
        const want = ft.dims.map((d) => DIMENSION_WORDS[d]).join(', or ');
        if (r.kind !== 'number') {
          this.error('bad-value', `'${a.name}' expects ${want} (got '${text}')`, span);
          return null;
        }
        if (r.dim === undefined) {
          const example = BASE_UNIT[ft.dims[0] as Exclude<Dimension, 'energyPerAccess'>];
          this.error('missing-unit', `'${a.name}' needs a unit: ${want}`, span, `write the unit after the number, e.g. \`${a.name} = ${text} ${example}\``);
          return null;
        }
        if (!ft.dims.includes(r.dim)) {
          this.error('wrong-unit', `'${a.name}' expects ${want}, but '${text}' is ${DIM_NAME[r.dim]}`, span);
          return null;
        }
        let value = r.value;
        if (ft.min === 'positive' && value <= 0) {
          this.error('nonpositive-value', `'${a.name}' must be greater than zero (got ${text})`, span);
          return null;
        }
        if (ft.min === 'nonnegative' && value < 0) {
          this.error('negative-value', `'${a.name}' must not be negative (got ${text})`, span);
          return null;
        }
        if (r.dim === 'time') {
          // A latency written as a time becomes whole cycles of the target clock, rounded up.
          if (this.clockHz === undefined) return null;
          value = Math.ceil(value * this.clockHz - 1e-9);
          return { value, dim: 'cycles' };
        }
        if (ft.integer === 'bits' && !Number.isInteger(value * 8)) {
          this.error('not-integer', `'${a.name}' must be a whole number of bits (got ${text})`, span);
          return null;
        }
        if (ft.integer !== undefined && value > Number.MAX_SAFE_INTEGER) {
          this.error('too-large', `'${a.name}' is ${text}, beyond exact whole numbers (2^53)`, span);
          return null;
        }
        if (ft.integer === 'base' && !Number.isInteger(value)) {
          this.error('not-integer', `'${a.name}' must be a whole number of ${BASE_UNIT[r.dim as Exclude<Dimension, 'energyPerAccess'>] === 'B' ? 'bytes' : 'cycles'} (got ${text})`, span);
          return null;
        }
        return { value, dim: r.dim };
      }
    }
  }

  // ---------------------------------------------------------------- units

  private buildMemory(u: RawUnit): MemorySpec {
    const known = (MEMORY_KINDS as readonly string[]).includes(u.kind);
    if (!known) this.error('unknown-kind', `unknown memory kind '${u.kind}'`, u.kindSpan, [didYouMean(u.kind, MEMORY_KINDS), `memory kinds are ${MEMORY_KINDS.join(', ')}`].filter(Boolean).join(' '));
    const m: MemorySpec = { name: u.name, kind: u.kind as MemoryKind, attrs: record(), loc: this.loc(u.nameSpan) };
    const attrUnits: Record<string, string> = record();
    const f = this.applyBlock(u.items, MEMORY_FIELDS, `memory '${u.name}'`, 'memory', m.attrs, attrUnits);
    if (!isEmpty(attrUnits)) m.attrUnits = attrUnits;
    const num = (k: string) => f.get(k)?.value as number | undefined;
    if (f.has('capacity')) m.capacityBytes = num('capacity');
    if (f.has('instances')) m.instances = num('instances');
    if (f.has('banks')) m.banks = num('banks');
    if (f.has('width')) m.widthBits = num('width')! * 8;
    if (f.has('bandwidth')) m.bandwidthBytesPerSecond = num('bandwidth');
    if (f.has('latency')) m.latencyCycles = num('latency');
    for (const [field, keys] of [
      ['energy', ['readEnergyPjPerByte', 'writeEnergyPjPerByte']],
      ['read_energy', ['readEnergyPjPerByte']],
      ['write_energy', ['writeEnergyPjPerByte']],
    ] as const) {
      const e = f.get(field);
      if (!e) continue;
      let pjPerByte = e.value as number;
      if (e.dim === 'energyPerAccess') {
        if (m.widthBits === undefined) {
          this.error('needs-width', `'${field}' is per access, so memory '${u.name}' needs a width`, e.a.value.span, 'add `width = ...` (bits per access), or write the energy per byte (pJ/B)');
          continue;
        }
        pjPerByte = pjPerByte / (m.widthBits / 8);
      }
      // `energy` comes first in this loop, so read_energy / write_energy refine it.
      for (const k of keys) m[k] = pjPerByte;
    }
    if (known && NEEDS_CAPACITY.includes(m.kind) && m.capacityBytes === undefined && !hasAttempt(u, 'capacity'))
      this.error('missing-capacity', `${m.kind} memory '${u.name}' needs a capacity`, u.nameSpan, 'add `capacity = ...`, e.g. `capacity = 64 KiB`');
    if (known && NEEDS_BANDWIDTH.includes(m.kind) && m.bandwidthBytesPerSecond === undefined && !hasAttempt(u, 'bandwidth'))
      this.error('missing-bandwidth', `${m.kind} memory '${u.name}' needs a bandwidth`, u.nameSpan, 'add `bandwidth = ...`, e.g. `bandwidth = 25.6 GB/s`');
    return m;
  }

  private buildCompute(u: RawUnit): ComputeSpec {
    const known = (COMPUTE_KINDS as readonly string[]).includes(u.kind);
    if (!known) this.error('unknown-kind', `unknown compute kind '${u.kind}'`, u.kindSpan, [didYouMean(u.kind, COMPUTE_KINDS), `compute kinds are ${COMPUTE_KINDS.join(', ')}`].filter(Boolean).join(' '));
    const c: ComputeSpec = { name: u.name, kind: u.kind as ComputeKind, ops: [], attrs: record(), loc: this.loc(u.nameSpan) };
    const attrUnits: Record<string, string> = record();
    const kindCheck = (name: string, a: RawAssign): boolean => {
      const kinds = COMPUTE_FIELD_KINDS[name];
      if (!known || !kinds || kinds.includes(c.kind)) return true;
      this.error('field-not-applicable', `'${name}' applies only to ${kinds.join(', ')} compute units, not ${c.kind}`, a.nameSpan);
      return false;
    };
    const f = this.applyBlock(u.items, COMPUTE_FIELDS, `compute '${u.name}'`, 'compute', c.attrs, attrUnits, kindCheck);
    if (!isEmpty(attrUnits)) c.attrUnits = attrUnits;
    const num = (k: string) => f.get(k)?.value as number | undefined;
    if (f.has('rows')) c.rows = num('rows');
    if (f.has('cols')) c.cols = num('cols');
    if (f.has('lanes')) c.lanes = num('lanes');
    if (f.has('count')) c.count = num('count');
    if (f.has('regs')) c.regs = num('regs');
    if (f.has('dataflow')) c.dataflow = f.get('dataflow')!.value as 'os' | 'ws' | 'is';
    if (f.has('ops')) c.ops = f.get('ops')!.value as string[];
    if (f.has('mac_energy')) c.macEnergyPj = num('mac_energy');
    if (known) {
      const missing = REQUIRED_COMPUTE_FIELDS[c.kind].filter((k) => !hasAttempt(u, k));
      if (missing.length)
        this.error('missing-field', `${c.kind} compute '${u.name}' needs ${missing.map((k) => `'${k}'`).join(' and ')}`, u.nameSpan, `add ${missing.map((k) => `\`${k} = ...\``).join(' and ')}`);
    }
    return c;
  }

  // ---------------------------------------------------------------- links

  private buildLinks(t: RawTarget, declared: Map<string, Span>): LinkSpec[] {
    const links: LinkSpec[] = [];
    for (const l of t.links) {
      let ok = true;
      for (const hop of l.hops)
        for (const n of hop)
          if (!declared.has(n.name)) {
            ok = false;
            this.error('undeclared-unit', `link to undeclared unit '${n.name}'`, n.span, didYouMean(n.name, declared.keys()) ?? `declare it with \`memory ${n.name} : ...\` or \`compute ${n.name} : ...\``);
          }
      const dummy: Record<string, AttrValue> = {};
      const f = this.applyBlock(l.items, LINK_FIELDS, 'link', 'link', dummy, {});
      for (const k of Object.keys(dummy)) this.error('unknown-attribute', `links take no attributes ('${k}')`, l.items.find((a) => a.name === k)!.nameSpan, 'a link has only `bandwidth`');
      if (!ok) continue;
      for (let i = 0; i + 1 < l.hops.length; i++)
        for (const from of l.hops[i]) {
          const link: LinkSpec = { from: from.name, to: l.hops[i + 1].map((n) => n.name), loc: this.loc(l.span) };
          if (f.has('bandwidth')) link.bandwidthBytesPerSecond = f.get('bandwidth')!.value as number;
          links.push(link);
        }
    }
    return links;
  }

  private checkConnected(t: RawTarget, spec: TargetSpec): void {
    if (t.units.length < 2) return;
    const connected = new Set<string>();
    for (const l of t.links) for (const hop of l.hops) for (const n of hop) connected.add(n.name);
    const outer = spec.memories[0]?.name;
    for (const u of t.units)
      if (!connected.has(u.name)) {
        const example = outer && outer !== u.name ? `\`link ${outer} -> ${u.name}\`` : `\`link ${u.name} -> ...\``;
        this.error('unconnected-unit', `${u.section} '${u.name}' is not connected to any other unit`, u.nameSpan, `add it to a link, e.g. ${example}`);
      }
  }
}

function toAttrValue(r: Resolved): AttrValue {
  return r.kind === 'list' ? [...r.items] : r.value;
}

function isEmpty(o: object): boolean {
  return Object.keys(o).length === 0;
}

/**
 * True when the unit wrote `field` at all, even wrongly or misspelt (`colums` for `cols`), so a
 * missing-field error would only repeat one already reported.
 */
function hasAttempt(u: RawUnit, field: string): boolean {
  const fields = Object.keys(u.section === 'memory' ? MEMORY_FIELDS : COMPUTE_FIELDS);
  return u.items.some((a) => !a.isAttr && (a.name === field || (!fields.includes(a.name) && closest(a.name, fields) === field)));
}

function exprSpan(v: RawValue): Span {
  if (v.kind === 'quantity' && v.unit) return { start: v.span.start, end: v.unit.span.start };
  return v.span;
}
