// The interpreter against hand-written loops: GEMM, masks, recurrences, reductions, index arithmetic,
// ragged partitions, integer types, dtype override, random inputs and size limits.
import { describe, expect, it } from 'vitest';
import { compareData, interpret, randomInputs, roundTo, type TensorData } from '../../compiler/interp';
import { DiagnosticError, finalize, type Cascade, type CascadeSource } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';

function parse(text: string): Cascade {
  const r = parseCascade(text, 'test.ein');
  if (!r.cascade) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.cascade;
}
const run = (c: Cascade, seed = 1) => {
  const inputs = randomInputs(c, seed);
  return { inputs, out: interpret(c, inputs), get: (n: string) => (inputs.get(n) ?? interpret(c, inputs).get(n))!.data };
};
const data = (m: Map<string, TensorData>, n: string) => m.get(n)!.data;

describe('GEMM', () => {
  it('bf16 operands, fp32 output: float64 accumulation in k order, rounded once', () => {
    const c = parse(`rank M = 33, N = 17, K = 29
input A[M, K]: bf16
input B[K, N]: bf16
Z[m, n]: fp32 = A[m, k] * B[k, n]
output Z`);
    const { inputs, out } = run(c, 4);
    const A = data(inputs, 'A');
    const B = data(inputs, 'B');
    for (const x of A) expect(roundTo(x, 'bf16')).toBe(x);
    const Z = data(out, 'Z');
    for (let m = 0; m < 33; m++)
      for (let n = 0; n < 17; n++) {
        let s = 0;
        for (let k = 0; k < 29; k++) s += A[m * 29 + k]! * B[k * 17 + n]!;
        expect(Z[m * 17 + n]).toBe(Math.fround(s));
      }
  });

  it('a hand-built CascadeSource (no parser) with a transposed operand', () => {
    const iv = (name: string) => ({ kind: 'ivar' as const, name });
    const acc = (tensor: string, ...idx: string[]) => ({ kind: 'access' as const, access: { tensor, indices: idx.map(iv) } });
    const src: CascadeSource = {
      ranks: [
        { name: 'M', size: 9 },
        { name: 'N', size: 70 },
        { name: 'K', size: 6 },
      ],
      partitions: [],
      declared: [
        { name: 'A', role: 'input', dtype: 'fp32', dims: [{ rank: 'K', extent: 6 }, { rank: 'M', extent: 9 }] },
        { name: 'B', role: 'weight', dtype: 'fp32', dims: [{ rank: 'N', extent: 70 }, { rank: 'K', extent: 6 }] },
      ],
      einsums: [{ output: { tensor: 'Z', indices: [iv('n'), iv('m')] }, reduce: 'sum', init: false, expr: { kind: 'binary', op: '*', a: acc('A', 'k', 'm'), b: acc('B', 'n', 'k') } }],
      outputs: [{ name: 'Z' }],
    };
    const c = finalize(src).cascade!;
    const { inputs, out } = run(c, 9);
    const A = data(inputs, 'A');
    const B = data(inputs, 'B');
    const Z = data(out, 'Z');
    for (let n = 0; n < 70; n++)
      for (let m = 0; m < 9; m++) {
        let s = 0;
        for (let k = 0; k < 6; k++) s += A[k * 9 + m]! * B[n * 6 + k]!;
        expect(Z[n * 9 + m]).toBe(Math.fround(s));
      }
  });

  it('integer GEMM: int8 x int4 accumulates exactly in int32', () => {
    const c = parse(`rank M = 4, N = 3, K = 50
input A[M, K]: int8
input B[K, N]: int4
Z[m, n] = A[m, k] * B[k, n]
output Z`);
    const { inputs, out } = run(c, 2);
    expect(out.get('Z')!.dtype).toBe('int32');
    const A = data(inputs, 'A');
    const B = data(inputs, 'B');
    expect(Math.min(...A)).toBeGreaterThanOrEqual(-128);
    expect(Math.max(...B)).toBeLessThanOrEqual(7);
    for (let m = 0; m < 4; m++)
      for (let n = 0; n < 3; n++) {
        let s = 0;
        for (let k = 0; k < 50; k++) s += A[m * 50 + k]! * B[k * 3 + n]!;
        expect(data(out, 'Z')[m * 3 + n]).toBe(s);
      }
  });
});

/** Causal attention by hand: key m is visible to query p when m <= p. */
function causalReference(E: number, F: number, M: number, Q: Float64Array, K: Float64Array, V: Float64Array): Float64Array {
  const P = M;
  const av = new Float64Array(F * P);
  for (let p = 0; p < P; p++) {
    const s: number[] = [];
    for (let m = 0; m <= p; m++) {
      let x = 0;
      for (let e = 0; e < E; e++) x += Q[e * P + p]! * K[e * M + m]!;
      s.push(x);
    }
    const mx = Math.max(...s);
    const w = s.map((x) => Math.exp(x - mx));
    const den = w.reduce((a, b) => a + b, 0);
    for (let f = 0; f < F; f++) av[f * P + p] = w.reduce((a, x, m) => a + x * V[f * M + m]!, 0) / den;
  }
  return av;
}

describe('masks', () => {
  const E = 6;
  const F = 5;
  const M = 23;
  it('causal 3-pass attention with select(m <= p, .., -inf)', () => {
    const c = parse(`rank E = ${E}, F = ${F}, M = ${M}, P = ${M}
input Q[E, P]: fp32
input K[E, M]: fp32
input V[F, M]: fp32
QK[m, p] = Q[e, p] * K[e, m]
MQK[m, p] = select(m <= p, QK[m, p], -inf)
GM[p] = max(m) MQK[m, p]
SN[m, p] = exp(MQK[m, p] - GM[p])
SD[p] = sum(m) SN[m, p]
AV[f, p] = SN[m, p] * V[f, m] / SD[p]
output AV`);
    const { inputs, out } = run(c, 21);
    const ref = causalReference(E, F, M, data(inputs, 'Q'), data(inputs, 'K'), data(inputs, 'V'));
    expect(compareData(data(out, 'AV'), ref).maxRelError).toBeLessThan(1e-5);
    expect(data(out, 'SN')[5 * M + 2]).toBe(0); // m = 5 > p = 2 is masked
  });

  it('causal 1-pass attention over ragged tiles (whole tiles masked for early queries)', () => {
    const c = parse(`rank E = ${E}, F = ${F}, M = ${M}, P = ${M}
rank M -> M1, M0 = 5
input Q[E, P]: fp32
input K[E, M]: fp32
input V[F, M]: fp32
BK[e, m1, m0] = K[e, m1*M0+m0]
BV[f, m1, m0] = V[f, m1*M0+m0]
init RM[0, p] = -inf
init RD[0, p] = 0
init RNV[f, 0, p] = 0
QK[m1, m0, p] = Q[e, p] * BK[e, m1, m0]
BQK[m1, m0, p] = select(m1*M0+m0 <= p, QK[m1, m0, p], -inf)
LM[m1, p] = max(m0) BQK[m1, m0, p]
RM[m1+1, p] = max(RM[m1, p], LM[m1, p])
SLN[m1, m0, p] = exp(BQK[m1, m0, p] - RM[m1+1, p])
SLD[m1, p] = sum(m0) SLN[m1, m0, p]
SLNV[f, m1, p] = SLN[m1, m0, p] * BV[f, m1, m0]
PRM[m1, p] = exp(RM[m1, p] - RM[m1+1, p])
SPD[m1, p] = RD[m1, p] * PRM[m1, p]
RD[m1+1, p] = SLD[m1, p] + SPD[m1, p]
SPNV[f, m1, p] = RNV[f, m1, p] * PRM[m1, p]
RNV[f, m1+1, p] = SLNV[f, m1, p] + SPNV[f, m1, p]
AV[f, p] = RNV[f, M1, p] / RD[M1, p]
output AV`);
    const { inputs, out } = run(c, 22);
    const ref = causalReference(E, F, M, data(inputs, 'Q'), data(inputs, 'K'), data(inputs, 'V'));
    const cmp = compareData(data(out, 'AV'), ref);
    expect(cmp.mismatchedSpecials).toBe(0);
    expect(cmp.maxRelError).toBeLessThan(1e-5);
  });
});

describe('recurrences', () => {
  it('a prefix sum S[m+1] = S[m] + X[m] rounds at every step', () => {
    const c = parse(`rank M = 40
input X[M]: bf16
init S[0] = 0
S[m+1] = S[m] + X[m]
output S`);
    const { inputs, out } = run(c, 5);
    const X = data(inputs, 'X');
    const S = data(out, 'S');
    expect(S.length).toBe(41);
    let s = 0;
    expect(S[0]).toBe(0);
    for (let m = 0; m < 40; m++) {
      s = roundTo(s + X[m]!, 'bf16');
      expect(S[m + 1]).toBe(s);
    }
  });

  it('a member that reduces over the iterative variable accumulates across steps', () => {
    const c = parse(`rank M = 12, P = 3
rank M -> M1, M0 = 5
input X[M, P]: fp32
B[m1, m0, p] = X[m1*M0+m0, p]
TS[m1, p] = sum(m0) B[m1, m0, p]
init R[0, p] = 0
R[m1+1, p] = R[m1, p] + TS[m1, p]
T[p] = sum(m1) R[m1+1, p]
output T`);
    const { inputs, out } = run(c, 6);
    const X = data(inputs, 'X');
    for (let p = 0; p < 3; p++) {
      let r = 0;
      let t = 0;
      for (let m1 = 0; m1 < 3; m1++) {
        let tile = 0;
        for (let m0 = 0; m0 < 5 && m1 * 5 + m0 < 12; m0++) tile += X[(m1 * 5 + m0) * 3 + p]!;
        r = Math.fround(r + Math.fround(tile));
        t += r;
      }
      expect(data(out, 'R')[3 * 3 + p]).toBe(r);
      expect(data(out, 'T')[p]).toBe(Math.fround(t));
    }
  });
});

describe('reductions, index arithmetic and values', () => {
  it('max, min and prod with their identities', () => {
    const c = parse(`rank I = 5, J = 7
input X[I, J]: fp32
MX[i] = max(j) X[i, j]
MN[i] = min(j) X[i, j]
PR[i] = prod(j) X[i, j]
output MX, MN, PR`);
    const { inputs, out } = run(c, 8);
    const X = data(inputs, 'X');
    for (let i = 0; i < 5; i++) {
      const row = Array.from(X.subarray(i * 7, i * 7 + 7));
      expect(data(out, 'MX')[i]).toBe(Math.max(...row));
      expect(data(out, 'MN')[i]).toBe(Math.min(...row));
      expect(data(out, 'PR')[i]).toBe(Math.fround(row.reduce((a, b) => a * b, 1)));
    }
  });

  it('a sliding window X[o + r], index variables and rank sizes as values', () => {
    const c = parse(`rank P = 10, R = 3, O = 8
input X[P]: fp32
input W[R]: fp32
Y[o] = X[o + r] * W[r]
Z[o] = Y[o] / sqrt(R) + o
C[o, r] = select(o >= 2 * r, 1, 0)
output Z, C`);
    const { inputs, out } = run(c, 3);
    const X = data(inputs, 'X');
    const W = data(inputs, 'W');
    for (let o = 0; o < 8; o++) {
      let y = 0;
      for (let r = 0; r < 3; r++) y += X[o + r]! * W[r]!;
      y = Math.fround(y);
      expect(data(out, 'Y')[o]).toBe(y);
      expect(data(out, 'Z')[o]).toBe(Math.fround(y / Math.sqrt(3) + o));
      for (let r = 0; r < 3; r++) expect(data(out, 'C')[o * 3 + r]).toBe(o >= 2 * r ? 1 : 0);
    }
  });

  it('a three-level ragged partition visits exactly the points below the parent size', () => {
    const c = parse(`rank M = 10
rank M -> M2, M1 = 2, M0 = 2
input X[M]: fp32
B[m2, m1, m0] = X[m2*4 + m1*2 + m0]
S[m2, m1] = sum(m0) B[m2, m1, m0]
N[m2, m1] = sum(m0) B[m2, m1, m0] * 0 + 1
T[] = sum(m2, m1) S[m2, m1]
output T, N`);
    const { inputs, out } = run(c, 12);
    const X = data(inputs, 'X');
    expect(data(out, 'B').length).toBe(12);
    expect(Array.from(data(out, 'B').subarray(10))).toEqual([0, 0]); // never visited
    // point counts per (m2, m1): m = 8, 9 valid in (2, 0); (2, 1) has none
    expect(Array.from(data(out, 'N'))).toEqual([2, 2, 2, 2, 2, 0]);
    let t = 0;
    for (let m2 = 0; m2 < 3; m2++)
      for (let m1 = 0; m1 < 2; m1++) {
        let s = 0;
        for (let m0 = 0; m0 < 2; m0++) if (m2 * 4 + m1 * 2 + m0 < 10) s += X[m2 * 4 + m1 * 2 + m0]!;
        t += Math.fround(s);
      }
    expect(data(out, 'T')[0]).toBe(Math.fround(t));
  });

  it('writes through a recomposed output index (un-tiling a ragged tiled tensor)', () => {
    const c = parse(`rank M = 11, P = 2
rank M -> M1, M0 = 4
input X[M, P]: fp32
T[m1, m0, p] = X[m1*M0+m0, p] * 2
Y[m1*M0+m0, p] = T[m1, m0, p] + m1
output Y`);
    const { inputs, out } = run(c, 14);
    const X = data(inputs, 'X');
    const Y = data(out, 'Y');
    expect(Y.length).toBe(22);
    for (let m = 0; m < 11; m++) for (let p = 0; p < 2; p++) expect(Y[m * 2 + p]).toBe(Math.fround(X[m * 2 + p]! * 2 + Math.floor(m / 4)));
  });

  it('exp, log, tanh, erf, abs, neg and comparisons', () => {
    const c = parse(`rank I = 16
input X[I]: fp32
Y[i] = exp(X[i]) + log(abs(X[i])) - tanh(X[i]) * erf(X[i]) + neg(X[i]) + (X[i] > 0) + (X[i] == X[i]) - (X[i] != 0)
output Y`);
    const { inputs, out } = run(c, 13);
    const X = data(inputs, 'X');
    for (let i = 0; i < 16; i++) {
      const x = X[i]!;
      const y = Math.exp(x) + Math.log(Math.abs(x)) - Math.tanh(x) * erfRef(x) + -x + (x > 0 ? 1 : 0) + 1 - (x !== 0 ? 1 : 0);
      expect(Math.abs(data(out, 'Y')[i]! - Math.fround(y))).toBeLessThanOrEqual(Math.abs(y) * 2 ** -23);
    }
  });
});

/** erf by numerical integration (Simpson, 2000 panels): independent of the interpreter's series. */
function erfRef(x: number): number {
  const n = 2000;
  const h = x / n;
  let s = 1 + Math.exp(-x * x);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * Math.exp(-(i * h) * (i * h));
  return ((s * h) / 3) * (2 / Math.sqrt(Math.PI));
}

describe('dtypes, inputs and limits', () => {
  const gemm = `rank M = 8, N = 8, K = 8
input A[M, K]: fp32
input B[K, N]: fp32
Z[m, n] = A[m, k] * B[k, n]
output Z`;
  it('opts.dtype overrides every tensor, inputs included', () => {
    const c = parse(gemm);
    const inputs = randomInputs(c, 1);
    const out = interpret(c, inputs, { dtype: 'fp8e4m3' });
    const z = out.get('Z')!;
    expect(z.dtype).toBe('fp8e4m3');
    for (const x of z.data) expect(roundTo(x, 'fp8e4m3')).toBe(x);
    const A = Array.from(data(inputs, 'A'), (x) => roundTo(x, 'fp8e4m3'));
    const B = Array.from(data(inputs, 'B'), (x) => roundTo(x, 'fp8e4m3'));
    let s = 0;
    for (let k = 0; k < 8; k++) s += A[k]! * B[k * 8]!;
    expect(z.data[0]).toBe(roundTo(s, 'fp8e4m3'));
  });

  it('randomInputs is deterministic, seed-dependent, per-tensor and in [-1, 1)', () => {
    const c = parse(gemm);
    const a = randomInputs(c, 42);
    const b = randomInputs(c, 42);
    expect(data(a, 'A')).toEqual(data(b, 'A'));
    expect(data(a, 'B')).toEqual(data(b, 'B'));
    expect(data(randomInputs(c, 43), 'A')).not.toEqual(data(a, 'A'));
    expect(data(a, 'A')).not.toEqual(data(a, 'B'));
    for (const x of data(a, 'A')) {
      expect(x).toBeGreaterThanOrEqual(-1);
      expect(x).toBeLessThan(1);
    }
    // another tensor declared first does not change A's values
    const c2 = parse(gemm.replace('input A', 'input C[M]: fp32\ninput A'));
    expect(data(randomInputs(c2, 42), 'A')).toEqual(data(a, 'A'));
  });

  it('rejects inputs of the wrong shape and missing inputs', () => {
    const c = parse(gemm);
    const inputs = randomInputs(c, 1);
    inputs.set('A', { dtype: 'fp32', shape: [8, 7], data: new Float64Array(56) });
    inputs.delete('B');
    try {
      interpret(c, inputs);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DiagnosticError);
      const msgs = (e as DiagnosticError).diagnostics.map((d) => d.message).join('\n');
      expect(msgs).toContain('A has shape [8, 7]');
      expect(msgs).toContain('no value given for input B');
    }
  });

  it('refuses cascades beyond the element budget with a plain diagnostic', () => {
    const c = parse(`rank M = 100000, N = 100000
input A[M, N]: fp32
Z[m] = A[m, n]
output Z`);
    expect(() => interpret(c, new Map())).toThrow(/limit/);
    try {
      interpret(c, new Map());
    } catch (e) {
      expect((e as DiagnosticError).diagnostics[0]!.code).toBe('too-large');
    }
  });
});
