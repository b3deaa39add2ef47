// Normalized .ein text for a cascade: parse(printCascade(c)) equals c (equal.ts), and printing is a fixed point.
// Parentheses are the minimum the grammar needs; `sum` stays implicit; dtype annotations appear only where
// the einsum carries one.
import { reducedVars } from './query';
import type { Cascade, Einsum, Expr, IndexExpr, NMSparsity } from './types';

export function printCascade(c: Cascade): string {
  const lines: string[] = [];
  if (c.name) lines.push(`# ${c.name.replace(/[\r\n]+/g, ' ')}`);
  const base = c.ranks.filter((r) => r.partOf === undefined);
  if (base.length) lines.push(`rank ${base.map((r) => `${r.name} = ${r.aliasOf ?? r.size}`).join(', ')}`);
  const size = new Map(c.ranks.map((r) => [r.name, r.size]));
  for (const p of c.partitions) lines.push(`rank ${p.parent} -> ${p.parts.map((q, i) => (i === 0 ? q : `${q} = ${size.get(q)}`)).join(', ')}`);
  for (const t of c.tensors) if (t.role === 'input' || t.role === 'weight' || t.role === 'kvcache') lines.push(`${t.role} ${t.name}[${t.dims.map((d) => d.rank).join(', ')}]: ${t.dtype}${t.sparsity ? ` ${printSparsity(t.sparsity)}` : ''}`);
  for (const e of c.einsums) lines.push(printEinsum(e));
  if (c.outputs.length) lines.push(`output ${c.outputs.join(', ')}`);
  return lines.join('\n') + '\n';
}

/** `sparse(N:M, RANK)`: a pruned weight's pattern, written after its declaration's dtype. */
export function printSparsity(s: NMSparsity): string {
  return `sparse(${s.n}:${s.m}, ${s.rank})`;
}

export function printEinsum(e: Einsum): string {
  const lhs = `${e.init ? 'init ' : ''}${e.output.tensor}[${e.output.indices.map(printIndex).join(', ')}]${e.dtype ? `: ${e.dtype}` : ''}`;
  const reduced = reducedVars(e);
  let rhs = printExpr(e.expr);
  if (e.reduce !== 'sum' && reduced.length > 0) {
    // After `max(a, b)` a leading minus would read as subtraction; parentheses keep it a reduction.
    if (rhs.startsWith('-')) rhs = `(${rhs})`;
    rhs = `${e.reduce}(${reduced.join(', ')}) ${rhs}`;
  }
  return `${lhs} = ${rhs}`;
}

const INDEX_PREC: Record<string, number> = { '+': 1, '-': 1, '*': 2 };

export function printIndex(e: IndexExpr): string {
  switch (e.kind) {
    case 'ivar':
      return e.name;
    case 'int':
      return String(e.value);
    case 'rsize':
      return e.rank;
    case 'gather':
      return `${e.access.tensor}[${e.access.indices.map(printIndex).join(', ')}]`;
    case 'ibin': {
      const p = INDEX_PREC[e.op]!;
      const left = indexPrec(e.a) < p ? `(${printIndex(e.a)})` : printIndex(e.a);
      // Operators associate to the left, so a right operand at the same level needs parentheses.
      const right = indexPrec(e.b) <= p ? `(${printIndex(e.b)})` : printIndex(e.b);
      return `${left}${e.op}${right}`;
    }
  }
}

function indexPrec(e: IndexExpr): number {
  return e.kind === 'ibin' ? INDEX_PREC[e.op]! : 3;
}

// Expression precedence levels: comparison 1, additive 2, multiplicative 3, unary minus 4, primary 5.
function exprPrec(e: Expr): number {
  switch (e.kind) {
    case 'cmp':
      return 1;
    case 'binary':
      return e.op === '+' || e.op === '-' ? 2 : e.op === '*' || e.op === '/' ? 3 : 5;
    case 'unary':
      return e.op === 'neg' ? 4 : 5;
    case 'num':
      return e.value < 0 || Object.is(e.value, -0) ? 4 : 5;
    default:
      return 5;
  }
}

export function printNumber(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'num':
      return printNumber(e.value);
    case 'access':
      return `${e.access.tensor}[${e.access.indices.map(printIndex).join(', ')}]`;
    case 'ivar':
      return e.name;
    case 'rsize':
      return e.rank;
    case 'unary':
      if (e.op !== 'neg') return `${e.op}(${printExpr(e.arg)})`;
      // A bare number after `-` would fold into a negative literal, so it keeps its parentheses.
      return e.arg.kind === 'num' || exprPrec(e.arg) < 4 ? `-(${printExpr(e.arg)})` : `-${printExpr(e.arg)}`;
    case 'binary': {
      if (e.op === 'max' || e.op === 'min') return `${e.op}(${printExpr(e.a)}, ${printExpr(e.b)})`;
      return infix(e.a, e.op, e.b, exprPrec(e));
    }
    case 'cmp':
      return infix(e.a, e.op, e.b, 1);
    case 'select':
      return `select(${printExpr(e.cond)}, ${printExpr(e.a)}, ${printExpr(e.b)})`;
  }
}

function infix(a: Expr, op: string, b: Expr, p: number): string {
  const left = exprPrec(a) < p ? `(${printExpr(a)})` : printExpr(a);
  const right = exprPrec(b) <= p ? `(${printExpr(b)})` : printExpr(b);
  return `${left} ${op} ${right}`;
}
