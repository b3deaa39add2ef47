// The fixed vocabulary of the language (functions, reduce operators, dtypes) and "did you mean" hints.
import { DTYPES, REDUCE_OPS, UNARY_OPS, type DType, type ReduceOp, type UnaryOp } from '../ir';
import { closest as closestWithin } from '../ir/suggest';

/** Callable names and how many arguments each takes. `max`/`min` of two arguments are map functions. */
export const FUNCTION_ARITY: ReadonlyMap<string, number> = new Map<string, number>([
  ...UNARY_OPS.map((op) => [op, 1] as [string, number]),
  ['max', 2],
  ['min', 2],
  ['select', 3],
]);

export function isUnaryOp(name: string): name is UnaryOp {
  return (UNARY_OPS as readonly string[]).includes(name);
}

export function isReduceOp(name: string): name is ReduceOp {
  return (REDUCE_OPS as readonly string[]).includes(name);
}

export function isDType(name: string): name is DType {
  return (DTYPES as readonly string[]).includes(name);
}

/** The word that means infinity in expressions; a rank whose index variable it would be is refused. */
export const INF_WORD = 'inf';

/** The closest candidate within a small edit distance (at most 2), or undefined. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  return closestWithin(word, candidates, Math.max(1, Math.min(2, Math.floor(word.length / 3))));
}
