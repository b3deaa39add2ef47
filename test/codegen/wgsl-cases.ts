// Cascades the WGSL back end is checked on against the interpreter: GEMMs of odd sizes and every
// dtype, attention in its 3-, 2- and 1-pass forms (ragged tiles, causal masks, decode), and
// element-wise, scalar and multi-level-partition cases. Small, so SwiftShader runs them quickly.
import { readFileSync } from 'node:fs';
import { attentionEin } from '../helpers/attention';

const gemm = (m: number, n: number, k: number, inT: string, outT?: string) => `rank M = ${m}, N = ${n}, K = ${k}
input A[M, K]: ${inT}
input B[K, N]: ${inT}
Z[m, n]${outT ? `: ${outT}` : ''} = A[m, k] * B[k, n]
output Z
`;

const attention3 = (e: number, m: number, p: number, causal: boolean, dt = 'fp32') => `rank E = ${e}, F = ${e}, M = ${m}, P = ${p}
input Q[E, P]: ${dt}
input K[E, M]: ${dt}
input V[F, M]: ${dt}
QK[m, p] = Q[e, p] * K[e, m] / sqrt(E)
${causal ? 'MQ[m, p] = select(m <= p, QK[m, p], -inf)' : 'MQ[m, p] = QK[m, p]'}
GM[p] = max(m) MQ[m, p]
SN[m, p] = exp(MQ[m, p] - GM[p])
SD[p] = sum(m) SN[m, p]
A[m, p] = SN[m, p] / SD[p]
AV[f, p] = A[m, p] * V[f, m]
output AV
`;

const attention2 = (e: number, m: number, p: number) => `rank E = ${e}, F = ${e}, M = ${m}, P = ${p}
input Q[E, P]: fp32
input K[E, M]: fp32
input V[F, M]: fp32
QK[m, p] = Q[e, p] * K[e, m]
GM[p] = max(m) QK[m, p]
SN[m, p] = exp(QK[m, p] - GM[p])
SD[p] = sum(m) SN[m, p]
SNV[f, p] = SN[m, p] * V[f, m]
AV[f, p] = SNV[f, p] / SD[p]
output AV
`;

const attention1 = (e: number, m: number, p: number, m0: number, dt = 'fp32') => attentionEin(1, { E: e, F: e, M: m, P: p, M0: m0 }, dt);

const mlp = (d: number, h: number, t: number) => `rank D = ${d}, H = ${h}, T = ${t}
input X[T, D]: fp32
weight W1[D, H]: fp32
weight W2[H, D]: fp32
U[t, h] = X[t, d] * W1[d, h]
G[t, h] = 0.5 * U[t, h] * (1 + erf(U[t, h] / sqrt(2)))
TH[t, h] = tanh(U[t, h]) + abs(U[t, h]) - min(U[t, h], 0)
Y[t, d] = (G[t, h] + TH[t, h]) * W2[h, d]
output Y
`;

const norm = (t: number, d: number) => `rank T = ${t}, D = ${d}
input X[T, D]: fp32
weight G[D]: fp32
SS[t] = X[t, d] * X[t, d]
R[t] = 1 / sqrt(SS[t] / D + 0.00001)
Y[t, d] = X[t, d] * R[t] * G[d]
MX[] = max(t, d) Y[t, d]
SE[t] = sum(d) exp(X[t, d])
LG[t] = log(SE[t])
output Y, MX, LG
`;

const tiled3 = (n: number, a: number, b: number) => `rank N = ${n}, K = 8
rank N -> N2, N1 = ${a}, N0 = ${b}
input X[N, K]: fp32
input W[K]: fp32
XB[n2, n1, n0, k] = X[n2*N1*N0+n1*N0+n0, k]
S[n2, n1] = XB[n2, n1, n0, k] * W[k]
TOT[] = sum(n2, n1) S[n2, n1]
output S, TOT
`;

export const WGSL_CASES: { name: string; ein: string }[] = [
  { name: 'gemm 1x1x1 fp32', ein: gemm(1, 1, 1, 'fp32') },
  { name: 'gemm 7x5x3 fp32', ein: gemm(7, 5, 3, 'fp32') },
  { name: 'gemm 64x48x80 bf16->fp32', ein: gemm(64, 48, 80, 'bf16', 'fp32') },
  { name: 'gemm 33x17x129 bf16', ein: gemm(33, 17, 129, 'bf16') },
  { name: 'gemm 127x65x31 fp16', ein: gemm(127, 65, 31, 'fp16') },
  { name: 'gemm 1x300x61 fp32 (decode)', ein: gemm(1, 300, 61, 'fp32') },
  { name: 'gemm 19x23x16 fp8e4m3', ein: gemm(19, 23, 16, 'fp8e4m3') },
  { name: 'gemm 21x13x9 fp8e5m2', ein: gemm(21, 13, 9, 'fp8e5m2') },
  { name: 'gemm 15x9x40 int8->int32', ein: gemm(15, 9, 40, 'int8') },
  { name: 'gemm 11x6x7 int8->int8', ein: gemm(11, 6, 7, 'int8', 'int8') },
  { name: 'gemm 9x10x20 int4->int32', ein: gemm(9, 10, 20, 'int4') },
  { name: 'attention 3-pass E16 M200 P64', ein: attention3(16, 200, 64, false) },
  { name: 'attention 3-pass causal E8 M37 P37', ein: attention3(8, 37, 37, true) },
  { name: 'attention 3-pass bf16 E16 M50 P9', ein: attention3(16, 50, 9, false, 'bf16') },
  { name: 'attention 3-pass decode E32 M129 P1', ein: attention3(32, 129, 1, false) },
  { name: 'attention 2-pass E16 M200 P64', ein: attention2(16, 200, 64) },
  { name: 'attention 1-pass E16 M200 P64 M0=64 (ragged)', ein: attention1(16, 200, 64, 64) },
  { name: 'attention 1-pass E8 M64 P16 M0=16 (even)', ein: attention1(8, 64, 16, 16) },
  { name: 'attention 1-pass E4 M13 P5 M0=4 (ragged)', ein: attention1(4, 13, 5, 4) },
  { name: 'attention 1-pass bf16 E16 M100 P3 M0=32', ein: attention1(16, 100, 3, 32, 'bf16') },
  { name: 'attention 1-pass decode E16 M77 P1 M0=8', ein: attention1(16, 77, 1, 8) },
  { name: 'attention 1-pass causal E16 M70 P70 M0=16 (examples/gpu)', ein: readFileSync('examples/gpu/attention-causal-1pass.ein', 'utf8') },
  { name: 'mlp gelu/tanh D12 H31 T5', ein: mlp(12, 31, 5) },
  { name: 'rmsnorm + scalar max + logsumexp T9 D33', ein: norm(9, 33) },
  { name: '3-level partition N=50 -> 3 x 4 x 5 (ragged)', ein: tiled3(50, 4, 5) },
  { name: '3-level partition N=40 -> 2 x 4 x 5 (even)', ein: tiled3(40, 4, 5) },
];
