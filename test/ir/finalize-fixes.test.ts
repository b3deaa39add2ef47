// Checks added to finalize while exercising it from the parser: rank names in mixed case, unknown rank
// sizes, index arithmetic that overflows, follow-on errors, and a 10,000-einsum chain in linear time.
import { describe, expect, it } from 'vitest';
import { finalize, type CascadeSource, type Einsum } from '../../compiler/ir';

const access = (tensor: string, ...names: string[]) => ({ tensor, indices: names.map((name) => ({ kind: 'ivar' as const, name })) });

function source(einsums: Einsum[], ranks = [{ name: 'Seq_2', size: 4 }]): CascadeSource {
  return { ranks, partitions: [], declared: [{ name: 'X', role: 'input', dtype: 'fp32', dims: [{ rank: ranks[0]!.name, extent: 0 }] }], einsums, outputs: [{ name: einsums[einsums.length - 1]!.output.tensor }] };
}

describe('finalize', () => {
  it('matches an index variable to a rank whose name is not all upper case', () => {
    const r = finalize(source([{ output: access('Y', 'seq_2'), reduce: 'sum', expr: { kind: 'access', access: access('X', 'seq_2') }, init: false }]));
    expect(r.diagnostics).toEqual([]);
    expect(r.cascade!.tensors[1]!.dims).toEqual([{ rank: 'Seq_2', extent: 4 }]);
  });

  it('reports a rank size that names no rank, with a hint when it names a tensor', () => {
    const r = finalize(source([{ output: access('Y'), reduce: 'sum', expr: { kind: 'binary', op: '+', a: { kind: 'rsize', rank: 'X' }, b: { kind: 'rsize', rank: 'N' } }, init: false }]));
    expect(r.diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([
      ['undeclared-rank', 'X is not a declared rank', 'X is a tensor: read it as X[...] (X[] for a scalar)'],
      ['undeclared-rank', 'N is not a declared rank', 'a rank name stands for its size; declare it: rank N = <size>'],
    ]);
  });

  it('refuses index arithmetic beyond exact integers and extents beyond the size limit', () => {
    const big = { kind: 'int' as const, value: 2 ** 52 };
    const huge = { kind: 'ibin' as const, op: '*' as const, a: { kind: 'ibin' as const, op: '*' as const, a: { kind: 'ivar' as const, name: 'seq_2' }, b: big }, b: big };
    const r = finalize(source([{ output: { tensor: 'Y', indices: [huge] }, reduce: 'sum', expr: { kind: 'num', value: 1 }, init: false }]));
    expect(r.diagnostics.map((d) => d.code)).toEqual(['bad-number']);
    const wide = { kind: 'ibin' as const, op: '+' as const, a: { kind: 'ivar' as const, name: 'seq_2' }, b: big };
    const w = finalize(source([{ output: { tensor: 'Y', indices: [wide] }, reduce: 'sum', expr: { kind: 'num', value: 1 }, init: false }]));
    expect(w.diagnostics.map((d) => [d.code, d.message])).toEqual([['shape-mismatch', 'output index seq_2+4503599627370496 of Y reaches 4503599627370499; a dimension can have at most 1099511627776 slots']]);
  });

  it('does not repeat an error as "not declared" or "not defined" further down', () => {
    const r = finalize(source([
      { output: access('Y', 'q'), reduce: 'sum', expr: { kind: 'access', access: access('X', 'seq_2') }, init: false },
      { output: access('Z', 'seq_2'), reduce: 'sum', expr: { kind: 'access', access: access('Y', 'seq_2') }, init: false },
    ]));
    expect(r.diagnostics.map((d) => d.code)).toEqual(['undeclared-rank']);
  });

  it('validates a 10,000-einsum chain in well under a second', () => {
    const es: Einsum[] = [];
    for (let k = 0; k < 10_000; k++) es.push({ output: access(`T${k}`, 'seq_2'), reduce: 'sum', expr: { kind: 'binary', op: '*', a: { kind: 'access', access: access(k ? `T${k - 1}` : 'X', 'seq_2') }, b: { kind: 'num', value: 2 } }, init: false });
    const t0 = performance.now();
    const r = finalize(source(es));
    const ms = performance.now() - t0;
    expect(r.diagnostics).toEqual([]);
    expect(ms).toBeLessThan(3000); // generous for a loaded CI machine; quadratic scans took far longer
  });
});
