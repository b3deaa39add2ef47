// Rank aliases (`rank M = S`) and gathers (`WTE[TOK[b, s], d]`) in the language: parsing, printing that
// round-trips, the diagnostics (file:line:col, exit 1), and the interpreter against lookups written by hand.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cascadesEqual, printCascade, type Cascade } from '../../compiler/ir';
import { interpret, randomInputs, type TensorData } from '../../compiler/interp';
import { parseCascade } from '../../compiler/lang';
import { analyzeCascade } from '../../compiler/analysis';
import { runCli } from '../helpers/cli';

function parse(text: string): Cascade {
  const r = parseCascade(text, 'x.ein');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.cascade!;
}
const t = (dtype: TensorData['dtype'], shape: number[], data: number[]): TensorData => ({ dtype, shape, data: Float64Array.from(data) });

const EMBED = `rank B = 2, S = 3, V = 5, D = 4
input TOK[B, S]: int32
weight WTE[V, D]: fp32
E[b, s, d] = WTE[TOK[b, s], d]
output E
`;

const ALIAS = `rank S = 4, M = S, D = 3
input X[S, D]: fp32
Y[s, m] = X[s, d] * X[m, d]
output Y
`;

describe('rank aliases', () => {
  it('an alias has its target size, its own variable, indexes the target dimensions, and prints back unchanged', () => {
    const c = parse(ALIAS);
    const m = c.ranks.find((r) => r.name === 'M')!;
    expect(m).toMatchObject({ size: 4, aliasOf: 'S' });
    expect(c.tensors.find((x) => x.name === 'Y')!.dims.map((d) => d.rank)).toEqual(['S', 'M']);
    expect(printCascade(c)).toBe(ALIAS);
    expect(cascadesEqual(parse(printCascade(c)), c)).toBe(true);
  });

  it('Y = X X^T over an alias equals the Gram matrix computed by hand', () => {
    const c = parse(ALIAS);
    const x = [1, 2, 3, -1, 0, 2, 4, 1, -2, 0.5, 0.5, 0.5];
    const out = interpret(c, new Map([['X', t('fp32', [4, 3], x)]])).get('Y')!.data;
    for (let s = 0; s < 4; s++)
      for (let m = 0; m < 4; m++) {
        let acc = 0;
        for (let d = 0; d < 3; d++) acc += x[s * 3 + d]! * x[m * 3 + d]!;
        expect(out[s * 4 + m]).toBeCloseTo(acc, 5);
      }
  });

  it('an alias of an undeclared rank: file:line:col, exit 1, and no follow-on errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alias-'));
    const f = join(dir, 'bad.ein');
    writeFileSync(f, ALIAS.replace('M = S', 'M = Q'));
    const r = await runCli(['check', f]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f}:1:17: error: rank M is an alias of Q, which is not declared`);
    expect(r.err.match(/error:/g)!.length).toBe(1);
  });

  it('a different rank of the same size still may not index the dimension (only an alias may)', () => {
    const r = parseCascade(ALIAS.replace('M = S', 'M = 4'), 'x.ein');
    expect(r.cascade).toBeNull();
    expect(r.diagnostics[0]!.message).toMatch(/dimension 1 of X is over rank S, but is indexed by m \(rank M\)/);
  });
});

describe('gathers', () => {
  it('parse and print round-trip; analysis: no FLOPs, the table counts the rows touched', () => {
    const c = parse(EMBED);
    expect(printCascade(c)).toBe(EMBED);
    expect(cascadesEqual(parse(printCascade(c)), c)).toBe(true);
    const a = analyzeCascade(c);
    expect(a.totals.flops).toBe(0);
    // 6 lookups of a 4-wide fp32 row, but the table has only 5 rows: min(6 * 4, 5 * 4) elements
    expect(a.tensors.find((x) => x.name === 'WTE')!.gatheredBytes).toBe(5 * 4 * 4);
  });

  it('the interpreter equals a lookup written by hand', () => {
    const c = parse(EMBED);
    const ids = [4, 0, 2, 2, 1, 3];
    const wte = Array.from({ length: 20 }, (_, i) => i * 0.25 - 2);
    const out = interpret(c, new Map([['TOK', t('int32', [2, 3], ids)], ['WTE', t('fp32', [5, 4], wte)]])).get('E')!.data;
    const want = ids.flatMap((id) => wte.slice(id * 4, id * 4 + 4));
    expect([...out]).toEqual(want);
  });

  it('a large table: only the touched rows matter (gathered bytes of a 32000 x 4096 fp16 table at b = 1 is one row)', () => {
    const c = parse(`rank B = 1, S = 1, V = 32000, D = 4096\ninput TOK[B, S]: int32\nweight WTE[V, D]: fp16\nE[b, s, d] = WTE[TOK[b, s], d]\noutput E\n`);
    expect(analyzeCascade(c).tensors.find((x) => x.name === 'WTE')!.gatheredBytes).toBe(4096 * 2);
  });

  it('a gather feeding arithmetic, and a gather inside an index expression (an offset row)', () => {
    const c = parse(`rank S = 3, N = 6, D = 2
input POS[S]: int32
weight WPE[N, D]: fp32
input X[S, D]: fp32
Y[s, d] = X[s, d] + WPE[POS[s] + 1, d]
output Y
`);
    const pos = [0, 4, 2];
    const wpe = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const x = [0.5, -0.5, 1, 1, 2, 0];
    const out = interpret(c, new Map([['POS', t('int32', [3], pos)], ['WPE', t('fp32', [6, 2], wpe)], ['X', t('fp32', [3, 2], x)]])).get('Y')!.data;
    const want = pos.flatMap((p, s) => [0, 1].map((d) => x[s * 2 + d]! + wpe[(p + 1) * 2 + d]!));
    expect([...out]).toEqual(want);
  });

  it('an out-of-range index: a clear error naming the einsum, the index and the value', () => {
    const c = parse(EMBED);
    const inputs = new Map([['TOK', t('int32', [2, 3], [0, 1, 7, 0, 0, 0])], ['WTE', t('fp32', [5, 4], new Array(20).fill(1))]]);
    expect(() => interpret(c, inputs)).toThrow(/einsum E: index TOK\[b, s\] of WTE is 7 at \(b=0, s=2, d=0\), outside dimension 1 \(V: 0 to 4\)/);
  });

  it('random inputs draw index tensors within the rows they select', () => {
    const c = parse(EMBED);
    const ids = randomInputs(c, 3).get('TOK')!.data;
    expect(Math.max(...ids)).toBeLessThan(5);
    expect(Math.min(...ids)).toBeGreaterThanOrEqual(0);
  });

  it('a gather whose index tensor is not integer: file:line:col diagnostic, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gather-'));
    const f = join(dir, 'bad.ein');
    writeFileSync(f, EMBED.replace('TOK[B, S]: int32', 'TOK[B, S]: fp16'));
    const r = await runCli(['run', f]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f}:4:18: error: TOK selects entries of WTE but holds fp16 values, not integers`);
  });
});
