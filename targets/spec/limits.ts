// Limits checked on the raw text before the grammar runs, so that a few bytes cannot overflow the
// parser's stack or its memory: the grammar is recursive (parentheses, unary minus), and ohm keeps a
// memo table per input position. A real .arch is a few kilobytes with expressions a few levels deep.

/** Deepest expression nesting accepted: parentheses plus consecutive unary minus signs. */
export const MAX_EXPR_DEPTH = 100;
/** Largest .arch text accepted (bytes of UTF-16 code units). */
export const MAX_ARCH_CHARS = 1 << 18;

export interface LimitViolation {
  pos: number;
  message: string;
  hint?: string;
}

/** The first place the text breaks a limit, or undefined. Linear in the text; skips comments and strings. */
export function checkArchLimits(text: string): LimitViolation | undefined {
  if (text.length > MAX_ARCH_CHARS)
    return { pos: MAX_ARCH_CHARS, message: `this .arch text has ${text.length.toLocaleString('en-US')} characters; at most ${MAX_ARCH_CHARS.toLocaleString('en-US')} are allowed`, hint: 'a target description is a few kilobytes; is this the right file?' };
  let depth = 0;
  let minus = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"' && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === '-') minus++;
    else if (ch !== ' ' && ch !== '\t' && ch !== '(') minus = 0;
    if (depth + minus > MAX_EXPR_DEPTH)
      return { pos: i, message: `expression nested more than ${MAX_EXPR_DEPTH} levels deep (parentheses and signs)`, hint: 'simplify the expression' };
  }
  return undefined;
}
