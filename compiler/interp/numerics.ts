// Dtype emulation: rounding a float64 value to the nearest value of a narrower type.
// Every value the interpreter stores goes through `rounderFor(dtype)`, so a tensor only ever holds
// values representable in its dtype.
//
// Floats: round to nearest, ties to even, with subnormals. A finite value beyond the largest
// finite value SATURATES to ±max (no overflow to infinity). Infinite inputs stay infinite in
// formats that have infinities (fp32, bf16, fp16, fp8e5m2) and saturate to ±448 in fp8e4m3,
// which has none. NaN stays NaN (fp8e4m3 encodes it as S.1111.111).
// Integers: round to nearest, ties to even, then clamp to the type's range; NaN becomes 0 and
// ±inf clamps to the range's ends.
import { DTYPES, type DType } from '../ir';
import { parseFormat } from '../quant/format';

export interface FloatFormat {
  /** stored mantissa (fraction) bits */
  mantBits: number;
  /** exponent of the smallest normal value (1 - bias) */
  minExp: number;
  maxFinite: number;
  hasInf: boolean;
}

export const FLOAT_FORMATS: Partial<Record<DType, FloatFormat>> = {
  fp32: { mantBits: 23, minExp: -126, maxFinite: (2 - 2 ** -23) * 2 ** 127, hasInf: true },
  bf16: { mantBits: 7, minExp: -126, maxFinite: (2 - 2 ** -7) * 2 ** 127, hasInf: true },
  fp16: { mantBits: 10, minExp: -14, maxFinite: 65504, hasInf: true },
  // OCP FP8 E4M3: bias 7, the all-ones exponent still holds normals except mantissa 111 (NaN).
  fp8e4m3: { mantBits: 3, minExp: -6, maxFinite: 448, hasInf: false },
  // OCP FP8 E5M2: IEEE-like, bias 15.
  fp8e5m2: { mantBits: 2, minExp: -14, maxFinite: 57344, hasInf: true },
};

export const INT_RANGES: Partial<Record<DType, [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int8: [-128, 127],
  int4: [-8, 7],
};

// The low-bit types take their facts from compiler/quant (one definition of each format). FP6 and FP4
// have no infinities and no NaN: a NaN stored into one stays NaN here, as the interpreter's "not a
// number" marker, rather than a value the format could hold.
for (const d of DTYPES) {
  if (FLOAT_FORMATS[d] || INT_RANGES[d]) continue;
  const f = parseFormat(d);
  if (f.kind === 'int') INT_RANGES[d] = [f.min, f.max];
  else FLOAT_FORMATS[d] = { mantBits: f.mbits, minExp: f.minExp, maxFinite: f.maxFinite, hasInf: f.specials === 'ieee' };
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // index of the high word

/** floor(log2(|x|)) for finite non-zero normal float64 x, exactly (from the exponent bits). */
function exponentOf(a: number): number {
  f64[0] = a;
  return ((u32[HI]! >>> 20) & 0x7ff) - 1023;
}

/** Round half to even of a non-negative value. */
function rneNonNeg(r: number): number {
  const f = Math.floor(r);
  const d = r - f;
  if (d > 0.5 || (d === 0.5 && f % 2 === 1)) return f + 1;
  return f;
}

export function roundToFormat(x: number, fmt: FloatFormat): number {
  if (x !== x) return NaN;
  if (x === 0) return x;
  const a = Math.abs(x);
  if (a === Infinity) return fmt.hasInf ? x : x > 0 ? fmt.maxFinite : -fmt.maxFinite;
  // a float64 subnormal has exponent bits 0; any such value is far below every format's range
  const e = Math.max(exponentOf(a), fmt.minExp);
  const quantum = 2 ** (e - fmt.mantBits);
  let r = rneNonNeg(a / quantum) * quantum;
  if (r > fmt.maxFinite) r = fmt.maxFinite;
  return x < 0 ? -r : r;
}

export function roundToInt(x: number, lo: number, hi: number): number {
  if (x !== x) return 0;
  if (x <= lo) return lo;
  if (x >= hi) return hi;
  const r = x < 0 ? -rneNonNeg(-x) : rneNonNeg(x);
  return r === 0 ? 0 : r; // no -0 in integers
}

const FP32_MAX = FLOAT_FORMATS.fp32!.maxFinite;
function roundFp32(x: number): number {
  const r = Math.fround(x);
  // Math.fround overflows finite values to ±inf; saturate those instead
  if (r === Infinity || r === -Infinity) {
    if (x === Infinity || x === -Infinity) return x;
    return r > 0 ? FP32_MAX : -FP32_MAX;
  }
  return r;
}

/** A function rounding a float64 to `d`. fp32 uses Math.fround (fast path) plus saturation. */
export function rounderFor(d: DType): (x: number) => number {
  if (d === 'fp32') return roundFp32;
  const fmt = FLOAT_FORMATS[d];
  if (fmt) return (x: number) => roundToFormat(x, fmt);
  const [lo, hi] = INT_RANGES[d]!;
  return (x: number) => roundToInt(x, lo, hi);
}

export function roundTo(x: number, d: DType): number {
  return rounderFor(d)(x);
}

/** Rounds every element in place. */
export function roundArray(a: Float64Array, d: DType): Float64Array {
  const r = rounderFor(d);
  for (let i = 0; i < a.length; i++) a[i] = r(a[i]!);
  return a;
}

/** Decodes IEEE binary16 bits (for reading `<f2` .npy files). */
export function halfBitsToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * erf(x) to about 1e-15: for |x| < 3 the series erf(x) = 2/sqrt(pi)·exp(-x²)·Σ 2^n x^(2n+1)/(2n+1)!!
 * (all terms positive, so no cancellation); beyond, 1 - erfc(x) with erfc's continued fraction.
 */
export function erf(x: number): number {
  if (x !== x) return NaN;
  const a = Math.abs(x);
  if (a >= 6) return x > 0 ? 1 : -1;
  let r: number;
  if (a < 3) {
    const x2 = a * a;
    let term = a;
    let sum = a;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  } else {
    // erfc(a) = exp(-a²)/sqrt(pi) · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...))))), evaluated bottom-up
    let f = a;
    for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}
