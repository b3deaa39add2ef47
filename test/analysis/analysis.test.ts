// Analysis against hand formulas: FLOPs by op (GEMM, 3- and 1-pass attention), exact ragged point counts,
// bytes with dtype packing, intensity, footprint, and FuseMax pass counts of the attention examples.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCascade, countPasses, passAnalysis, pointCounts } from '../../compiler/analysis';
import type { Cascade } from '../../compiler/ir';
import { loadCascadeFile, parseCascade } from '../../compiler/lang';

const root = join(import.meta.dirname, '../..');
function parse(text: string): Cascade {
  const r = parseCascade(text, 'test.ein');
  if (!r.cascade) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.cascade;
}
const example = (n: number) => loadCascadeFile(join(root, `examples/attention/attention-${n}pass.ein`));

describe('FLOPs', () => {
  it('GEMM: 2·M·N·K - M·N, M·N·K MACs', () => {
    const [M, N, K] = [37, 19, 23];
    const a = analyzeCascade(parse(`rank M = ${M}, N = ${N}, K = ${K}
input A[M, K]: bf16
input B[K, N]: bf16
Z[m, n]: fp32 = A[m, k] * B[k, n]
output Z`));
    expect(a.totals.flops).toBe(2 * M * N * K - M * N);
    expect(a.totals.macs).toBe(M * N * K);
    expect(a.totals.ops).toEqual({ mul: M * N * K, add: M * N * K - M * N });
    expect(a.totals.inputBytes).toBe(2 * (M * K + K * N));
    expect(a.totals.outputBytes).toBe(4 * M * N);
    expect(a.intensity).toBeCloseTo((2 * M * N * K - M * N) / (2 * (M * K + K * N) + 4 * M * N), 12);
  });

  it('3-pass attention: each einsum by hand', () => {
    const [E, F, M, P] = [16, 16, 200, 64];
    const a = analyzeCascade(example(3));
    const by = Object.fromEntries(a.einsums.map((e) => [e.name, e.ops]));
    expect(by.QK).toEqual({ mul: E * M * P, add: (E - 1) * M * P });
    expect(by.GM).toEqual({ max: (M - 1) * P });
    expect(by.SN).toEqual({ sub: M * P, exp: M * P });
    expect(by.SD).toEqual({ add: (M - 1) * P });
    expect(by.A).toEqual({ div: M * P });
    expect(by.AV).toEqual({ mul: F * M * P, add: (M - 1) * F * P });
    expect(a.totals.flops).toBe(2 * E * M * P - M * P + 2 * F * M * P - F * P + 2 * (M - 1) * P + 3 * M * P);
  });

  it('1-pass attention with a ragged last tile: points respect the guard', () => {
    const [E, F, M, P, M1] = [16, 16, 200, 64, 4];
    const a = analyzeCascade(example(1));
    const by = Object.fromEntries(a.einsums.map((e) => [e.name, e]));
    expect(by.BQK!.points).toBe(E * M * P); // not E·M1·M0·P = E·256·P
    expect(by.LM!.ops).toEqual({ max: M * P - M1 * P });
    expect(by.RM!.ops).toEqual({ max: M1 * P });
    expect(by.SLNV!.ops).toEqual({ mul: F * M * P, add: F * M * P - F * M1 * P });
    expect(by.PRM!.ops).toEqual({ sub: M1 * P, exp: M1 * P });
    expect(by.AV!.ops).toEqual({ div: F * P });
    expect(by.BK!.flops).toBe(0);
    expect(by['RM.init']!.flops).toBe(0);
    expect(a.totals.ops.mul).toBe(E * M * P + F * M * P + M1 * P + F * M1 * P);
    expect(a.totals.ops.add).toBe(E * M * P + F * M * P);
    expect(a.totals.macs).toBe(E * M * P + F * M * P);
  });

  it('masks count cmp and select; constant subexpressions are free', () => {
    const a = analyzeCascade(parse(`rank M = 10, P = 10, E = 4
input X[M, P]: fp32
Y[m, p] = select(m <= p, X[m, p] / sqrt(E), -inf)
output Y`));
    expect(a.totals.ops).toEqual({ cmp: 100, select: 100, div: 100 });
  });

  it('exact point counts of a three-level ragged partition', () => {
    const c = parse(`rank M = 10
rank M -> M2, M1 = 2, M0 = 2
input X[M]: fp32
B[m2, m1, m0] = X[m2*4 + m1*2 + m0]
S[m2, m1] = sum(m0) B[m2, m1, m0]
T[m0] = sum(m2, m1) B[m2, m1, m0]
output S, T`);
    expect(pointCounts(c, c.einsums[0]!)).toEqual({ points: 10, outputPoints: 10 });
    // (m2, m1) pairs with m2·4 + m1·2 < 10: (0,0) (0,1) (1,0) (1,1) (2,0)
    expect(pointCounts(c, c.einsums[1]!)).toEqual({ points: 10, outputPoints: 5 });
    expect(pointCounts(c, c.einsums[2]!)).toEqual({ points: 10, outputPoints: 2 });
    expect(analyzeCascade(c).einsums[1]!.ops).toEqual({ add: 5 });
  });
});

describe('bytes, params and footprint', () => {
  it('packs int4 and counts weights as parameters', () => {
    const a = analyzeCascade(parse(`rank M = 3, K = 5, N = 7
input X[M, K]: int8
weight W[K, N]: int4
weight S[N]: int8
input G[M]: fp8e5m2
Y[m, n] = X[m, k] * W[k, n] * S[n]
Z[m] = G[m] * 2
output Y, Z`));
    const bytes = Object.fromEntries(a.tensors.map((t) => [t.name, t.bytes]));
    expect(bytes).toEqual({ X: 15, W: 18, S: 7, G: 3, Y: 3 * 7 * 4, Z: 3 });
    expect(a.totals.params).toBe(35 + 7);
    expect(a.totals.paramBytes).toBe(18 + 7);
    expect(a.totals.inputBytes).toBe(15 + 18 + 7 + 3);
    expect(a.totals.outputBytes).toBe(84 + 3);
  });

  it('peak live bytes follow the program order', () => {
    // X (400 B) → A (400) → B (40) → C (4, output); X dies after A, A after B
    const a = analyzeCascade(parse(`rank I = 10, J = 10
input X[I, J]: fp32
A[i, j] = X[i, j] * 2
B[i] = A[i, j]
C[] = B[i]
output C`));
    expect(a.footprint.totalBytes).toBe(400 + 400 + 40 + 4);
    expect(a.footprint.peakBytes).toBe(800);
    expect(a.footprint.peakAt).toBe('A');
  });
});

describe('FuseMax pass counting', () => {
  it('counts 3, 2 and 1 passes over M for the attention examples', () => {
    expect(countPasses(example(3), 'M')).toBe(3);
    expect(countPasses(example(2), 'M')).toBe(2);
    expect(countPasses(example(1), 'M')).toBe(1);
  });
  it('assigns each einsum its pass', () => {
    const p = passAnalysis(example(3), 'M');
    expect(Object.fromEntries(p.einsums.map((e) => [e.name, e.pass]))).toEqual({ QK: 1, GM: 1, SN: 2, SD: 2, A: 3, AV: 3 });
    const p2 = passAnalysis(example(2), 'M');
    const by2 = Object.fromEntries(p2.einsums.map((e) => [e.name, e.pass]));
    expect([by2.LM, by2.GM, by2.SPD, by2.SD, by2.SN, by2.SNV, by2.AV]).toEqual([1, 1, 2, 2, 2, 2, 2]);
    const p1 = passAnalysis(example(1), 'M');
    const av = p1.einsums.find((e) => e.name === 'AV')!;
    expect(av).toEqual({ name: 'AV', pass: 1, traverses: false, outputComplete: true });
  });
  it('ranks the cascade does not re-traverse count one pass, untouched ranks zero', () => {
    expect(countPasses(example(3), 'E')).toBe(1);
    expect(countPasses(example(3), 'P')).toBe(1);
    const c = parse(`rank M = 4, N = 3
input X[M]: fp32
Y[m] = X[m] * 2
output Y`);
    expect(countPasses(c, 'N')).toBe(0);
  });
  it('a normalisation (mean then subtract) over one rank takes two passes', () => {
    const c = parse(`rank D = 64, T = 8
input X[D, T]: fp32
MU[t] = X[d, t] / D
Y[d, t] = X[d, t] - MU[t]
output Y`);
    expect(countPasses(c, 'D')).toBe(2);
    expect(countPasses(c, 'T')).toBe(1);
  });
});
