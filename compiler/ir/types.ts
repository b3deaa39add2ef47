// The einsum-cascade IR. Every stage of Tessera consumes or produces these types.
// Source locations are carried for diagnostics but are not part of a cascade's identity:
// `cascadesEqual` (equal.ts) ignores them, so parse(print(c)) equals c.

export const DTYPES = ['fp32', 'bf16', 'fp16', 'fp8e4m3', 'fp8e5m2', 'int32', 'int8', 'int4',
  // low-bit types (compiler/quant: exact formats; OCP MX FP6/FP4 with every code finite)
  'fp6e2m3', 'fp6e3m2', 'fp4e2m1', 'int7', 'int6', 'int5', 'int3', 'int2', 'int1', 'uint8', 'uint7', 'uint6', 'uint5', 'uint4', 'uint3', 'uint2', 'uint1'] as const;
export type DType = (typeof DTYPES)[number];

export const ROLES = ['input', 'weight', 'kvcache', 'intermediate', 'output'] as const;
export type Role = (typeof ROLES)[number];
/** Roles a tensor can be declared with in text (`input X[..]: bf16`); the rest are inferred. */
export const DECLARED_ROLES = ['input', 'weight', 'kvcache'] as const;
export type DeclaredRole = (typeof DECLARED_ROLES)[number];

/** 1-based line and column of the first character; `length` is the span to underline. */
export interface SourceLoc {
  line: number;
  col: number;
  length?: number;
}

export interface Rank {
  /** Starts with an upper-case letter; its index variable is `name.toLowerCase()`. */
  name: string;
  /** Number of index values. For the outer part of a partition it is derived: ceil(parent / inner sizes). */
  size: number;
  /** Set on the parts created by a partition (`rank M -> M1, M0 = 256`). */
  partOf?: string;
  /**
   * `rank M = S`: M is an alias of S. It has S's size and its own index variable, and it may index a
   * dimension over S (key positions reading the activations that query positions wrote). Its size is S's.
   */
  aliasOf?: string;
  loc?: SourceLoc;
}

/**
 * `rank M -> M1, M0 = 256` splits M into parts, outer to inner. Inner part sizes are given,
 * the outer one is ceil(M / product(inner)). Coordinates recompose as m = m1*M0 + m0.
 * When M0 does not divide M the last tile is ragged: an einsum iterating over every part of a
 * partition only visits points whose recomposed coordinate is < M.
 */
export interface Partition {
  parent: string;
  parts: string[];
  loc?: SourceLoc;
}

export type IndexBinOp = '+' | '-' | '*';
/** Index arithmetic inside `[...]`: index variables, integer literals, rank sizes, + - *. */
export type IndexExpr =
  | { kind: 'ivar'; name: string; loc?: SourceLoc }
  | { kind: 'int'; value: number; loc?: SourceLoc }
  | { kind: 'rsize'; rank: string; loc?: SourceLoc }
  | { kind: 'ibin'; op: IndexBinOp; a: IndexExpr; b: IndexExpr; loc?: SourceLoc }
  /**
   * A gather: the index is the value of an integer tensor at a point (`WTE[TOK[b, s], d]` selects the rows
   * TOK names; on the left, `KC[b, POS[b], e] = ...` writes the rows POS names: an indexed write).
   * Not affine: bounds are checked when the interpreter runs (docs/LANGUAGE.md, "Gathers").
   */
  | { kind: 'gather'; access: Access; loc?: SourceLoc };

export interface Access {
  tensor: string;
  indices: IndexExpr[];
  loc?: SourceLoc;
}

export const UNARY_OPS = ['neg', 'exp', 'log', 'sqrt', 'tanh', 'erf', 'abs'] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];
export const BINARY_OPS = ['+', '-', '*', '/', 'max', 'min'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];
export const CMP_OPS = ['<', '<=', '>', '>=', '==', '!='] as const;
export type CmpOp = (typeof CMP_OPS)[number];
export const REDUCE_OPS = ['sum', 'max', 'min', 'prod'] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

/** The map expression of an einsum, evaluated at every point of its iteration space. */
export type Expr =
  | { kind: 'num'; value: number; loc?: SourceLoc } // may be ±Infinity
  | { kind: 'access'; access: Access; loc?: SourceLoc }
  | { kind: 'ivar'; name: string; loc?: SourceLoc } // an index value, for masks: m <= p
  | { kind: 'rsize'; rank: string; loc?: SourceLoc } // a rank's size as a number: sqrt(E)
  | { kind: 'unary'; op: UnaryOp; arg: Expr; loc?: SourceLoc }
  | { kind: 'binary'; op: BinaryOp; a: Expr; b: Expr; loc?: SourceLoc }
  | { kind: 'cmp'; op: CmpOp; a: Expr; b: Expr; loc?: SourceLoc } // 1 or 0
  | { kind: 'select'; cond: Expr; a: Expr; b: Expr; loc?: SourceLoc }; // cond != 0 ? a : b

export interface Einsum {
  /** The tensor written; index expressions on the left name the output coordinates. */
  output: Access;
  /**
   * Applied over every index variable that appears on the right but not on the left.
   * `sum` is the default and the printer leaves it implicit.
   */
  reduce: ReduceOp;
  expr: Expr;
  /** `init RM[0, p] = -inf`: seeds an iterative tensor before its recurrence runs. */
  init: boolean;
  /** Explicit `X[m]: fp32 = ...` annotation; otherwise the output dtype is inferred. */
  dtype?: DType;
  loc?: SourceLoc;
}

export interface TensorDim {
  rank: string;
  /** Number of slots. Equals the rank size except for iterative dims (`RM[m1+1, p]`: size + 1). */
  extent: number;
}

/**
 * N:M structured sparsity of a weight (`weight W[K, N]: int4 sparse(8:16, K)`): along `rank`, of every M
 * consecutive elements at most N are nonzero (a last partial group of r < M elements keeps min(N, r)).
 * The rank must be contracted by the einsums that read the tensor (ir/sparsity.ts has the rules).
 */
export interface NMSparsity {
  n: number;
  m: number;
  rank: string;
  loc?: SourceLoc;
}

export interface Tensor {
  name: string;
  role: Role;
  dtype: DType;
  dims: TensorDim[];
  /** a pruned weight: N of every M along a contracted rank (absent: dense) */
  sparsity?: NMSparsity;
  loc?: SourceLoc;
}

/** Input to `finalize`: what the text (or a graph builder) states; tensors of intermediates are inferred. */
export interface CascadeSource {
  file?: string;
  ranks: Rank[]; // base ranks only (no partOf); partition parts are created by finalize
  partitions: { parent: string; parts: string[]; innerSizes: number[]; loc?: SourceLoc }[];
  declared: Tensor[]; // role input | weight | kvcache
  einsums: Einsum[]; // program order
  outputs: { name: string; loc?: SourceLoc }[];
  /** Free-text name for reports, e.g. "llama-2-7b prefill b1 s2048". */
  name?: string;
}

/** A validated cascade: every tensor resolved, every einsum well-formed, program order is a valid order. */
export interface Cascade {
  file?: string;
  name?: string;
  ranks: Rank[]; // base ranks then partition parts, in declaration order
  partitions: Partition[];
  tensors: Tensor[]; // declared tensors, then intermediates in order of first definition
  einsums: Einsum[];
  outputs: string[];
}
