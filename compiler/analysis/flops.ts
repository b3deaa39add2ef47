// Operation counts of an einsum: its map expression at every visited point, plus the reduction
// (n terms reduced into one output cost n - 1 operations of the reduce kind).
import { reducedVars, someExpr, walkExpr, type Cascade, type Einsum, type Expr, type ReduceOp } from '../ir';
import { pointCounts } from './points';

export const OP_KINDS = ['mul', 'add', 'sub', 'div', 'max', 'min', 'exp', 'log', 'sqrt', 'tanh', 'erf', 'abs', 'neg', 'cmp', 'select'] as const;
export type OpKind = (typeof OP_KINDS)[number];
export type OpCounts = Partial<Record<OpKind, number>>;

const BINARY_KIND = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', max: 'max', min: 'min' } as const;
const REDUCE_KIND: Record<ReduceOp, OpKind> = { sum: 'add', prod: 'mul', max: 'max', min: 'min' };

/** Whether an expression depends on a tensor or an index (constant subexpressions are folded, so free). */
function varies(x: Expr): boolean {
  return someExpr(x, (n) => n.kind === 'access' || n.kind === 'ivar');
}

/** The operation a node performs; none for a leaf. */
function opKind(x: Expr): OpKind | undefined {
  switch (x.kind) {
    case 'unary':
      return x.op;
    case 'binary':
      return BINARY_KIND[x.op];
    case 'cmp':
    case 'select':
      return x.kind;
    default:
      return undefined;
  }
}

/** Operations of one evaluation of the map expression. */
export function exprOps(x: Expr, out: OpCounts = {}): OpCounts {
  walkExpr(x, (n) => {
    if (!varies(n)) return false;
    const k = opKind(n);
    if (k) out[k] = (out[k] ?? 0) + 1;
  });
  return out;
}

export interface EinsumOps {
  points: number;
  outputPoints: number;
  ops: OpCounts;
  flops: number;
  /** multiply-accumulates: the points of a sum-reduction whose map is a product (a GEMM has M·N·K) */
  macs: number;
}

export function einsumOps(c: Cascade, e: Einsum): EinsumOps {
  const { points, outputPoints } = pointCounts(c, e);
  const per = exprOps(e.expr);
  const ops: OpCounts = {};
  for (const [k, n] of Object.entries(per) as [OpKind, number][]) ops[k] = n * points;
  const reduces = reducedVars(e).length > 0;
  if (reduces && points > outputPoints) {
    const k = REDUCE_KIND[e.reduce];
    ops[k] = (ops[k] ?? 0) + points - outputPoints;
  }
  const flops = Object.values(ops).reduce((s, n) => s + (n ?? 0), 0);
  const isProduct = e.expr.kind === 'binary' && e.expr.op === '*' && varies(e.expr.a) && varies(e.expr.b);
  return { points, outputPoints, ops, flops, macs: reduces && e.reduce === 'sum' && isProduct ? points : 0 };
}
