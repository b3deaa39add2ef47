// The low-bit dtypes in the IR: a weight held in int4 / fp4 with an fp16 scale per group of a split rank,
// dequantised by an einsum, equals compiler/quant's exact dequantisation (q·s is exact in fp32), and the
// GEMM on it equals a hand-written loop.
import { describe, expect, it } from 'vitest';
import { interpret, roundTo, type TensorData } from '../../compiler/interp';
import { DTYPE_BITS, type Cascade } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';
import { dequantise, parseFormat, quantiseGroups } from '../../compiler/quant';
import { mulberry } from './rng';

function parse(text: string): Cascade {
  const r = parseCascade(text, 'test.ein');
  if (!r.cascade) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.cascade;
}

for (const [dt, G] of [['int4', 8], ['int2', 4], ['fp4e2m1', 8], ['fp6e3m2', 16], ['int3', 32]] as const)
  it(`${dt}, group ${G}: the dequantise einsum equals q·s exactly; the GEMM equals a loop`, () => {
    const K = 32, N = 5, M = 3;
    const c = parse(`rank M = ${M}, N = ${N}, K = ${K}
rank K -> KG, K0 = ${G}
input X[M, K]: fp32
weight WQ[K, N]: ${dt}
weight WS[KG, N]: fp16
W[kg*K0+k0, n]: fp32 = WQ[kg*K0+k0, n] * WS[kg, n]
Y[m, n]: fp32 = X[m, k] * W[k, n]
output Y, W`);
    const r = mulberry(G + dt.length);
    const w = Float64Array.from({ length: K * N }, () => r() * 4 - 2);
    const q = quantiseGroups(w, [K, N], { format: parseFormat(dt), group: G, axis: 0 });
    const x = Float64Array.from({ length: M * K }, () => Math.fround(r() - 0.5));
    const inputs = new Map<string, TensorData>([
      ['X', { dtype: 'fp32', shape: [M, K], data: x }],
      ['WQ', { dtype: dt, shape: [K, N], data: q.q }],
      ['WS', { dtype: 'fp16', shape: [K / G, N], data: q.scales }],
    ]);
    for (const s of q.scales) expect(roundTo(s, 'fp16')).toBe(s);
    const out = interpret(c, inputs);
    const exact = dequantise(q);
    expect([...out.get('W')!.data].map((v) => v + 0)).toEqual([...exact].map((v) => v + 0)); // +0: -0 and 0 alike
    const Y = out.get('Y')!.data;
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += x[m * K + k]! * exact[k * N + n]!;
        expect(Y[m * N + n]).toBe(Math.fround(s));
      }
    expect(DTYPE_BITS[dt]).toBe(parseFormat(dt).bits);
  });

describe('storing into a low-bit dtype rounds as compiler/quant does', () => {
  it('fp4e2m1: 2.5 → 2, 5 → 4, 100 → 6 (saturating); uint2: -1 → 0, 2.5 → 2, 9 → 3', () => {
    expect([2.5, 5, 100, -0.25].map((v) => roundTo(v, 'fp4e2m1'))).toEqual([2, 4, 6, -0]);
    expect([-1, 2.5, 9].map((v) => roundTo(v, 'uint2'))).toEqual([0, 2, 3]);
    expect(roundTo(7.9, 'fp6e2m3')).toBe(7.5);
  });
});
