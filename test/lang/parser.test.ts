// What the parser builds: the IR of each construct, checked against hand-written IR.
import { describe, expect, it } from 'vitest';
import { exprsEqual, reducedVars, type Cascade, type Einsum, type Expr, type IndexExpr } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';

const H = 'rank M = 8, K = 4, P = 6\nrank M -> M1, M0 = 3\ninput A[M, K]: bf16\ninput S[]: fp32\n';

function cascadeOf(text: string): Cascade {
  const { cascade, diagnostics } = parseCascade(text);
  expect(diagnostics.map((d) => d.message)).toEqual([]);
  return cascade!;
}

function einsumOf(line: string, out = line.slice(0, line.indexOf('[')).replace(/^init /, '')): Einsum {
  const c = cascadeOf(`${H}${line}\noutput ${out}\n`);
  return c.einsums[c.einsums.length - 1]!;
}

const acc = (tensor: string, ...indices: IndexExpr[]): Expr => ({ kind: 'access', access: { tensor, indices } });
const v = (name: string): IndexExpr => ({ kind: 'ivar', name });
const n = (value: number): Expr => ({ kind: 'num', value });
const bin = (op: '+' | '-' | '*' | '/' | 'max' | 'min', a: Expr, b: Expr): Expr => ({ kind: 'binary', op, a, b });
const neg = (arg: Expr): Expr => ({ kind: 'unary', op: 'neg', arg });

function expectExpr(line: string, want: Expr): void {
  const got = einsumOf(line).expr;
  expect(exprsEqual(got, want), JSON.stringify(got, (k, x) => (k === 'loc' ? undefined : x))).toBe(true);
}

describe('parser', () => {
  it('builds ranks, partitions with a derived outer size, declarations and outputs', () => {
    const c = cascadeOf(`${H}Y[m] = A[m, k]\noutput Y\n`);
    expect(c.ranks.map((r) => [r.name, r.size, r.partOf ?? ''])).toEqual([
      ['M', 8, ''],
      ['K', 4, ''],
      ['P', 6, ''],
      ['M1', 3, 'M'], // ceil(8 / 3): the last tile is ragged
      ['M0', 3, 'M'],
    ]);
    expect(c.partitions).toMatchObject([{ parent: 'M', parts: ['M1', 'M0'] }]);
    expect(c.tensors.map((t) => `${t.role} ${t.name}:${t.dtype}[${t.dims.map((d) => `${d.rank}${d.extent}`).join(',')}]`)).toEqual(['input A:bf16[M8,K4]', 'input S:fp32[]', 'output Y:bf16[M8]']);
    expect(c.outputs).toEqual(['Y']);
  });

  it('precedence: comparison < additive < multiplicative < unary minus; operators associate left', () => {
    const a = acc('A', v('m'), v('k'));
    expectExpr('Y[m, k] = A[m, k] + 2 * A[m, k] - 1', bin('-', bin('+', a, bin('*', n(2), a)), n(1)));
    expectExpr('Y[m, k] = A[m, k] / 2 / 3', bin('/', bin('/', a, n(2)), n(3)));
    expectExpr('Y[m, k] = A[m, k] - (2 - 3)', bin('-', a, bin('-', n(2), n(3))));
    expectExpr('Y[m, k] = -A[m, k] * 2', bin('*', neg(a), n(2)));
    expectExpr('Y[m, k] = A[m, k] + 1 < 2 * 3', { kind: 'cmp', op: '<', a: bin('+', a, n(1)), b: bin('*', n(2), n(3)) });
  });

  it('numbers: a minus before a literal makes a negative number, before parentheses a negation; inf', () => {
    expectExpr('Y[] = -2', n(-2));
    expectExpr('Y[] = -(2)', neg(n(2)));
    expectExpr('Y[] = --2', neg(n(-2)));
    expectExpr('Y[] = -inf', n(-Infinity));
    expectExpr('Y[] = inf - 1.5e3', bin('-', n(Infinity), n(1500)));
    expectExpr('Y[] = S[] - -0.25', bin('-', acc('S'), n(-0.25)));
  });

  it('functions, select, masks with index variables, rank sizes as values', () => {
    const a = acc('A', v('m'), v('k'));
    expectExpr('Y[m, k] = max(A[m, k], 0)', bin('max', a, n(0)));
    expectExpr('Y[m, k] = exp(A[m, k]) / sqrt(K)', bin('/', { kind: 'unary', op: 'exp', arg: a }, { kind: 'unary', op: 'sqrt', arg: { kind: 'rsize', rank: 'K' } }));
    expectExpr('Y[m, k] = select(m <= k, A[m, k], -inf)', { kind: 'select', cond: { kind: 'cmp', op: '<=', a: { kind: 'ivar', name: 'm' }, b: { kind: 'ivar', name: 'k' } }, a, b: n(-Infinity) });
  });

  it('the reduce operator: max(m) X (reduction) against max(a, b) (function)', () => {
    const r = einsumOf('Y[k] = max(m) A[m, k]');
    expect([r.reduce, reducedVars(r)]).toEqual(['max', ['m']]);
    const f = einsumOf('Y[m, k] = max(m, k) - A[m, k]');
    expect([f.reduce, f.expr.kind]).toEqual(['sum', 'binary']);
    const g = einsumOf('Y[] = max(m, k) (-A[m, k])');
    expect([g.reduce, reducedVars(g)]).toEqual(['max', ['m', 'k']]);
    const h = einsumOf('Y[] = prod(k, m) -A[m, k]');
    expect([h.reduce, reducedVars(h).sort()]).toEqual(['prod', ['k', 'm']]);
    const s = einsumOf('Y[m] = A[m, k]');
    expect([s.reduce, reducedVars(s)]).toEqual(['sum', ['k']]);
  });

  it('index arithmetic: recomposition, shifts, rank sizes, negative constants', () => {
    const e = einsumOf('Y[m1, m0, k] = A[m1*M0+m0, K-1-k]');
    const [first, second] = (e.expr as Extract<Expr, { kind: 'access' }>).access.indices;
    expect(first).toMatchObject({ kind: 'ibin', op: '+', a: { kind: 'ibin', op: '*', a: { name: 'm1' }, b: { rank: 'M0' } }, b: { name: 'm0' } });
    expect(second).toMatchObject({ kind: 'ibin', op: '-', a: { kind: 'ibin', op: '-', a: { rank: 'K' }, b: { value: 1 } }, b: { name: 'k' } });
    const neg1 = einsumOf('Y[k] = A[0, k - -1 - 1]');
    expect((neg1.expr as Extract<Expr, { kind: 'access' }>).access.indices[1]).toMatchObject({ op: '-', a: { op: '-', b: { kind: 'int', value: -1 } } });
  });

  it('init einsums, recurrences, final-index reads and dtype annotations', () => {
    const c = cascadeOf(`${H}init R[0, k] = -inf\nR[m1+1, k] = max(R[m1, k], A[m1*M0+m0, k])\nZ[k]: fp32 = R[M1, k]\noutput Z\n`);
    expect(c.einsums.map((e) => [e.init, e.output.tensor, e.dtype ?? ''])).toEqual([
      [true, 'R', ''],
      [false, 'R', ''],
      [false, 'Z', 'fp32'],
    ]);
    expect(c.tensors.find((t) => t.name === 'R')!.dims).toEqual([
      { rank: 'M1', extent: 4 },
      { rank: 'K', extent: 4 },
    ]);
  });

  it('keywords stay usable as names: a tensor named init/output/rank, a rank whose variable is a keyword', () => {
    const c = cascadeOf('rank Input = 3, Output = 2\ninput X[Input, Output]: fp32\ninit[input] = X[input, output]\noutput[] = init[input]\nrank[output] = X[0, output] * input\noutput output, rank\n');
    expect(c.einsums.map((e) => e.output.tensor)).toEqual(['init', 'output', 'rank']);
    expect(c.einsums[0]!.init).toBe(false);
  });

  it('locations: accesses, index expressions and einsums carry the span of their text', () => {
    const e = einsumOf('Y[m]: fp32 = A[m, k+1-1] * 2');
    expect(e.loc).toEqual({ line: 5, col: 1, length: 10 });
    const a = (e.expr as Extract<Expr, { kind: 'binary' }>).a as Extract<Expr, { kind: 'access' }>;
    expect(a.access.loc).toEqual({ line: 5, col: 14, length: 11 });
    expect(a.access.indices[1]!.loc).toEqual({ line: 5, col: 19, length: 5 });
  });
});
