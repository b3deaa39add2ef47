// The fixed vocabulary of the language (functions, reduce operators, dtypes) and "did you mean" hints.
import { DTYPES, REDUCE_OPS, UNARY_OPS, type DType, type ReduceOp, type UnaryOp } from '../ir';

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

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** The closest candidate within a small edit distance, or undefined. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(1, Math.min(2, Math.floor(word.length / 3)));
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d <= bestD && (best === undefined || d < bestD)) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
