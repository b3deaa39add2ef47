// The LUT mpGEMM (sim/lut/functional.ts) against the reference interpreter running the dequantised GEMM
// as a cascade, Y[m,n] = A[m,g,j] * ((Q[n,g,j] - Z[n,g]) * S[n,g]) (Q and A converted to fp32 first, exactly), on 1,000 random cases: shapes,
// weight widths 1-4 and 8, table groups K, quantisation groups, activations in fp16, fp8 and int8.
// Inputs are chosen so that every sum is exact in float64 (activation magnitudes within 2^-6..2^6,
// scales with 4 mantissa bits, half-integer zero points): the two must then agree exactly, after the
// interpreter's one rounding to fp32. With INT8 tables the error must stay within the derived bound.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret, type TensorData } from '../../compiler/interp';
import { rounderFor } from '../../compiler/interp/numerics';
import type { Cascade, DType } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';
import { checkMpGemm, int8TableErrorBound, lutMpGemm, packWeights, precomputeTable, type MpGemm } from '../../sim/lut/functional';

const ACT: DType[] = ['fp16', 'fp8e4m3', 'int8'];

interface Case {
  g: MpGemm;
  act: DType;
  k: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function makeCase(seed: number): Case {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const act = pick(ACT);
  const wbits = pick([1, 2, 3, 4, 8]);
  const k = pick([1, 2, 3, 4, 5]);
  const group = k * pick([1, 2, 3]);
  const Kdim = group * pick([1, 2, 3]);
  const M = 1 + Math.floor(r() * 3);
  const N = 1 + Math.floor(r() * 5);
  const ra = rounderFor(act);
  const a = new Float64Array(M * Kdim).map(() => {
    if (act === 'int8') return Math.floor(r() * 255) - 127;
    const v = (1 + r()) * 2 ** (Math.floor(r() * 12) - 6) * (r() < 0.5 ? -1 : 1);
    return ra(v);
  });
  const q = new Uint8Array(N * Kdim).map(() => Math.floor(r() * 2 ** wbits));
  const qg = Kdim / group;
  const s = new Float64Array(N * qg).map(() => (1 + Math.floor(r() * 16) / 16) * 2 ** (Math.floor(r() * 5) - 3));
  const z = new Float64Array(N * qg).map(() => Math.floor(r() * 2 * 2 ** wbits) / 2);
  return { g: { M, N, Kdim, a, q, wbits, group, s, z }, act, k };
}

const parsed = new Map<string, Cascade>();

function oracle(c: Case): Float64Array {
  const { M, N, Kdim, group } = c.g;
  const G = Kdim / group;
  const src = `rank M = ${M}, N = ${N}, G = ${G}, J = ${group}
input A[M, G, J]: ${c.act}
input Q[N, G, J]: int32
input S[N, G]: fp32
input Z[N, G]: fp32
Qf[n, g, j]: fp32 = Q[n, g, j]
Af[m, g, j]: fp32 = A[m, g, j]
Y[m, n]: fp32 = Af[m, g, j] * ((Qf[n, g, j] - Z[n, g]) * S[n, g])
output Y
`;
  let cascade = parsed.get(src);
  if (!cascade) {
    const p = parseCascade(src);
    if (!p.cascade) throw new Error(p.diagnostics.map((d) => d.message).join('; '));
    parsed.set(src, (cascade = p.cascade));
  }
  const t = (dtype: DType, shape: number[], data: Float64Array): TensorData => ({ dtype, shape, data });
  const inputs = new Map<string, TensorData>([
    ['A', t(c.act, [M, G, group], c.g.a)],
    ['Q', t('int32', [N, G, group], Float64Array.from(c.g.q))],
    ['S', t('fp32', [N, G], c.g.s)],
    ['Z', t('fp32', [N, G], c.g.z)],
  ]);
  const out = interpret(cascade, inputs);
  const y = out.get('Y')!;
  expect(y.dtype).toBe('fp32');
  return y.data;
}

describe('LUT functional model against the interpreter', () => {
  it('equals the dequantised GEMM exactly on 1,000 random cases', () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const c = makeCase(seed);
        expect(checkMpGemm(c.g, c.k)).toBeNull();
        const want = oracle(c);
        const got = lutMpGemm(c.g, { k: c.k, table: 'exact' });
        expect(Array.from(got)).toEqual(Array.from(want));
        checked++;
      }),
      { numRuns: 1000, seed: 17 },
    );
    expect(checked).toBe(1000);
  });

  it('stays within the hand-derived bound with INT8 tables (and is not exact in general)', () => {
    let inexact = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const c = makeCase(seed * 7919);
      const exact = lutMpGemm(c.g, { k: c.k, table: 'exact', out: 'fp32' });
      const q8 = lutMpGemm(c.g, { k: c.k, table: 'int8q', out: 'fp32' });
      const bound = int8TableErrorBound(c.g, c.k);
      for (let i = 0; i < exact.length; i++) {
        // plus the final fp32 rounding of both results
        const slack = 2 ** -23 * (Math.abs(exact[i]!) + Math.abs(q8[i]!));
        expect(Math.abs(q8[i]! - exact[i]!)).toBeLessThanOrEqual(bound[i]! + slack);
        if (q8[i] !== exact[i]) inexact++;
      }
    }
    expect(inexact).toBeGreaterThan(0);
  });

  it('stores 2^(K-1) entries and reads the others by the sign bit (K = 4, by hand)', () => {
    const a = Float64Array.from([1, 2, 4, 8]);
    const t = new Float64Array(8);
    precomputeTable(a, 0, 4, t);
    // entry e = T[2e+1]: idx 1 = +1 -2 -4 -8 = -13, idx 15 = +15
    expect(t[0]).toBe(-13);
    expect(t[7]).toBe(15);
    // a weight group with bits 0000 (all -1) must read -T[1111] = -15: field selects entry 7, sign bit 0
    const q = Uint8Array.from([0, 0, 0, 0]);
    const w = packWeights(q, 1, 4, 1, 4);
    expect(w[0]).toBe(0b1110);
  });

  it('refuses an unsupported width, a K that does not divide the group, and a group that does not divide K', () => {
    expect(checkMpGemm({ Kdim: 16, wbits: 5, group: 8 }, 4)).toMatch(/weight bit width 5/);
    expect(checkMpGemm({ Kdim: 16, wbits: 2, group: 6 }, 3)).toMatch(/does not divide K = 16/);
    expect(checkMpGemm({ Kdim: 16, wbits: 2, group: 8 }, 3)).toMatch(/K = 3 does not divide the quantisation group 8/);
  });
});
