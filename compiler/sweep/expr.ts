// Constraints between sweep parameters: `rows * cols <= 4096`, `glb >= 64 KiB`, `dataflow != "is" || rows == cols`.
// A small recursive-descent parser to a closure. Numbers may carry an .arch unit (converted to base
// units, as parameter values are); names are the parameters; strings compare with text values.
import { UNITS } from '../../targets/spec';

export type Value = number | string | boolean;
export type Env = (name: string) => Value | undefined;
export type Compiled = { eval: (env: Env) => boolean; names: string[] };

export class ExprError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly length = 1,
  ) {
    super(message);
  }
}

type Tok = { kind: 'num' | 'name' | 'str' | 'op'; text: string; value?: number | string; at: number };

const OPS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '(', ')', '!'];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) i++;
    else if (/[0-9.]/.test(c)) {
      const m = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i))!;
      if (!m) throw new ExprError(`bad number at column ${i + 1}`, i);
      let value = Number(m[0]);
      let j = i + m[0].length;
      const u = /^\s*([A-Za-z]+(\/[A-Za-z]+)?)/.exec(src.slice(j));
      if (u && UNITS.has(u[1]!)) {
        value *= UNITS.get(u[1]!)!.factor;
        j += u[0].length;
      }
      out.push({ kind: 'num', text: src.slice(i, j), value, at: i });
      i = j;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_]\w*/.exec(src.slice(i))!;
      const w = m[0];
      const op = w === 'and' ? '&&' : w === 'or' ? '||' : w === 'not' ? '!' : undefined;
      out.push(op ? { kind: 'op', text: op, at: i } : { kind: 'name', text: w, at: i });
      i += w.length;
    } else if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ExprError(`unterminated string at column ${i + 1}`, i);
      out.push({ kind: 'str', text: src.slice(i, end + 1), value: src.slice(i + 1, end), at: i });
      i = end + 1;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (!op) throw new ExprError(`unexpected '${c}' at column ${i + 1}`, i);
      out.push({ kind: 'op', text: op, at: i });
      i += op.length;
    }
  }
  return out;
}

type Fn = (env: Env) => Value;

const num = (v: Value, what: string): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new ExprError(`${what} is the text '${v}', not a number`, 0);
};

/** Compiles a constraint; `known` lists the parameter names it may use. */
export function compileConstraint(src: string, known: readonly string[]): Compiled {
  const toks = tokenize(src);
  let p = 0;
  const names = new Set<string>();
  const peek = () => toks[p];
  const expect = (t: string) => {
    const k = toks[p];
    if (!k || k.text !== t) throw new ExprError(`expected '${t}' ${k ? `at column ${k.at + 1}, found '${k.text}'` : 'at the end'}`, k?.at ?? src.length);
    p++;
  };
  const binary = (next: () => Fn, ops: string[], apply: (op: string, a: Fn, b: Fn) => Fn) => (): Fn => {
    let a = next();
    while (peek()?.kind === 'op' && ops.includes(peek()!.text)) {
      const op = toks[p++]!.text;
      a = apply(op, a, next());
    }
    return a;
  };
  const primary = (): Fn => {
    const t = toks[p++];
    if (!t) throw new ExprError('unexpected end of the constraint', src.length);
    if (t.kind === 'num' || t.kind === 'str') {
      const v = t.value!;
      return () => v;
    }
    if (t.kind === 'name') {
      if (t.text === 'true' || t.text === 'false') return () => t.text === 'true';
      if (!known.includes(t.text)) throw new ExprError(`unknown parameter '${t.text}'; the parameters are ${known.join(', ') || '(none)'}`, t.at, t.text.length);
      names.add(t.text);
      return (env) => {
        const v = env(t.text);
        if (v === undefined) throw new ExprError(`parameter '${t.text}' has no value at this point`, t.at);
        return v;
      };
    }
    if (t.text === '(') {
      const e = or();
      expect(')');
      return e;
    }
    if (t.text === '-') {
      const a = primary();
      return (env) => -num(a(env), 'the operand of -');
    }
    if (t.text === '!') {
      const a = primary();
      return (env) => !a(env);
    }
    throw new ExprError(`unexpected '${t.text}' at column ${t.at + 1}`, t.at);
  };
  const mul = binary(primary, ['*', '/', '%'], (op, a, b) => (env) => {
    const x = num(a(env), `the left side of ${op}`);
    const y = num(b(env), `the right side of ${op}`);
    return op === '*' ? x * y : op === '/' ? x / y : x % y;
  });
  const add = binary(mul, ['+', '-'], (op, a, b) => (env) => (op === '+' ? num(a(env), 'the left side of +') + num(b(env), 'the right side of +') : num(a(env), 'the left side of -') - num(b(env), 'the right side of -')));
  const cmp = binary(add, ['==', '!=', '<', '<=', '>', '>='], (op, a, b) => (env) => {
    const x = a(env);
    const y = b(env);
    if (op === '==') return x === y;
    if (op === '!=') return x !== y;
    const [u, v] = [num(x, `the left side of ${op}`), num(y, `the right side of ${op}`)];
    return op === '<' ? u < v : op === '<=' ? u <= v : op === '>' ? u > v : u >= v;
  });
  const and = binary(cmp, ['&&'], (_op, a, b) => (env) => Boolean(a(env)) && Boolean(b(env)));
  const or = binary(and, ['||'], (_op, a, b) => (env) => Boolean(a(env)) || Boolean(b(env)));
  const root = or();
  if (p < toks.length) throw new ExprError(`unexpected '${toks[p]!.text}' at column ${toks[p]!.at + 1}`, toks[p]!.at);
  return { eval: (env) => Boolean(root(env)), names: [...names] };
}

/** A parameter value as a constraint sees it: a number with a unit in base units, else the text. */
export function valueOf(v: string | number | boolean): Value {
  if (typeof v !== 'string') return v;
  const m = /^\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]+(?:\/[A-Za-z]+)?)?\s*$/.exec(v);
  if (!m) return v;
  if (!m[2]) return Number(m[1]);
  const u = UNITS.get(m[2]);
  return u ? Number(m[1]) * u.factor : v;
}
