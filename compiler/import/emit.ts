// Writing a cascade (.ein text) for an ONNX graph. Every tensor dimension is over a rank; an einsum's
// loop variables are ranks, so a tensor read through a variable of another rank of the same size is
// read at `v + u`, where U is a rank of size 1 (its sum is the one term): the language checks that
// index by its bounds, and the value is the same. Ranks are shared where that is free: a weight is
// declared over the ranks of its first use, and a new dimension reuses a rank of its size that the
// einsum does not already use, so a residual add reads both operands directly.
import type { DType } from '../ir';

export interface ETensor {
  /** its name in the cascade */
  name: string;
  shape: number[];
  dtype: DType;
  kind: 'input' | 'weight' | 'computed';
  /** the rank of each dimension; undefined for an input or weight not yet used */
  ranks?: string[];
  /** an initializer's or Constant's values */
  values?: Float64Array;
}

/** One index of a read or write: a loop variable of a rank, an affine expression over some, or a constant. */
export type Ix = { v: string } | { expr: string; rank?: string; vars: string[] } | { c: number };

const RESERVED = new Set(['rank', 'input', 'weight', 'kvcache', 'init', 'output', 'inf', 'sum', 'max', 'min', 'prod', 'exp', 'log', 'sqrt', 'tanh', 'erf', 'abs', 'neg', 'select']);

export class Emitter {
  private readonly ranks: { name: string; size: number }[] = [];
  private readonly partitions: string[] = [];
  readonly decls: string[] = [];
  readonly body: string[] = [];
  private readonly names = new Set<string>();
  private used = new Set<string>();
  private counter = 0;

  /** A fresh rank of `size`. */
  newRank(size: number): string {
    const name = `R${this.counter++}`;
    this.ranks.push({ name, size });
    return name;
  }

  /** A rank of `size` not in `avoid`: an existing one where there is one, else a new one. */
  rankFor(size: number, avoid: Iterable<string> = []): string {
    const no = new Set(avoid);
    return this.ranks.find((r) => r.size === size && r.name !== 'U' && !no.has(r.name))?.name ?? this.newRank(size);
  }

  sizeOf(rank: string): number {
    const s = this.ranks.find((r) => r.name === rank)?.size ?? this.partSizes.get(rank);
    if (s === undefined) throw new Error(`internal: no rank ${rank}`);
    return s;
  }

  private readonly partSizes = new Map<string, number>();

  private unit(): string {
    if (!this.ranks.some((r) => r.name === 'U')) this.ranks.push({ name: 'U', size: 1 });
    return 'u';
  }

  /** `rank BASE -> parts` with inner sizes; returns the part rank names, outer first. */
  partition(base: string, inner: number[]): string[] {
    const parts = [this.newPartName(), ...inner.map(() => this.newPartName())];
    const innerSize = inner.reduce((a, b) => a * b, 1);
    [Math.ceil(this.sizeOf(base) / innerSize), ...inner].forEach((size, k) => this.partSizes.set(parts[k]!, size));
    this.partitions.push(`rank ${base} -> ${parts[0]}, ${parts.slice(1).map((p, k) => `${p} = ${inner[k]}`).join(', ')}`);
    return parts;
  }

  private newPartName(): string {
    return `P${this.counter++}`;
  }

  /** A cascade name for an ONNX value name: letters, digits and _, unique, not a keyword. */
  tensorName(onnx: string): string {
    let base = onnx.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+/, '') || 'T';
    if (/^[0-9]/.test(base)) base = `T${base}`;
    if (RESERVED.has(base)) base = `T_${base}`;
    let name = base;
    for (let k = 2; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  /** Declares an input or weight over `ranks` at its first use. */
  declare(t: ETensor, ranks: string[]): void {
    if (t.kind === 'computed' || t.ranks) return;
    t.ranks = ranks;
    this.decls.push(`${t.kind} ${t.name}[${ranks.join(', ')}]: ${t.dtype}`);
  }

  /** The text of index `ix` into dimension `k` of `t`: direct when the ranks agree, else cast through U. */
  index(t: ETensor, k: number, ix: Ix): string {
    if ('c' in ix) return String(ix.c);
    const rank = 'v' in ix ? ix.v : ix.rank;
    const text = 'v' in ix ? ix.v.toLowerCase() : ix.expr;
    for (const v of 'v' in ix ? [ix.v.toLowerCase()] : ix.vars) this.used.add(v);
    if (rank === undefined || rank === t.ranks![k]) return text; // an expression over several ranks is checked by its bounds
    this.used.add(this.unit());
    return `${text} + u`;
  }

  /** `T[...]` read at `ixs` (declaring an unused input or weight over the variables' ranks). */
  read(t: ETensor, ixs: Ix[]): string {
    if (ixs.length !== t.shape.length) throw new Error(`internal: ${t.name} has ${t.shape.length} dimensions, read with ${ixs.length}`);
    if (!t.ranks) this.declare(t, ixs.map((ix, k) => ('v' in ix ? ix.v : 'rank' in ix && ix.rank ? ix.rank : this.rankFor(t.shape[k]!))));
    return `${t.name}[${ixs.map((ix, k) => this.index(t, k, ix)).join(', ')}]`;
  }

  /**
   * `OUT[lhs] = rhs`, reducing every variable the right side uses and the left does not (with `reduce`,
   * or the default sum). `lhs` are ranks (the output's dimensions) or recompositions over partitions.
   */
  def(out: ETensor, lhs: (string | { expr: string; rank: string })[], rhs: string, o: { reduce?: 'max'; dtype?: DType } = {}): void {
    out.ranks = lhs.map((l) => (typeof l === 'string' ? l : l.rank));
    const left = lhs.map((l) => (typeof l === 'string' ? l.toLowerCase() : l.expr));
    const lhsVars = new Set(lhs.flatMap((l) => (typeof l === 'string' ? [l.toLowerCase()] : l.expr.match(/[a-z]\w*/g) ?? [])));
    const reduced = [...this.used].filter((v) => !lhsVars.has(v));
    const spec = o.reduce ? `${o.reduce}(${reduced.join(', ')}) ` : '';
    this.body.push(`${out.name}[${left.join(', ')}]${o.dtype ? `: ${o.dtype}` : ''} = ${spec}${rhs}`);
    this.used = new Set();
  }

  /** Marks loop variables that appear in the right side without a tensor read (masks, one-hot tests). */
  useVars(...ranks: string[]): void {
    for (const r of ranks) this.used.add(r.toLowerCase());
  }

  text(header: string[], outputs: string[]): string {
    const rankLine = this.ranks.length ? [`rank ${this.ranks.map((r) => `${r.name} = ${r.size}`).join(', ')}`] : [];
    return [...header.map((h) => `# ${h}`), ...rankLine, ...this.partitions, ...this.decls, ...this.body, `output ${outputs.join(', ')}`, ''].join('\n');
  }
}

/** A number as cascade text (negative numbers in parentheses). */
export function lit(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '(-inf)';
  const s = String(x);
  return x < 0 || Object.is(x, -0) ? `(${s})` : s;
}
