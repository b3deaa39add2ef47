// Indexed writes (the KV-cache append `KC[b, POS[b], h, e] = KN[b, h, e]`): parsing, printing that round-trips,
// the diagnostics (file:line:col, exit 1), the interpreter against an append written by hand on small arrays,
// and the analysis (no FLOPs; the rows written count as compulsory bytes, derived by hand).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cascadesEqual, printCascade, type Cascade } from '../../compiler/ir';
import { interpret, type TensorData } from '../../compiler/interp';
import { parseCascade } from '../../compiler/lang';
import { analyzeCascade } from '../../compiler/analysis';
import { runCli } from '../helpers/cli';

function parse(text: string): Cascade {
  const r = parseCascade(text, 'x.ein');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.cascade!;
}
const t = (dtype: TensorData['dtype'], shape: number[], data: number[]): TensorData => ({ dtype, shape, data: Float64Array.from(data) });

// B = 2 sequences, a cache of T = 4 positions, H = 2 heads of E = 3; KO copies the updated cache out
const APPEND = `rank B = 2, T = 4, H = 2, E = 3
input KN[B, H, E]: fp32
input POS[B]: int32
kvcache KC[B, T, H, E]: fp32
KC[b, POS[b], h, e] = KN[b, h, e]
KO[b, t, h, e] = KC[b, t, h, e]
output KO
`;

/** The append by hand: a copy of the cache whose row POS[b] of sequence b is KN[b]. */
function appendByHand(kc: number[], kn: number[], pos: number[], [B, T, H, E]: number[]): number[] {
  const out = [...kc];
  for (let b = 0; b < B!; b++) for (let h = 0; h < H!; h++) for (let e = 0; e < E!; e++) out[((b * T! + pos[b]!) * H! + h) * E! + e] = kn[(b * H! + h) * E! + e]!;
  return out;
}

async function cli(text: string, args: string[] = ['check']): Promise<{ code: number; err: string; f: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kvw-'));
  const f = join(dir, 'bad.ein');
  writeFileSync(f, text);
  const r = await runCli([...args, f]);
  return { code: r.code, err: r.err, f };
}

describe('indexed writes', () => {
  it('parse and print round-trip; the cache stays one declared kvcache tensor, updated in place', () => {
    const c = parse(APPEND);
    expect(printCascade(c)).toBe(APPEND);
    expect(cascadesEqual(parse(printCascade(c)), c)).toBe(true);
    expect(c.tensors.map((x) => `${x.name}:${x.role}`)).toEqual(['KN:input', 'POS:input', 'KC:kvcache', 'KO:output']);
    expect(c.einsums[0]!.output.tensor).toBe('KC');
  });

  it('the interpreter equals an append written by hand; every other row keeps its value', () => {
    const c = parse(APPEND);
    const kc = Array.from({ length: 2 * 4 * 2 * 3 }, (_, i) => i * 0.5 - 3);
    const kn = [10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25];
    const pos = [3, 1];
    const out = interpret(c, new Map([['KN', t('fp32', [2, 2, 3], kn)], ['POS', t('int32', [2], pos)], ['KC', t('fp32', [2, 4, 2, 3], kc)]])).get('KO')!.data;
    const want = appendByHand(kc, kn, pos, [2, 4, 2, 3]);
    expect([...out]).toEqual(want);
    // the oracle itself changed exactly 12 elements (the rows written)
    expect(want.filter((v, i) => v !== kc[i]).length).toBe(12);
  });

  it('readers after the write see the appended row (attention scores over the updated cache)', () => {
    const c = parse(`rank B = 1, T = 3, E = 2
input Q[B, E]: fp32
input KN[B, E]: fp32
input POS[B]: int32
kvcache KC[B, T, E]: fp32
KC[b, POS[b], e] = KN[b, e]
S[b, t] = Q[b, e] * KC[b, t, e]
output S
`);
    const kc = [1, 0, 0, 1, 1, 1];
    const out = interpret(c, new Map([['Q', t('fp32', [1, 2], [2, 3])], ['KN', t('fp32', [1, 2], [5, 7])], ['POS', t('int32', [1], [2])], ['KC', t('fp32', [1, 3, 2], kc)]])).get('S')!.data;
    expect([...out]).toEqual([2, 3, 2 * 5 + 3 * 7]);
  });

  it('program order: a read above the write sees the cache as given, a read below sees the appended row', () => {
    const c = parse(`rank B = 1, T = 3, E = 2
input Q[B, E]: fp32
input KN[B, E]: fp32
input POS[B]: int32
kvcache KC[B, T, E]: fp32
S0[b, t] = Q[b, e] * KC[b, t, e]
KC[b, POS[b], e] = KN[b, e]
S1[b, t] = Q[b, e] * KC[b, t, e]
output S0, S1
`);
    expect(printCascade(c)).toContain('S0[b, t] = Q[b, e] * KC[b, t, e]\nKC[b, POS[b], e] = KN[b, e]\n');
    const res = interpret(c, new Map([['Q', t('fp32', [1, 2], [2, 3])], ['KN', t('fp32', [1, 2], [5, 7])], ['POS', t('int32', [1], [1])], ['KC', t('fp32', [1, 3, 2], [1, 0, 0, 1, 1, 1])]]));
    expect([...res.get('S0')!.data]).toEqual([2, 3, 5]);
    expect([...res.get('S1')!.data]).toEqual([2, 2 * 5 + 3 * 7, 5]);
  });

  it('an out-of-range index: exit 1 and a clear error naming the einsum and the index', async () => {
    const c = parse(APPEND);
    const inputs = new Map([['KN', t('fp32', [2, 2, 3], new Array(12).fill(1))], ['POS', t('int32', [2], [0, 4])], ['KC', t('fp32', [2, 4, 2, 3], new Array(48).fill(0))]]);
    expect(() => interpret(c, inputs)).toThrow(/einsum KC: index POS\[b\] of KC is 4 at \(b=1, h=0, e=0\), outside dimension 2 \(T: 0 to 3\)/);
    const dir = mkdtempSync(join(tmpdir(), 'kvw-'));
    const f = join(dir, 'a.ein');
    const inp = join(dir, 'in.json');
    writeFileSync(f, APPEND);
    writeFileSync(inp, JSON.stringify({ KN: [[[1, 1, 1], [1, 1, 1]], [[1, 1, 1], [1, 1, 1]]], POS: [-1, 0], KC: new Array(2).fill(new Array(4).fill(new Array(2).fill([0, 0, 0]))) }));
    const r = await runCli(['run', f, '--inputs', inp]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f}:5:7: error: einsum KC: index POS[b] of KC is -1 at (b=0, h=0, e=0), outside dimension 2 (T: 0 to 3)`);
  });

  it('analysis: no FLOPs; the rows written (B·H·E elements) count once, the cache is not rewritten whole', () => {
    const a = analyzeCascade(parse(APPEND));
    expect(a.einsums[0]).toMatchObject({ name: 'KC', flops: 0, points: 2 * 2 * 3 });
    const kc = a.tensors.find((x) => x.name === 'KC')!;
    expect(kc.writtenBytes).toBe(2 * 2 * 3 * 4);
    // inputs: KN 48 B, POS 8 B, KC read whole by KO 192 B; outputs: KO 192 B plus the 48 B of rows written
    expect(a.totals.inputBytes).toBe(48 + 8 + 192);
    expect(a.totals.outputBytes).toBe(192 + 48);
    expect(a.totals.compulsoryBytes).toBe(48 + 8 + 192 + 192 + 48);
  });
});

describe('indexed writes: bad input (file:line:col, exit 1)', () => {
  const cases: [string, string, string][] = [
    ['an index tensor that is not integer', APPEND.replace('POS[B]: int32', 'POS[B]: fp16'), '5:7: error: POS selects entries of KC but holds fp16 values, not integers'],
    ['a plain index over the wrong rank', APPEND.replace('KC[b, POS[b], h, e] =', 'KC[b, POS[b], e, h] ='), '5:15: error: dimension 3 of KC is over rank H, but is written by e (rank E)'],
    ['too few indices', APPEND.replace('KC[b, POS[b], h, e] = KN[b, h, e]', 'KC[b, POS[b], h] = KN[b, h, 0]'), '5:1: error: KC has 4 dimensions but is written with 3 indices'],
    ['a write through an index into a tensor that is not declared', APPEND.replace('KC[b, POS[b], h, e] = KN', 'KX[b, POS[b], h, e] = KN'), '5:1: error: KX is written through an index tensor but is not a declared kvcache tensor'],
    ['a write through an index into an input', APPEND.replace('KC[b, POS[b], h, e] = KN[b, h, e]', 'KN[b, POS[b], e] = KN[b, 0, e]'), '5:1: error: KN is declared as input and cannot be written'],
    ['a kvcache written without an index tensor', APPEND.replace('KC[b, POS[b], h, e] = KN[b, h, e]', 'KC[b, t, h, e] = KN[b, h, e]'), '5:1: error: KC is a kvcache tensor: it is updated only by an indexed write'],
  ];
  for (const [what, text, msg] of cases)
    it(what, async () => {
      const r = await cli(text);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`${r.f}:${msg}`);
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    });
});
