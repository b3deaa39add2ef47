// Element formats of N bits, exactly: integers (int1-int8 signed two's complement, uint1-uint8) and
// minifloats eXmY (X exponent bits, Y stored mantissa bits, one sign bit, bias 2^(X-1) - 1, subnormals).
//
// A minifloat's top exponent field follows one of three conventions (the OCP Microscaling (MX)
// specification v1.0 defines the named ones; the FPGA minifloat study, Aggarwal et al. 2023, uses the
// third, "no specials", as the cheapest in hardware):
//   - 'ieee': the all-ones exponent holds ±inf (mantissa 0) and NaN (else)     e5m2 = OCP FP8 E5M2
//   - 'fn'  : finite, one NaN per sign (all-ones exponent and mantissa)        e4m3fn = OCP FP8 E4M3
//   - 'f'   : every code is a finite number (no inf, no NaN)                   e2m1f/e2m3f/e3m2f = OCP FP4/FP6
// Named aliases: fp8e4m3 = e4m3fn, fp8e5m2 = e5m2, fp6e2m3 = e2m3f, fp6e3m2 = e3m2f, fp4e2m1 = e2m1f.
//
// Conversion is round to nearest, ties to even, with SATURATION: a finite value beyond the largest
// finite value becomes ±max (the OCP spec's saturating mode; for FP4/FP6 it is the only mode). ±inf
// stays ±inf in 'ieee' formats and saturates otherwise; NaN stays NaN where a NaN code exists, and
// is refused (a QuantError) in 'f' formats. Integers: round to nearest even, clamp to the range.

export type Specials = 'ieee' | 'fn' | 'f';

export interface IntFormat {
  kind: 'int';
  name: string;
  bits: number;
  signed: boolean;
  min: number;
  max: number;
}

export interface FloatFormat {
  kind: 'float';
  name: string;
  bits: number;
  ebits: number;
  mbits: number;
  bias: number;
  specials: Specials;
  /** exponent of the smallest normal (1 - bias) */
  minExp: number;
  /** exponent of the largest finite binade */
  maxExp: number;
  maxFinite: number;
  /** smallest positive subnormal, 2^(minExp - mbits) */
  minSubnormal: number;
}

export type ElementFormat = IntFormat | FloatFormat;

export class QuantError extends Error {}

export function intFormat(bits: number, signed: boolean): IntFormat {
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) throw new QuantError(`integer width ${bits}: expected 1 to 32 bits`);
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  return { kind: 'int', name: `${signed ? 'int' : 'uint'}${bits}`, bits, signed, min, max };
}

export function floatFormat(ebits: number, mbits: number, specials: Specials): FloatFormat {
  if (!Number.isInteger(ebits) || ebits < 1 || ebits > 8) throw new QuantError(`minifloat e${ebits}m${mbits}: expected 1 to 8 exponent bits`);
  if (!Number.isInteger(mbits) || mbits < 0 || mbits > 23) throw new QuantError(`minifloat e${ebits}m${mbits}: expected 0 to 23 mantissa bits`);
  if (specials === 'ieee' && (ebits < 2 || mbits < 1)) throw new QuantError(`minifloat e${ebits}m${mbits} with infinities and NaN needs at least 2 exponent bits and 1 mantissa bit (write e${ebits}m${mbits}f for an all-finite format)`);
  if (specials === 'fn' && ebits + mbits < 2) throw new QuantError(`minifloat e${ebits}m${mbits}fn has no room for a NaN code`);
  const bias = 2 ** (ebits - 1) - 1;
  const topField = 2 ** ebits - 1;
  const maxExp = (specials === 'ieee' ? topField - 1 : topField) - bias;
  // the largest mantissa in the top binade: all ones, except in 'fn' where all ones is NaN
  const topMant = specials === 'fn' ? 2 ** mbits - 2 : 2 ** mbits - 1;
  const maxFinite = (1 + topMant / 2 ** mbits) * 2 ** maxExp;
  const minExp = 1 - bias;
  const suffix = specials === 'ieee' ? '' : specials;
  return { kind: 'float', name: `e${ebits}m${mbits}${suffix}`, bits: 1 + ebits + mbits, ebits, mbits, bias, specials, minExp, maxExp, maxFinite, minSubnormal: 2 ** (minExp - mbits) };
}

const ALIASES: Record<string, string> = { fp8e4m3: 'e4m3fn', fp8e5m2: 'e5m2', fp6e2m3: 'e2m3f', fp6e3m2: 'e3m2f', fp4e2m1: 'e2m1f', fp16: 'e5m10', bf16: 'e8m7' };

/** The format a name denotes (int4, uint2, fp4e2m1, fp8e4m3, e3m4, e4m3fn, e2m1f, ...), or a QuantError. */
export function parseFormat(name: string): ElementFormat {
  const n = ALIASES[name] ?? name;
  const i = /^(u?)int(\d+)$/.exec(n);
  if (i) return withName(intFormat(Number(i[2]), i[1] === ''), name);
  const f = /^e(\d+)m(\d+)(fn|f)?$/.exec(n);
  if (f) return withName(floatFormat(Number(f[1]), Number(f[2]), (f[3] as Specials | undefined) ?? 'ieee'), name);
  throw new QuantError(`unknown element format "${name}": expected intN or uintN (N = 1..32), fp4e2m1, fp6e2m3, fp6e3m2, fp8e4m3, fp8e5m2, fp16, bf16, or a minifloat eXmY (IEEE infinities and NaN), eXmYfn (finite, one NaN) or eXmYf (all finite)`);
}

function withName<T extends ElementFormat>(f: T, name: string): T {
  return { ...f, name };
}

/** Round half to even of a non-negative value. */
function rneNonNeg(r: number): number {
  const f = Math.floor(r);
  const d = r - f;
  if (d > 0.5 || (d === 0.5 && f % 2 === 1)) return f + 1;
  return f;
}

/** x rounded to the nearest value of an integer format (ties to even, clamped; NaN refused). */
export function roundInt(x: number, f: IntFormat): number {
  if (x !== x) throw new QuantError(`NaN has no ${f.name} value`);
  if (x <= f.min) return f.min;
  if (x >= f.max) return f.max;
  const r = x < 0 ? -rneNonNeg(-x) : rneNonNeg(x);
  return r === 0 ? 0 : r;
}

/** x rounded to the nearest value of a minifloat (ties to even, saturating). */
export function roundFloat(x: number, f: FloatFormat): number {
  if (x !== x) {
    if (f.specials === 'f') throw new QuantError(`NaN has no ${f.name} value (the format has no NaN)`);
    return NaN;
  }
  if (x === 0) return x;
  const a = Math.abs(x);
  if (a === Infinity) return f.specials === 'ieee' ? x : x > 0 ? f.maxFinite : -f.maxFinite;
  const e = Math.max(Math.floor(Math.log2(a)), f.minExp);
  // Math.log2 can be off by one at binade edges; correct so that 2^e <= a < 2^(e+1) (or e = minExp)
  const ee = a >= 2 ** (e + 1) ? e + 1 : e > f.minExp && a < 2 ** e ? e - 1 : e;
  const quantum = 2 ** (ee - f.mbits);
  let r = rneNonNeg(a / quantum) * quantum;
  if (r > f.maxFinite) r = f.maxFinite;
  return x < 0 ? -r : r;
}

export function roundToFormat(x: number, f: ElementFormat): number {
  return f.kind === 'int' ? roundInt(x, f) : roundFloat(x, f);
}

/** The bit pattern (an unsigned integer < 2^bits) of x after rounding. */
export function encode(x: number, f: ElementFormat): number {
  if (f.kind === 'int') {
    const v = roundInt(x, f);
    return v < 0 ? v + 2 ** f.bits : v;
  }
  const v = roundFloat(x, f);
  const signBit = 2 ** (f.bits - 1);
  const sign = v < 0 || Object.is(v, -0) || (v !== v && x < 0) ? signBit : 0;
  const top = 2 ** f.ebits - 1;
  const mantMask = 2 ** f.mbits;
  if (v !== v) return sign + (f.specials === 'ieee' ? top * mantMask + mantMask / 2 : top * mantMask + mantMask - 1);
  const a = Math.abs(v);
  if (a === Infinity) return sign + top * mantMask;
  if (a === 0) return sign;
  if (a < 2 ** f.minExp) return sign + a / f.minSubnormal; // subnormal: exponent field 0
  const e = Math.floor(Math.log2(a));
  const ex = a >= 2 ** (e + 1) ? e + 1 : a < 2 ** e ? e - 1 : e;
  const mant = (a / 2 ** ex - 1) * mantMask;
  return sign + (ex + f.bias) * mantMask + mant;
}

/** The value of a bit pattern. */
export function decode(code: number, f: ElementFormat): number {
  if (!Number.isInteger(code) || code < 0 || code >= 2 ** f.bits) throw new QuantError(`code ${code} is not a ${f.bits}-bit pattern of ${f.name}`);
  if (f.kind === 'int') return f.signed && code >= 2 ** (f.bits - 1) ? code - 2 ** f.bits : code;
  const signBit = 2 ** (f.bits - 1);
  const s = code >= signBit ? -1 : 1;
  const body = code % signBit;
  const mantMask = 2 ** f.mbits;
  const ef = Math.floor(body / mantMask);
  const m = body % mantMask;
  const top = 2 ** f.ebits - 1;
  if (ef === top && f.specials === 'ieee') return m === 0 ? s * Infinity : NaN;
  if (ef === top && f.specials === 'fn' && m === mantMask - 1) return NaN;
  if (ef === 0) return s * m * f.minSubnormal;
  return s * (1 + m / mantMask) * 2 ** (ef - f.bias);
}

/** Every finite non-negative value of a format of at most 16 bits, ascending (for tests and tables). */
export function nonNegativeValues(f: ElementFormat): number[] {
  if (f.bits > 16) throw new QuantError(`${f.name}: too many values to list`);
  const out = new Set<number>();
  for (let c = 0; c < 2 ** f.bits; c++) {
    const v = decode(c, f);
    if (v === v && Number.isFinite(v) && v >= 0) out.add(v === 0 ? 0 : v);
  }
  return [...out].sort((a, b) => a - b);
}

/** The largest magnitude a symmetric quantiser maps a group's absolute maximum to. */
export function maxMagnitude(f: ElementFormat): number {
  return f.kind === 'int' ? (f.signed ? f.max : f.max) : f.maxFinite;
}

/** Storage of n elements, packed, in bits. */
export function packedBits(f: ElementFormat, n: number): number {
  return f.bits * n;
}
