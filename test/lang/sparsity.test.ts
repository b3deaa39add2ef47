// N:M weight sparsity in the .ein language: `weight W[K, N]: int4 sparse(8:16, K)` parses into the tensor's
// attribute, prints back exactly (print ∘ parse is the identity on the text, and parse ∘ print on the IR), and
// every malformed pattern is a file:line:col diagnostic whose column was counted by hand against the line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cascadesEqual, finalize, printCascade, renderDiagnostics, sparsityProblems, type CascadeSource } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';
import { runCli } from '../helpers/cli';
import { genCascadeSource } from './gen-cascade';

const head = 'rank M = 2, N = 3, K = 32\ninput X[M, K]: int8\n';
const body = 'Y[m, n] = X[m, k] * W[k, n]\noutput Y\n';
const withDecl = (decl: string, rest = body) => head + decl + '\n' + rest;

function diag(text: string): { line: number; col: number; message: string } {
  const r = parseCascade(text, 'x.ein');
  expect(r.cascade).toBeNull();
  const d = r.diagnostics.find((x) => x.severity === 'error')!;
  return { line: d.loc!.line, col: d.loc!.col, message: d.message };
}

describe('sparse(N:M, RANK) on a weight', () => {
  it('parses into the attribute and prints back to the same text', () => {
    const text = withDecl('weight W[K, N]: int4 sparse(8:16, K)');
    const r = parseCascade(text, 'x.ein');
    expect(r.diagnostics).toEqual([]);
    const w = r.cascade!.tensors.find((t) => t.name === 'W')!;
    expect(w.sparsity).toMatchObject({ n: 8, m: 16, rank: 'K' });
    expect(printCascade(r.cascade!)).toBe(text);
    expect(cascadesEqual(parseCascade(printCascade(r.cascade!)).cascade!, r.cascade!)).toBe(true);
  });

  it('the pattern is part of what a cascade is: 8:16 and 4:16, or sparse and dense, are different cascades', () => {
    const a = parseCascade(withDecl('weight W[K, N]: int4 sparse(8:16, K)')).cascade!;
    const b = parseCascade(withDecl('weight W[K, N]: int4 sparse(4:16, K)')).cascade!;
    const dense = parseCascade(withDecl('weight W[K, N]: int4')).cascade!;
    expect(cascadesEqual(a, b)).toBe(false);
    expect(cascadesEqual(a, dense)).toBe(false);
    expect(printCascade(dense)).not.toMatch(/sparse/);
  });

  it('is carried through an elementwise dequantise (W = W_Q * W_S) to the GEMM that sums over it', () => {
    const text =
      'rank M = 2, N = 3, K = 32\nrank K -> KG, KI = 16\ninput X[M, K]: fp16\nweight W_Q[K, N]: int4 sparse(2:4, K)\nweight W_S[KG, N]: fp16\n' +
      'W[kg*KI+ki, n]: fp16 = W_Q[kg*KI+ki, n] * W_S[kg, n]\nY[m, n] = X[m, k] * W[k, n]\noutput Y\n';
    const r = parseCascade(text, 'x.ein');
    expect(r.diagnostics).toEqual([]);
    expect(printCascade(r.cascade!)).toBe(text);
  });

  it('malformed patterns are diagnostics at the attribute (line 3, column 22: after "weight W[K, N]: int4 ")', () => {
    for (const [pat, msg] of [
      ['9:8', /9:8: N must be less than M/],
      ['16:16', /16:16: N must be less than M/],
      ['0:16', /0:16: N must be at least 1/],
      ['3:12', /3:12: M must be a power of two from 2 to 256/],
      ['2:512', /M must be a power of two from 2 to 256/],
      ['1.5:4', /N must be at least 1|N:M sparsity 1.5:4/],
    ] as const) {
      const d = diag(withDecl(`weight W[K, N]: int4 sparse(${pat}, K)`));
      expect(d).toMatchObject({ line: 3, col: 22 });
      expect(d.message).toMatch(msg);
    }
  });

  it('a rank that is not contracted, not a dimension, or a tensor that is not a weight, is refused where the attribute is', () => {
    expect(diag(withDecl('weight W[K, N]: int4 sparse(8:16, N)'))).toMatchObject({ line: 3, col: 22, message: 'W is pruned along N, but Y reads it at n without summing over it' });
    expect(diag(withDecl('weight W[K, N]: int4 sparse(8:16, M)'))).toMatchObject({ line: 3, col: 22, message: 'W is pruned along M, which is not one of its dimensions [K, N]' });
    expect(diag('rank M = 2, N = 3, K = 32\ninput X[M, K]: fp16 sparse(2:4, K)\nweight W[K, N]: fp16\n' + body)).toMatchObject({ line: 2, col: 21, message: 'X is an input tensor: only a weight can be pruned to an N:M pattern' });
    // a max over the pruned rank is not a contraction
    expect(diag(withDecl('weight W[K, N]: fp16 sparse(2:4, K)', 'Y[n] = max(k) W[k, n]\noutput Y\n')).message).toBe('W is pruned along K, but Y reduces it with max, not a sum');
    expect(diag(withDecl('weight W[K, N]: fp16 sparse(2:4, K)', 'Y[m] = X[m, k]\noutput Y\n')).message).toBe('W is pruned along K, but no einsum sums over it');
  });

  it('only sparse(...) may follow a dtype, and the rank is a rank name', () => {
    expect(diag(withDecl('weight W[K, N]: int4 dense(8:16, K)'))).toMatchObject({ line: 3, col: 22, message: 'after the element type a declaration takes only sparse(N:M, RANK), not dense' });
    expect(diag(withDecl('weight W[K, N]: int4 sparse(8:16, k)'))).toMatchObject({ line: 3, col: 35, message: 'the pruned dimension is a rank name, but k is not one' });
  });

  it('a malformed attribute is a syntax error whose hint shows the form', () => {
    const text = withDecl('weight W[K, N]: int4 sparse(8, 16, K)');
    expect('\n' + renderDiagnostics(parseCascade(text, 'x.ein').diagnostics, text)).toBe(`
x.ein:3:30: error: expected ':' but found ','
  weight W[K, N]: int4 sparse(8, 16, K)
                               ^
  hint: a pruned weight names its N:M pattern and the rank it runs along: weight W[K, N]: int4 sparse(8:16, K)`);
  });

  it('renders like every other diagnostic: file:line:col, the line, a caret under the attribute, the hint', () => {
    const text = withDecl('weight W[K, N]: int4 sparse(8:16, N)');
    expect('\n' + renderDiagnostics(parseCascade(text, 'x.ein').diagnostics, text)).toBe(`
x.ein:3:22: error: W is pruned along N, but Y reads it at n without summing over it
  weight W[K, N]: int4 sparse(8:16, N)
                       ^~~~~~~~~~~~~~~
  hint: N:M sparsity prunes the contracted rank of a GEMM (each output sums over the kept values); prune W along the rank its readers sum over`);
  });

  it('random cascades: every weight dimension given a random pattern either round-trips exactly or is refused by finalize, as the rules say', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.gen(), fc.constantFrom([2, 4], [1, 8], [8, 16], [3, 32]), (g, [n, m]) => {
        const src = genCascadeSource(g);
        const c = finalize(src).cascade!;
        for (const w of c.tensors.filter((t) => t.role === 'weight'))
          for (const d of w.dims) {
            const sparsity = { n: n!, m: m!, rank: d.rank };
            const ok = sparsityProblems({ ...w, sparsity }, c).length === 0;
            const withAttr: CascadeSource = { ...src, declared: src.declared.map((t) => (t.name === w.name ? { ...t, sparsity } : t)) };
            const r = finalize(withAttr);
            expect(r.cascade !== null, `${w.name} sparse(${n}:${m}, ${d.rank})`).toBe(ok);
            if (!r.cascade) continue;
            accepted++;
            const text = printCascade(r.cascade);
            const back = parseCascade(text).cascade!;
            expect(cascadesEqual(back, r.cascade)).toBe(true);
            expect(printCascade(back)).toBe(text);
          }
      }),
      { numRuns: 200, seed: 18 },
    );
    // the generator makes contractions, so some patterns are accepted (the property is not vacuous)
    expect(accepted).toBeGreaterThan(0);
  });

  it('check --json carries the pattern, and the document validates against docs/schema/cascade.schema.json (ajv)', async () => {
    const root = join(import.meta.dirname, '../..');
    const r = await runCli(['check', 'examples/fpga/gemv-sparse.ein', '--json'], { cwd: root });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.tensors.find((t: { name: string }) => t.name === 'W').sparsity).toEqual({ n: 8, m: 16, rank: 'K' });
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(root, 'docs/schema/cascade.schema.json'), 'utf8')));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });
});
