// The LUT Tensor Core's arithmetic, bit-exact (Mo et al., ISCA 2025, sections 3-4), on plain arrays.
//
// mpGEMM Y[m,n] = sum_k A[m,k] * W[n,k], with W[n,k] = (Q[n,k] - Z[n,g]) * S[n,g] for the quantisation
// group g = floor(k / group) and Q a W-bit unsigned code (1..4 bits, or 8).
//   1. Symmetrisation (weight reinterpretation): q' = 2q - (2^W - 1) is odd, and
//      q' = sum_b 2^b (2 bit_b(q) - 1), so every bit plane is a vector of +-1 digits; s' = s/2 and
//      z' = 2z + 1 - 2^W keep W = (q' - z') s'.
//   2. Table precompute: for each group of K activations a_0..a_{K-1} the table of
//      T[idx] = sum_j a_j (2 bit_j(idx) - 1) is odd (T[~idx] = -T[idx]), so only the 2^(K-1) entries
//      with bit 0 set are stored: entry e = idx >> 1 for such idx. An index with bit 0 clear reads
//      entry (~idx) >> 1 negated; that inversion is done offline on the stored weights (`packWeights`),
//      so the unit's mux selects with bits [K-1:1] and bit 0 only flips the sign.
//   3. Optional INT8 table quantisation: one scale per table, max|T| / 127, entries rounded to nearest.
//   4. Each bit plane b reads its table once per output and adds sign * T[e] * 2^b (an exponent add in
//      floating point, a shift in integers); the group's sum of activations (the table's all-ones
//      entry, kept exact) times z' is subtracted, and the group's scale s' applied.
// Arithmetic: float64 with exact (unquantised) tables is exact for the inputs the tests use (the result
// is then the true dequantised GEMM, rounded once to the output dtype as the interpreter does). The
// table dtype (`fp16`, `fp32`) rounds each entry as a hardware table register would; `int8q` quantises.
import type { DType } from '../../compiler/ir';
import { rounderFor } from '../../compiler/interp/numerics';

export const LUT_WEIGHT_BITS = [1, 2, 3, 4, 8] as const;
export type LutTableFormat = 'exact' | 'fp32' | 'fp16' | 'int8q';

export interface MpGemm {
  M: number;
  N: number;
  Kdim: number;
  /** activations, M x Kdim row-major, values already representable in their dtype */
  a: Float64Array;
  /** weight codes, N x Kdim row-major, each in [0, 2^wbits) */
  q: Uint8Array;
  wbits: number;
  /** quantisation group along K: Kdim / group groups */
  group: number;
  /** scales and zero points, N x (Kdim / group) */
  s: Float64Array;
  z: Float64Array;
}

export interface LutOptions {
  /** activations per table (the tile's K): 2^(K-1) stored entries */
  k: number;
  table?: LutTableFormat;
  /** the output's dtype: the result is rounded to it once at the end (default fp32) */
  out?: DType;
}

export class LutInputError extends Error {
  override name = 'LutInputError';
}

/** A plain message for a shape or width the unit cannot run; null when it can. */
export function checkMpGemm(g: Pick<MpGemm, 'Kdim' | 'wbits' | 'group'>, k: number): string | null {
  if (!(LUT_WEIGHT_BITS as readonly number[]).includes(g.wbits)) return `weight bit width ${g.wbits} is not supported by the LUT unit (supported: ${LUT_WEIGHT_BITS.join(', ')})`;
  if (!Number.isInteger(k) || k < 1 || k > 8) return `table group K = ${k} is not supported (1 to 8 activations per table)`;
  if (!Number.isInteger(g.group) || g.group < 1 || g.Kdim % g.group !== 0) return `quantisation group ${g.group} does not divide K = ${g.Kdim}`;
  if (g.group % k !== 0) return `the table group K = ${k} does not divide the quantisation group ${g.group}`;
  return null;
}

/** The symmetrised table of one group of K activations: 2^(K-1) entries, entry e = T[2e + 1]. */
export function precomputeTable(a: Float64Array, off: number, k: number, out: Float64Array, outOff = 0): void {
  const entries = 1 << (k - 1);
  for (let e = 0; e < entries; e++) {
    const idx = (e << 1) | 1;
    let t = 0;
    for (let j = 0; j < k; j++) t += (idx >> j) & 1 ? a[off + j]! : -a[off + j]!;
    out[outOff + e] = t;
  }
}

/** Quantises one table of `n` entries to INT8 in place; returns its scale (0 for an all-zero table). */
export function quantiseTableInt8(t: Float64Array, off: number, n: number): number {
  let mx = 0;
  for (let i = 0; i < n; i++) mx = Math.max(mx, Math.abs(t[off + i]!));
  if (mx === 0) return 0;
  const scale = mx / 127;
  for (let i = 0; i < n; i++) {
    const r = Math.round(t[off + i]! / scale);
    t[off + i] = Math.max(-127, Math.min(127, r)) * scale;
  }
  return scale;
}

/**
 * The weights as the unit stores them: per bit plane, per weight row, per table group, a K-bit field whose
 * bits [K-1:1] select the entry (already inverted offline where bit 0 was clear) and bit 0 is the sign.
 * Layout: planes x N x (Kdim / K), one byte per field.
 */
export function packWeights(q: Uint8Array, N: number, Kdim: number, wbits: number, k: number): Uint8Array {
  const groups = Kdim / k;
  const mask = (1 << k) - 1;
  const out = new Uint8Array(wbits * N * groups);
  for (let b = 0; b < wbits; b++)
    for (let n = 0; n < N; n++)
      for (let g = 0; g < groups; g++) {
        let idx = 0;
        for (let j = 0; j < k; j++) idx |= ((q[n * Kdim + g * k + j]! >> b) & 1) << j;
        // bit 0 clear: read the entry of ~idx, negated; keep bit 0 as the sign (0 = negate)
        const sel = idx & 1 ? idx : (~idx & mask) & ~1;
        out[(b * N + n) * groups + g] = sel;
      }
  return out;
}

/** Reads a packed field: (sign * stored entry). */
export function lookUp(table: Float64Array, tableOff: number, field: number): number {
  const v = table[tableOff + (field >> 1)]!;
  return field & 1 ? v : -v;
}

/** All tables of an M x Kdim activation matrix: M x (Kdim / K) x 2^(K-1), in the requested format. */
export function precomputeAll(a: Float64Array, M: number, Kdim: number, k: number, fmt: LutTableFormat): Float64Array {
  const groups = Kdim / k;
  const entries = 1 << (k - 1);
  const t = new Float64Array(M * groups * entries);
  const round = fmt === 'fp16' || fmt === 'fp32' ? rounderFor(fmt) : null;
  for (let m = 0; m < M; m++)
    for (let g = 0; g < groups; g++) {
      const off = (m * groups + g) * entries;
      precomputeTable(a, m * Kdim + g * k, k, t, off);
      if (round) for (let e = 0; e < entries; e++) t[off + e] = round(t[off + e]!);
      else if (fmt === 'int8q') quantiseTableInt8(t, off, entries);
    }
  return t;
}

/** The LUT mpGEMM: Y (M x N), rounded once to `out`. Throws LutInputError for an unsupported configuration. */
export function lutMpGemm(g: MpGemm, o: LutOptions): Float64Array {
  const why = checkMpGemm(g, o.k);
  if (why) throw new LutInputError(why);
  const { M, N, Kdim, wbits, group } = g;
  const k = o.k;
  const groups = Kdim / k;
  const entries = 1 << (k - 1);
  const perQ = group / k;
  const qgroups = Kdim / group;
  const tables = precomputeAll(g.a, M, Kdim, k, o.table ?? 'exact');
  const w = packWeights(g.q, N, Kdim, wbits, k);
  const round = rounderFor(o.out ?? 'fp32');
  const y = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let qg = 0; qg < qgroups; qg++) {
        let part = 0;
        let asum = 0;
        for (let gi = qg * perQ; gi < (qg + 1) * perQ; gi++) {
          const tOff = (m * groups + gi) * entries;
          for (let b = 0; b < wbits; b++) part += lookUp(tables, tOff, w[(b * N + n) * groups + gi]!) * 2 ** b;
          for (let j = 0; j < k; j++) asum += g.a[m * Kdim + gi * k + j]!;
        }
        const sIdx = n * qgroups + qg;
        const zp = 2 * g.z[sIdx]! + 1 - 2 ** wbits; // z' = 2z + 1 - 2^W
        acc += (part - zp * asum) * (g.s[sIdx]! / 2); // s' = s / 2
      }
      y[m * N + n] = round(acc);
    }
  return y;
}

/**
 * The error bound of INT8 table quantisation (hand-derived): each entry moves by at most half a step,
 * max|T| / 254, and is used once per bit plane with weight 2^b, so per output
 * |dY| <= sum over quantisation groups |s'| * (2^W - 1) * sum over its tables max|T| / 254.
 * Per (m, n), returned as an M x N array (the exact part of the arithmetic adds nothing in float64).
 */
export function int8TableErrorBound(g: MpGemm, k: number): Float64Array {
  const { M, N, Kdim, wbits, group } = g;
  const groups = Kdim / k;
  const entries = 1 << (k - 1);
  const perQ = group / k;
  const qgroups = Kdim / group;
  const t = precomputeAll(g.a, M, Kdim, k, 'exact');
  const bound = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let b = 0;
      for (let qg = 0; qg < qgroups; qg++) {
        let tmax = 0;
        for (let gi = qg * perQ; gi < (qg + 1) * perQ; gi++) {
          let mx = 0;
          for (let e = 0; e < entries; e++) mx = Math.max(mx, Math.abs(t[(m * groups + gi) * entries + e]!));
          tmax += mx / 254;
        }
        b += Math.abs(g.s[n * qgroups + qg]! / 2) * (2 ** wbits - 1) * tmax;
      }
      bound[m * N + n] = b;
    }
  return bound;
}
