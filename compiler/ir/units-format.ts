// Quantities for people: one formatter per unit family, so every command prints `64 GiB`, `1.5 ms`
// and `3.2 nJ` the same way. Three significant digits, trailing zeros dropped, and never fewer
// digits than the integer part needs (`1023 B`, `512 KiB`). A value that rounds up to the next
// unit's threshold moves there (1023.999 KiB prints `1 MiB`). For machine-readable output use the
// raw numbers in JSON, never these strings.

type Scale = readonly (readonly [factor: number, unit: string])[];

const BYTES: Scale = [
  [1, 'B'],
  [1024, 'KiB'],
  [1024 ** 2, 'MiB'],
  [1024 ** 3, 'GiB'],
  [1024 ** 4, 'TiB'],
];
const SECONDS: Scale = [
  [1e-9, 'ns'],
  [1e-6, '\u00b5s'],
  [1e-3, 'ms'],
  [1, 's'],
];
const PICOJOULES: Scale = [
  [1, 'pJ'],
  [1e3, 'nJ'],
  [1e6, '\u00b5J'],
  [1e9, 'mJ'],
  [1e12, 'J'],
];
const SI: Scale = [
  [1, ''],
  [1e3, 'k'],
  [1e6, 'M'],
  [1e9, 'G'],
  [1e12, 'T'],
  [1e15, 'P'],
];

/** Rounds to 3 significant digits, but keeps every digit of the integer part (1023, not 1020). */
export function round3(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (Math.abs(x) >= 100) return Math.round(x);
  return Number(x.toPrecision(3));
}

/** `[number, unit]` for |value| on `scale`: the largest unit it reaches, after rounding. */
function scaled(value: number, scale: Scale): [number, string] {
  const a = Math.abs(value);
  let i = 0;
  while (i + 1 < scale.length && a >= scale[i + 1]![0]) i++;
  let n = round3(a / scale[i]![0]);
  // Rounding may reach the next unit: 1023.9 KiB → 1024 KiB → 1 MiB.
  if (i + 1 < scale.length && n * scale[i]![0] >= scale[i + 1]![0]) {
    i++;
    n = round3(a / scale[i]![0]);
  }
  return [value < 0 ? -n : n, scale[i]![1]];
}

function format(value: number, scale: Scale, sep: string): string {
  // Zero and non-numbers take the unit of factor 1 (0 s, not 0 ns).
  const base = (scale.find(([f]) => f === 1) ?? scale[0]!)[1];
  if (!Number.isFinite(value) || value === 0) return `${value === 0 ? 0 : value}${sep}${base}`;
  const [n, unit] = scaled(value, scale);
  return `${n}${sep}${unit}`;
}

/** Bytes with binary prefixes: 65536 MiB → `64 GiB`, 1536 → `1.5 KiB`, 1000 → `1000 B`. */
export function formatBytes(bytes: number): string {
  return format(bytes, BYTES, ' ');
}

/** Seconds as ns, µs, ms or s: 0.0015 → `1.5 ms`. Below 1 ns it stays in ns (`0.25 ns`). */
export function formatSeconds(seconds: number): string {
  return format(seconds, SECONDS, ' ');
}

/** An energy given in picojoules, as pJ, nJ, µJ, mJ or J: 3.2e3 → `3.2 nJ`. */
export function formatEnergy(picojoules: number): string {
  return format(picojoules, PICOJOULES, ' ');
}

/** A quantity with an SI prefix (k, M, G, T, P): (1.5e12, 'FLOP/s') → `1.5 TFLOP/s`. */
export function formatSI(value: number, unit: string): string {
  return format(value, SI, ' ') + unit;
}

/** A plain count with an SI prefix and no space: 6738415616 → `6.74G`, 512 → `512`. */
export function formatCount(n: number): string {
  return format(n, SI, '');
}
