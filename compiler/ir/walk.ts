// The traversals of the Expr tree, in one place: the only code outside the printers, the equality test and
// the code generators that needs to know which operands each node kind has.
import type { Expr } from './types';

/**
 * Calls `f` on `e` and on every sub-expression, parents first, operands in source order.
 * When `f` returns `false` the operands of that node are skipped (its siblings are still visited).
 */
export function walkExpr(e: Expr, f: (x: Expr) => boolean | void): void {
  if (f(e) === false) return;
  switch (e.kind) {
    case 'unary':
      walkExpr(e.arg, f);
      break;
    case 'binary':
    case 'cmp':
      walkExpr(e.a, f);
      walkExpr(e.b, f);
      break;
    case 'select':
      walkExpr(e.cond, f);
      walkExpr(e.a, f);
      walkExpr(e.b, f);
      break;
  }
}

/** The first node in `walkExpr` order for which `pred` holds; the search stops there. */
export function findExpr(e: Expr, pred: (x: Expr) => boolean): Expr | undefined {
  if (pred(e)) return e;
  switch (e.kind) {
    case 'unary':
      return findExpr(e.arg, pred);
    case 'binary':
    case 'cmp':
      return findExpr(e.a, pred) ?? findExpr(e.b, pred);
    case 'select':
      return findExpr(e.cond, pred) ?? findExpr(e.a, pred) ?? findExpr(e.b, pred);
    default:
      return undefined;
  }
}

/** Whether any node of `e` (itself included) satisfies `pred`. */
export function someExpr(e: Expr, pred: (x: Expr) => boolean): boolean {
  return findExpr(e, pred) !== undefined;
}

/**
 * A new tree: `f` is called on each node, parents first, operands in source order. A node it returns replaces
 * that node (whose operands are then not visited); on `undefined` a leaf is kept as it is and an operator node
 * is rebuilt from its mapped operands. Rebuilt nodes carry no source location: they are new code.
 */
export function mapExpr(e: Expr, f: (x: Expr) => Expr | undefined): Expr {
  const r = f(e);
  if (r !== undefined) return r;
  switch (e.kind) {
    case 'unary':
      return { kind: 'unary', op: e.op, arg: mapExpr(e.arg, f) };
    case 'binary':
      return { kind: 'binary', op: e.op, a: mapExpr(e.a, f), b: mapExpr(e.b, f) };
    case 'cmp':
      return { kind: 'cmp', op: e.op, a: mapExpr(e.a, f), b: mapExpr(e.b, f) };
    case 'select':
      return { kind: 'select', cond: mapExpr(e.cond, f), a: mapExpr(e.a, f), b: mapExpr(e.b, f) };
    default:
      return e;
  }
}
