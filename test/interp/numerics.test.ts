// Dtype rounding against values derived by hand from the bit layouts, plus properties over all doubles.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DTYPES } from '../../compiler/ir';
import { erf, halfBitsToNumber, roundTo } from '../../compiler/interp';

const p2 = (e: number) => 2 ** e;

describe('float rounding: ties to even', () => {
  it('fp32', () => {
    expect(roundTo(1 + p2(-24), 'fp32')).toBe(1); // halfway, 1 has an even mantissa
    expect(roundTo(1 + 3 * p2(-24), 'fp32')).toBe(1 + p2(-22)); // halfway between odd 1+2^-23 and even 1+2^-22
    expect(roundTo(1 + p2(-24) + p2(-40), 'fp32')).toBe(1 + p2(-23)); // above halfway
  });
  it('bf16 (7 mantissa bits)', () => {
    expect(roundTo(1 + p2(-8), 'bf16')).toBe(1);
    expect(roundTo(1 + 3 * p2(-8), 'bf16')).toBe(1 + p2(-6));
    expect(roundTo(-(1 + 3 * p2(-8)), 'bf16')).toBe(-(1 + p2(-6)));
    expect(roundTo(Math.PI, 'bf16')).toBe(3.140625); // 0x4049
  });
  it('fp16 (10 mantissa bits)', () => {
    expect(roundTo(2049, 'fp16')).toBe(2048); // spacing 2 at 2048
    expect(roundTo(2051, 'fp16')).toBe(2052);
    expect(roundTo(0.1, 'fp16')).toBe(halfBitsToNumber(0x2e66)); // 0.0999755859375
  });
  it('fp8 e4m3 (3 mantissa bits, bias 7)', () => {
    expect(roundTo(1.0625, 'fp8e4m3')).toBe(1);
    expect(roundTo(1.1875, 'fp8e4m3')).toBe(1.25);
    expect(roundTo(17, 'fp8e4m3')).toBe(16);
    expect(roundTo(19, 'fp8e4m3')).toBe(20);
    expect(roundTo(0.3, 'fp8e4m3')).toBe(0.3125); // 1.25·2^-2
  });
  it('fp8 e5m2 (2 mantissa bits, bias 15)', () => {
    expect(roundTo(1.125, 'fp8e5m2')).toBe(1);
    expect(roundTo(1.375, 'fp8e5m2')).toBe(1.5);
    expect(roundTo(-5.5, 'fp8e5m2')).toBe(-6); // 5 (m=01) and 6 (m=10): even is 6
  });
});

describe('subnormals', () => {
  it('round to the smallest subnormal, ties to even (0)', () => {
    expect(roundTo(p2(-149), 'fp32')).toBe(p2(-149));
    expect(roundTo(p2(-150), 'fp32')).toBe(0);
    expect(roundTo(3 * p2(-150), 'fp32')).toBe(p2(-148));
    expect(roundTo(p2(-134), 'bf16')).toBe(0);
    expect(roundTo(3 * p2(-134), 'bf16')).toBe(p2(-132));
    expect(roundTo(p2(-24), 'fp16')).toBe(p2(-24));
    expect(roundTo(p2(-25), 'fp16')).toBe(0);
    expect(roundTo(3 * p2(-25), 'fp16')).toBe(p2(-23));
    expect(roundTo(p2(-9), 'fp8e4m3')).toBe(p2(-9));
    expect(roundTo(p2(-10), 'fp8e4m3')).toBe(0);
    expect(roundTo(3 * p2(-10), 'fp8e4m3')).toBe(p2(-8));
    expect(roundTo(5 * p2(-9) + p2(-11), 'fp8e4m3')).toBe(5 * p2(-9)); // subnormal spacing 2^-9
    expect(roundTo(p2(-17), 'fp8e5m2')).toBe(0);
    expect(roundTo(3 * p2(-17), 'fp8e5m2')).toBe(p2(-15));
  });
  it('keeps the sign of zero', () => {
    expect(Object.is(roundTo(-p2(-160), 'fp32'), -0)).toBe(true);
    expect(Object.is(roundTo(-0, 'bf16'), -0)).toBe(true);
  });
});

describe('saturation', () => {
  it('saturates finite overflow to the largest finite value', () => {
    expect(roundTo(448, 'fp8e4m3')).toBe(448);
    expect(roundTo(464, 'fp8e4m3')).toBe(448); // tie between 448 and (NaN-coded) 480
    expect(roundTo(1e6, 'fp8e4m3')).toBe(448);
    expect(roundTo(-1e6, 'fp8e4m3')).toBe(-448);
    expect(roundTo(57344, 'fp8e5m2')).toBe(57344);
    expect(roundTo(61440, 'fp8e5m2')).toBe(57344); // tie rounds to even 65536, which saturates
    expect(roundTo(65504, 'fp16')).toBe(65504);
    expect(roundTo(65520, 'fp16')).toBe(65504); // IEEE would give inf
    expect(roundTo(-1e9, 'fp16')).toBe(-65504);
    const bf16Max = (2 - p2(-7)) * p2(127); // 0x7F7F
    expect(bf16Max).toBe(3.3895313892515355e38);
    expect(roundTo(3.4e38, 'bf16')).toBe(bf16Max);
    expect(roundTo(1e300, 'bf16')).toBe(bf16Max);
    expect(roundTo(1e300, 'fp32')).toBe((2 - p2(-23)) * p2(127));
  });
  it('infinities stay in formats that have them; e4m3 saturates them; NaN stays NaN', () => {
    for (const d of ['fp32', 'bf16', 'fp16', 'fp8e5m2'] as const) {
      expect(roundTo(Infinity, d)).toBe(Infinity);
      expect(roundTo(-Infinity, d)).toBe(-Infinity);
      expect(roundTo(NaN, d)).toBeNaN();
    }
    expect(roundTo(Infinity, 'fp8e4m3')).toBe(448);
    expect(roundTo(-Infinity, 'fp8e4m3')).toBe(-448);
    expect(roundTo(NaN, 'fp8e4m3')).toBeNaN();
  });
});

describe('integers: ties to even, clamped', () => {
  it('int4 is [-8, 7]', () => {
    expect(roundTo(7.4, 'int4')).toBe(7);
    expect(roundTo(7.6, 'int4')).toBe(7);
    expect(roundTo(100, 'int4')).toBe(7);
    expect(roundTo(-9, 'int4')).toBe(-8);
    expect(roundTo(2.5, 'int4')).toBe(2);
    expect(roundTo(3.5, 'int4')).toBe(4);
    expect(roundTo(-2.5, 'int4')).toBe(-2);
    expect(Object.is(roundTo(-0.4, 'int4'), 0)).toBe(true);
  });
  it('int8 and int32', () => {
    expect(roundTo(127.5, 'int8')).toBe(127);
    expect(roundTo(-128.5, 'int8')).toBe(-128);
    expect(roundTo(-200, 'int8')).toBe(-128);
    expect(roundTo(2 ** 31, 'int32')).toBe(2 ** 31 - 1);
    expect(roundTo(-(2 ** 40), 'int32')).toBe(-(2 ** 31));
    expect(roundTo(123456.5, 'int32')).toBe(123456);
  });
  it('NaN becomes 0 and infinities clamp', () => {
    expect(roundTo(NaN, 'int8')).toBe(0);
    expect(roundTo(Infinity, 'int4')).toBe(7);
    expect(roundTo(-Infinity, 'int32')).toBe(-(2 ** 31));
  });
});

describe('properties', () => {
  const anyDouble = fc.oneof(fc.double({ noNaN: true }), fc.double({ min: -600, max: 600, noNaN: true }), fc.double({ min: -1e-3, max: 1e-3, noNaN: true }));
  it('rounding is idempotent', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DTYPES), anyDouble, (d, x) => {
        const r = roundTo(x, d);
        expect(roundTo(r, d)).toBe(r);
      }),
      { numRuns: 3000 },
    );
  });
  it('rounding is monotone', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DTYPES), anyDouble, anyDouble, (d, x, y) => {
        const [a, b] = x <= y ? [x, y] : [y, x];
        expect(roundTo(a, d) <= roundTo(b, d)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
  it('fp32 rounding equals Math.fround inside the finite range', () => {
    fc.assert(
      fc.property(fc.double({ min: -3e38, max: 3e38, noNaN: true }), (x) => {
        expect(roundTo(x, 'fp32')).toBe(Math.fround(x));
      }),
    );
  });
  it('fp16 rounding picks the nearer of its two fp16 neighbours', () => {
    // neighbours from the bit patterns: decode every finite positive half and bracket x
    const halves: number[] = [];
    for (let h = 0; h < 0x7c00; h++) halves.push(halfBitsToNumber(h));
    fc.assert(
      fc.property(fc.double({ min: 0, max: 65504, noNaN: true }), (x) => {
        let i = 0;
        while (halves[i + 1]! <= x) i++;
        const lo = halves[i]!;
        const hi = halves[Math.min(i + 1, halves.length - 1)]!;
        const r = roundTo(x, 'fp16');
        const d = Math.abs(r - x);
        expect(r === lo || r === hi).toBe(true);
        expect(d).toBeLessThanOrEqual(Math.min(Math.abs(x - lo), Math.abs(hi - x)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('erf', () => {
  it('matches tabulated values', () => {
    // values from Abramowitz & Stegun Table 7.1 / high-precision references
    const table: [number, number][] = [
      [0, 0],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [3.5, 0.9999992569016276],
      [4, 0.9999999845827421],
    ];
    for (const [x, v] of table) {
      expect(erf(x)).toBeCloseTo(v, 14);
      expect(erf(-x)).toBeCloseTo(-v, 14);
    }
  });
});
