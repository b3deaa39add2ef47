// Small constructors for building CascadeSource objects in code, so graph builders read like .ein text:
//   b.einsum(acc('QK', ['b', 'h', 'm', 's']), mul(acc('Q', ['b', 's', 'h', 'e']), acc('K', ['b', 'm', 'h', 'e'])))
import { finalize } from '../ir';
import type { Access, BinaryOp, Cascade, CascadeSource, CmpOp, DType, Einsum, Expr, IndexExpr, ReduceOp, Role, UnaryOp } from '../ir';

/** An index: a variable name ('m'), an integer, or a ready-made IndexExpr. */
export type Idx = string | number | IndexExpr;

export function idx(i: Idx): IndexExpr {
  if (typeof i === 'number') return { kind: 'int', value: i };
  if (typeof i === 'string') return /^[A-Z]/.test(i) ? { kind: 'rsize', rank: i } : { kind: 'ivar', name: i };
  return i;
}

/** m1*M0 + m0: the recomposed coordinate of a two-part partition. */
export function recompose(outer: string, inner: string): IndexExpr {
  return {
    kind: 'ibin',
    op: '+',
    a: { kind: 'ibin', op: '*', a: { kind: 'ivar', name: outer.toLowerCase() }, b: { kind: 'rsize', rank: inner } },
    b: { kind: 'ivar', name: inner.toLowerCase() },
  };
}

/** m1 + k (k may be negative): the index of a recurrence step. */
export function shift(v: string, k: number): IndexExpr {
  return { kind: 'ibin', op: k >= 0 ? '+' : '-', a: { kind: 'ivar', name: v }, b: { kind: 'int', value: Math.abs(k) } };
}

/** tensor[indices] used as an index: a gather (`WTE[TOK[b, s], d]` reads the rows TOK names). */
export function gather(tensor: string, indices: Idx[]): IndexExpr {
  return { kind: 'gather', access: access(tensor, indices) };
}

export function access(tensor: string, indices: Idx[]): Access {
  return { tensor, indices: indices.map(idx) };
}

/** A read of tensor[indices] as an expression. */
export function acc(tensor: string, indices: Idx[]): Expr {
  return { kind: 'access', access: access(tensor, indices) };
}

export const num = (value: number): Expr => ({ kind: 'num', value });
export const ivar = (name: string): Expr => ({ kind: 'ivar', name });
export const rsize = (rank: string): Expr => ({ kind: 'rsize', rank });

const bin =
  (op: BinaryOp) =>
  (a: Expr, b: Expr): Expr => ({ kind: 'binary', op, a, b });
export const add = bin('+');
export const sub = bin('-');
export const mul = bin('*');
export const div = bin('/');
export const max2 = bin('max');
export const min2 = bin('min');

const un =
  (op: UnaryOp) =>
  (arg: Expr): Expr => ({ kind: 'unary', op, arg });
export const exp = un('exp');
export const log = un('log');
export const sqrt = un('sqrt');
export const tanh = un('tanh');
export const erf = un('erf');
export const neg = un('neg');

export function cmp(op: CmpOp, a: Expr, b: Expr): Expr {
  return { kind: 'cmp', op, a, b };
}
export function select(cond: Expr, a: Expr, b: Expr): Expr {
  return { kind: 'select', cond, a, b };
}

/** Products and sums of several terms, left-associated: muls(a, b, c) = (a*b)*c. */
export function muls(...xs: Expr[]): Expr {
  return xs.reduce((p, x) => mul(p, x));
}
export function adds(...xs: Expr[]): Expr {
  return xs.reduce((p, x) => add(p, x));
}

export interface EinsumOpts {
  reduce?: ReduceOp;
  init?: boolean;
  dtype?: DType;
}

export function einsum(out: Access, expr: Expr, o: EinsumOpts = {}): Einsum {
  const e: Einsum = { output: out, reduce: o.reduce ?? 'sum', expr, init: o.init ?? false };
  if (o.dtype) e.dtype = o.dtype;
  return e;
}

/**
 * Accumulates ranks, declared tensors, einsums and outputs, then validates with `finalize`.
 * Builders are code, not user input, so a validation failure is a bug and throws.
 */
export class GraphBuilder {
  readonly src: CascadeSource = { ranks: [], partitions: [], declared: [], einsums: [], outputs: [] };
  /** names already declared or output: a set, so building is linear in the model's size */
  private readonly declaredNames = new Set<string>();
  private readonly outputNames = new Set<string>();

  rank(name: string, size: number): this {
    const have = this.src.ranks.find((r) => r.name === name);
    if (have) {
      if (have.size !== size) throw new Error(`graph builder: rank ${name} declared with sizes ${have.size} and ${size}`);
      return this;
    }
    this.src.ranks.push({ name, size });
    return this;
  }

  /** `rank name = of`: a distinct rank (its own index variable) with the extent of `of`, which may index `of`'s dimensions. */
  alias(name: string, of: string): this {
    const target = this.src.ranks.find((r) => r.name === of);
    if (!target) throw new Error(`graph builder: rank ${name} aliases ${of}, which is not declared`);
    const have = this.src.ranks.find((r) => r.name === name);
    if (have) {
      if (have.aliasOf !== of) throw new Error(`graph builder: rank ${name} declared twice`);
      return this;
    }
    this.src.ranks.push({ name, size: target.size, aliasOf: of });
    return this;
  }

  partition(parent: string, parts: string[], innerSizes: number[]): this {
    if (this.src.partitions.some((p) => p.parent === parent)) return this;
    this.src.partitions.push({ parent, parts, innerSizes });
    return this;
  }

  declare(role: Extract<Role, 'input' | 'weight' | 'kvcache'>, name: string, ranks: string[], dtype: DType): this {
    if (this.declaredNames.has(name)) throw new Error(`graph builder: tensor ${name} declared twice`);
    this.declaredNames.add(name);
    this.src.declared.push({ name, role, dtype, dims: ranks.map((rank) => ({ rank, extent: 0 })) });
    return this;
  }

  /** Whether a tensor of this name was declared (input, weight or KV cache). */
  isDeclared(name: string): boolean {
    return this.declaredNames.has(name);
  }

  /** Appends `out[indices] = expr`; returns the output name for chaining. */
  def(out: string, indices: Idx[], expr: Expr, o: EinsumOpts = {}): string {
    this.src.einsums.push(einsum(access(out, indices), expr, o));
    return out;
  }

  output(...names: string[]): this {
    for (const name of names)
      if (!this.outputNames.has(name)) {
        this.outputNames.add(name);
        this.src.outputs.push({ name });
      }
    return this;
  }

  build(name?: string): Cascade {
    if (name !== undefined) this.src.name = name;
    const r = finalize(this.src);
    // A builder is code, not user input: an invalid cascade is a bug (exit code 2), not a user error.
    if (!r.cascade) throw new Error(`graph builder produced an invalid cascade:\n${r.diagnostics.map((d) => `  ${d.code}: ${d.message}`).join('\n')}`);
    return r.cascade;
  }
}
