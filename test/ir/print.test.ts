// The printer on hand-built IR: minimal parentheses, implicit sum, numbers that must survive re-reading.
import { describe, expect, it } from 'vitest';
import { cascadesEqual, finalize, printCascade, printEinsum, printExpr, printIndex, type CascadeSource, type Expr, type IndexExpr } from '../../compiler/ir';

const x: Expr = { kind: 'access', access: { tensor: 'X', indices: [] } };
const n = (value: number): Expr => ({ kind: 'num', value });
const bin = (op: '+' | '-' | '*' | '/', a: Expr, b: Expr): Expr => ({ kind: 'binary', op, a, b });
const i = (name: string): IndexExpr => ({ kind: 'ivar', name });
const ib = (op: '+' | '-' | '*', a: IndexExpr, b: IndexExpr): IndexExpr => ({ kind: 'ibin', op, a, b });

describe('printExpr', () => {
  it('uses the fewest parentheses that keep the tree', () => {
    expect(printExpr(bin('+', bin('+', x, n(1)), n(2)))).toBe('X[] + 1 + 2');
    expect(printExpr(bin('+', x, bin('+', n(1), n(2))))).toBe('X[] + (1 + 2)');
    expect(printExpr(bin('*', bin('+', x, n(1)), n(2)))).toBe('(X[] + 1) * 2');
    expect(printExpr(bin('-', x, bin('*', n(1), n(2))))).toBe('X[] - 1 * 2');
    expect(printExpr(bin('/', x, bin('/', n(1), n(2))))).toBe('X[] / (1 / 2)');
    expect(printExpr({ kind: 'cmp', op: '<', a: bin('+', x, n(1)), b: { kind: 'cmp', op: '==', a: x, b: n(0) } })).toBe('X[] + 1 < (X[] == 0)');
    expect(printExpr({ kind: 'unary', op: 'neg', arg: bin('+', x, n(1)) })).toBe('-(X[] + 1)');
    expect(printExpr(bin('*', { kind: 'unary', op: 'neg', arg: x }, n(2)))).toBe('-X[] * 2');
  });

  it('keeps negative numbers, negations of numbers, -0 and infinities apart', () => {
    expect(printExpr(n(-2))).toBe('-2');
    expect(printExpr({ kind: 'unary', op: 'neg', arg: n(2) })).toBe('-(2)');
    expect(printExpr(n(-0))).toBe('-0');
    expect(printExpr(bin('-', n(Infinity), n(-Infinity)))).toBe('inf - -inf');
    expect(printExpr(n(1.5e-300))).toBe('1.5e-300');
  });
});

describe('printIndex', () => {
  it('parenthesize a right operand at the same level (operators associate left)', () => {
    const e = ib('-', i('m'), ib('-', i('k'), { kind: 'int', value: 1 }));
    expect(printIndex(e)).toBe('m-(k-1)');
    const r = ib('+', ib('*', i('m1'), { kind: 'rsize', rank: 'M0' }), i('m0'));
    expect(printIndex(r)).toBe('m1*M0+m0');
    expect(printIndex(ib('*', i('m'), ib('*', { kind: 'int', value: 2 }, { kind: 'int', value: 3 })))).toBe('m*(2*3)');
    expect(printIndex(ib('+', i('m'), ib('+', i('k'), i('p'))))).toBe('m+(k+p)');
  });
});

describe('printEinsum', () => {
  it('leaves sum implicit, and protects a leading minus after an explicit reduction', () => {
    const base = { output: { tensor: 'Y', indices: [] as IndexExpr[] }, init: false };
    const a: Expr = { kind: 'access', access: { tensor: 'A', indices: [i('m')] } };
    expect(printEinsum({ ...base, reduce: 'sum', expr: a })).toBe('Y[] = A[m]');
    expect(printEinsum({ ...base, reduce: 'max', expr: a })).toBe('Y[] = max(m) A[m]');
    expect(printEinsum({ ...base, reduce: 'min', expr: { kind: 'unary', op: 'neg', arg: a } })).toBe('Y[] = min(m) (-A[m])');
    expect(printEinsum({ ...base, reduce: 'max', expr: n(1), dtype: 'int8' })).toBe('Y[]: int8 = 1');
  });
});

describe('printCascade', () => {
  it('prints one rank line, one line per partition, declarations, einsums and the outputs', () => {
    const src: CascadeSource = {
      name: 'tiny',
      ranks: [
        { name: 'M', size: 10 },
        { name: 'K', size: 3 },
      ],
      partitions: [{ parent: 'M', parts: ['M1', 'M0'], innerSizes: [4] }],
      declared: [{ name: 'W', role: 'weight', dtype: 'int8', dims: [{ rank: 'K', extent: 3 }] }],
      einsums: [{ output: { tensor: 'Y', indices: [i('k')] }, reduce: 'sum', expr: { kind: 'access', access: { tensor: 'W', indices: [i('k')] } }, init: false }],
      outputs: [{ name: 'Y' }],
    };
    const c = finalize(src).cascade!;
    expect(printCascade(c)).toBe('# tiny\nrank M = 10, K = 3\nrank M -> M1, M0 = 4\nweight W[K]: int8\nY[k] = W[k]\noutput Y\n');
    expect(cascadesEqual(c, { ...c, file: 'elsewhere.ein', name: 'other' })).toBe(true);
  });
});
