// Oracles: the OCP MX v1.0 value tables and bit layouts, derived by hand (sign, exponent with bias
// 2^(E-1)-1, mantissa; subnormals at exponent field 0).
import { describe, expect, it } from 'vitest';
import { decode, encode, floatFormat, nonNegativeValues, packedBits, parseFormat, QuantError, roundToFormat, type FloatFormat } from '../../compiler/quant';

const F = (n: string) => parseFormat(n) as FloatFormat;

describe('minifloat formats', () => {
  it('FP4 E2M1 has the eight magnitudes 0, 0.5, 1, 1.5, 2, 3, 4, 6', () => {
    expect(nonNegativeValues(F('fp4e2m1'))).toEqual([0, 0.5, 1, 1.5, 2, 3, 4, 6]);
  });
  it('largest finite values: FP6 E2M3 7.5, FP6 E3M2 28, FP8 E4M3 448, FP8 E5M2 57344', () => {
    expect(F('fp6e2m3').maxFinite).toBe(7.5);
    expect(F('fp6e3m2').maxFinite).toBe(28);
    expect(F('fp8e4m3').maxFinite).toBe(448);
    expect(F('fp8e5m2').maxFinite).toBe(57344);
    // smallest subnormals: 2^(1-bias-m)
    expect(F('fp6e2m3').minSubnormal).toBe(0.125);
    expect(F('fp6e3m2').minSubnormal).toBe(0.0625);
    expect(F('fp8e4m3').minSubnormal).toBe(2 ** -9);
    expect(F('fp8e5m2').minSubnormal).toBe(2 ** -16);
  });
  it('counts of finite codes: all 64 of FP6, 254 of E4M3 (two NaNs), 248 of E5M2 (inf and NaN in the top binade)', () => {
    const finite = (f: FloatFormat) => Array.from({ length: 2 ** f.bits }, (_, c) => decode(c, f)).filter(Number.isFinite).length;
    expect(finite(F('fp6e2m3'))).toBe(64);
    expect(finite(F('fp6e3m2'))).toBe(64);
    expect(finite(F('fp8e4m3'))).toBe(254);
    expect(finite(F('fp8e5m2'))).toBe(256 - 8);
  });
  it('bit patterns: E4M3 448 = 0x7E, NaN = 0x7F; E5M2 inf = 0x7C; E2M1 -6 = 0xF; E3M2 28 = 0x1F', () => {
    expect(encode(448, F('fp8e4m3'))).toBe(0x7e);
    expect(encode(NaN, F('fp8e4m3'))).toBe(0x7f);
    expect(encode(Infinity, F('fp8e5m2'))).toBe(0x7c);
    expect(decode(0x7c, F('fp8e5m2'))).toBe(Infinity);
    expect(encode(-6, F('fp4e2m1'))).toBe(0xf);
    expect(encode(28, F('fp6e3m2'))).toBe(0x1f);
    expect(decode(0x01, F('fp8e4m3'))).toBe(2 ** -9);
    expect(decode(0x08, F('fp8e4m3'))).toBe(2 ** -6); // smallest normal
  });
  it('every code round-trips (decode then encode) in every named format', () => {
    for (const n of ['fp4e2m1', 'fp6e2m3', 'fp6e3m2', 'fp8e4m3', 'fp8e5m2', 'e3m4', 'e2m2fn', 'e1m2f']) {
      const f = F(n);
      for (let c = 0; c < 2 ** f.bits; c++) {
        const v = decode(c, f);
        if (v === v) expect(encode(v, f)).toBe(c);
      }
    }
  });
  it('rounds to nearest, ties to even', () => {
    const f = F('fp4e2m1');
    expect(roundToFormat(2.5, f)).toBe(2); // 2 (mantissa 0) and 3 (mantissa 1): even is 2
    expect(roundToFormat(3.5, f)).toBe(4);
    expect(roundToFormat(5, f)).toBe(4); // 4 and 6: 4 has mantissa 0
    expect(roundToFormat(0.25, f)).toBe(0);
    expect(roundToFormat(0.75, f)).toBe(1);
    expect(roundToFormat(1.2, f)).toBe(1);
    expect(roundToFormat(460, F('fp8e4m3'))).toBe(448);
    expect(roundToFormat(2 ** -10, F('fp8e4m3'))).toBe(0); // half the smallest subnormal: tie to 0
    expect(roundToFormat(3 * 2 ** -10, F('fp8e4m3'))).toBe(2 ** -8); // 1.5 subnormal steps: tie to 2
  });
  it('saturates finite overflow; infinities stay only where the format has them', () => {
    expect(roundToFormat(100, F('fp4e2m1'))).toBe(6);
    expect(roundToFormat(-1e9, F('fp6e3m2'))).toBe(-28);
    expect(roundToFormat(1e6, F('fp8e5m2'))).toBe(57344);
    expect(roundToFormat(Infinity, F('fp8e5m2'))).toBe(Infinity);
    expect(roundToFormat(-Infinity, F('fp8e4m3'))).toBe(-448);
    expect(() => roundToFormat(NaN, F('fp4e2m1'))).toThrow(QuantError);
  });
  it('a general minifloat eXmY: e3m4 has bias 3, max (2 - 1/16)·2^3 = 15.5; e3m4fn: (2 - 2/16)·2^4 = 30; e3m4f: 31', () => {
    expect(F('e3m4').maxFinite).toBe(15.5);
    expect(F('e3m4fn').maxFinite).toBe(30);
    expect(F('e3m4f').maxFinite).toBe(31);
    expect(floatFormat(5, 10, 'ieee').maxFinite).toBe(65504); // fp16
    expect(() => parseFormat('e9m2')).toThrow(QuantError);
    expect(() => parseFormat('fp5')).toThrow(/unknown element format/);
  });
});

describe('integer formats', () => {
  it('ranges and two\'s complement codes', () => {
    expect(parseFormat('int4')).toMatchObject({ min: -8, max: 7, bits: 4 });
    expect(parseFormat('uint2')).toMatchObject({ min: 0, max: 3 });
    expect(parseFormat('int1')).toMatchObject({ min: -1, max: 0 });
    expect(encode(-1, parseFormat('int4'))).toBe(0xf);
    expect(decode(0x8, parseFormat('int4'))).toBe(-8);
    expect(roundToFormat(2.5, parseFormat('int3'))).toBe(2);
    expect(roundToFormat(-3.5, parseFormat('int3'))).toBe(-4);
    expect(roundToFormat(9, parseFormat('int3'))).toBe(3);
  });
  it('packed sizes in bits: 4096×4096 int4 is 8 MiB, fp6 is 3/4 of a byte each', () => {
    expect(packedBits(parseFormat('int4'), 4096 * 4096) / 8).toBe(8 * 2 ** 20);
    expect(packedBits(parseFormat('fp6e2m3'), 1000)).toBe(6000);
    expect(packedBits(parseFormat('int1'), 7)).toBe(7);
  });
});
