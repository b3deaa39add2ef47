// The one unit formatter. Every expectation below was worked out by hand: the value divided by
// the unit's factor, rounded to 3 significant digits (all integer digits kept), zeros dropped.
import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatEnergy, formatSeconds, formatSI, round3 } from '../../compiler/ir';

describe('round3', () => {
  it.each([
    [1.23456, 1.23],
    [12.345, 12.3], // toPrecision(3) of 12.345 (stored just below) is 12.3
    [99.96, 100],
    [123.4, 123],
    [1023.6, 1024],
    [0.0012345, 0.00123],
  ])('round3(%s)', (x, want) => {
    expect(round3(x)).toBe(want);
  });

  it('keeps 0, NaN and infinities', () => {
    expect(round3(0)).toBe(0);
    expect(round3(Number.NaN)).toBeNaN();
    expect(round3(Infinity)).toBe(Infinity);
    expect(round3(-7.777)).toBe(-7.78);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1000, '1000 B'], // below 1024 it stays in bytes, all integer digits kept
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'], // 1536 / 1024 = 1.5
    [1100, '1.07 KiB'], // 1100 / 1024 = 1.07421875
    [10 * 1024 + 512, '10.5 KiB'],
    [216 * 1024, '216 KiB'],
    [1048575, '1 MiB'], // 1023.999 KiB rounds to 1024 KiB, which is 1 MiB
    [65536 * 1024 ** 2, '64 GiB'], // the 65536.00 MiB the schedule report used to print
    [80e9, '74.5 GiB'], // 80e9 / 2^30 = 74.505805...
    [3 * 1024 ** 4, '3 TiB'],
    [2048 * 1024 ** 4, '2048 TiB'], // no unit past TiB
    [6_738_415_616 * 2, '12.6 GiB'], // LLaMA-2-7B fp16 weights: 13,476,831,232 B / 2^30 = 12.551...
    [-1536, '-1.5 KiB'],
  ])('formatBytes(%s) = %s', (b, want) => {
    expect(formatBytes(b)).toBe(want);
  });
});

describe('formatSeconds', () => {
  it.each([
    [0, '0 s'],
    [1, '1 s'],
    [0.0015, '1.5 ms'],
    [2.5e-7, '250 ns'],
    [1.234e-5, '12.3 \u00b5s'],
    [9.9996e-4, '1 ms'], // 999.96 µs rounds to 1000 µs = 1 ms
    [2.5e-10, '0.25 ns'],
    [3600, '3600 s'],
  ])('formatSeconds(%s) = %s', (s, want) => {
    expect(formatSeconds(s)).toBe(want);
  });
});

describe('formatEnergy (picojoules in)', () => {
  it.each([
    [0, '0 pJ'],
    [0.5, '0.5 pJ'],
    [999, '999 pJ'],
    [3200, '3.2 nJ'],
    [4.56e7, '45.6 \u00b5J'],
    [1.5e9, '1.5 mJ'],
    [2e12, '2 J'],
  ])('formatEnergy(%s) = %s', (pj, want) => {
    expect(formatEnergy(pj)).toBe(want);
  });
});

describe('formatSI and formatCount', () => {
  it.each([
    [1.5e12, 'FLOP/s', '1.5 TFLOP/s'],
    [989e12, 'FLOP/s', '989 TFLOP/s'],
    [940e6, 'Hz', '940 MHz'],
    [12, 'B', '12 B'],
    [0, 'FLOP/s', '0 FLOP/s'],
  ])('formatSI(%s, %s) = %s', (v, unit, want) => {
    expect(formatSI(v, unit)).toBe(want);
  });

  it.each([
    [512, '512'],
    [1234, '1.23k'],
    [6_738_415_616, '6.74G'],
    [999_999, '1M'],
    [0, '0'],
  ])('formatCount(%s) = %s', (n, want) => {
    expect(formatCount(n)).toBe(want);
  });
});
