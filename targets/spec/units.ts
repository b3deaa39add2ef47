// Units of the .arch language. Every quantity is converted here, once, to the base unit of its
// dimension, so a TargetSpec holds only base units and no consumer ever converts.

/** A physical dimension; each has one base unit (the second column of BASE_UNIT). */
export type Dimension =
  | 'frequency' // Hz
  | 'size' // B
  | 'bandwidth' // B/s
  | 'energy' // pJ
  | 'energyPerByte' // pJ/B
  | 'energyPerAccess' // pJ per access: needs the memory's width to become pJ/B
  | 'time' // s (latency in time is turned into cycles with the target clock)
  | 'cycles' // cycles
  | 'throughput'; // FLOP/s (operations per second)

export const BASE_UNIT: Record<Exclude<Dimension, 'energyPerAccess'>, string> = {
  frequency: 'Hz',
  size: 'B',
  bandwidth: 'B/s',
  energy: 'pJ',
  energyPerByte: 'pJ/B',
  time: 's',
  cycles: 'cycles',
  throughput: 'FLOP/s',
};

export interface UnitInfo {
  dim: Dimension;
  /** multiply a value written in this unit by `factor` to get the base unit */
  factor: number;
}

const KI = 1024;
const table: [string, Dimension, number][] = [
  ['Hz', 'frequency', 1],
  ['kHz', 'frequency', 1e3],
  ['MHz', 'frequency', 1e6],
  ['GHz', 'frequency', 1e9],

  ['B', 'size', 1],
  ['bit', 'size', 1 / 8],
  ['bits', 'size', 1 / 8],
  ['KiB', 'size', KI],
  ['MiB', 'size', KI ** 2],
  ['GiB', 'size', KI ** 3],
  ['TiB', 'size', KI ** 4],
  ['KB', 'size', 1e3],
  ['kB', 'size', 1e3],
  ['MB', 'size', 1e6],
  ['GB', 'size', 1e9],
  ['TB', 'size', 1e12],
  ['Kbit', 'size', 1e3 / 8],
  ['Mbit', 'size', 1e6 / 8],
  ['Kibit', 'size', KI / 8],
  ['Mibit', 'size', KI ** 2 / 8],

  ['B/s', 'bandwidth', 1],
  ['KB/s', 'bandwidth', 1e3],
  ['kB/s', 'bandwidth', 1e3],
  ['MB/s', 'bandwidth', 1e6],
  ['GB/s', 'bandwidth', 1e9],
  ['TB/s', 'bandwidth', 1e12],
  ['KiB/s', 'bandwidth', KI],
  ['MiB/s', 'bandwidth', KI ** 2],
  ['GiB/s', 'bandwidth', KI ** 3],
  ['TiB/s', 'bandwidth', KI ** 4],
  ['bit/s', 'bandwidth', 1 / 8],
  ['Kbit/s', 'bandwidth', 1e3 / 8],
  ['Mbit/s', 'bandwidth', 1e6 / 8],
  ['Gbit/s', 'bandwidth', 1e9 / 8],
  ['Tbit/s', 'bandwidth', 1e12 / 8],

  ['fJ', 'energy', 1e-3],
  ['pJ', 'energy', 1],
  ['nJ', 'energy', 1e3],
  ['fJ/B', 'energyPerByte', 1e-3],
  ['pJ/B', 'energyPerByte', 1],
  ['nJ/B', 'energyPerByte', 1e3],
  ['fJ/bit', 'energyPerByte', 8e-3],
  ['pJ/bit', 'energyPerByte', 8],
  ['nJ/bit', 'energyPerByte', 8e3],
  ['fJ/access', 'energyPerAccess', 1e-3],
  ['pJ/access', 'energyPerAccess', 1],
  ['nJ/access', 'energyPerAccess', 1e3],

  ['s', 'time', 1],
  ['ms', 'time', 1e-3],
  ['us', 'time', 1e-6],
  ['ns', 'time', 1e-9],
  ['ps', 'time', 1e-12],
  ['cycle', 'cycles', 1],
  ['cycles', 'cycles', 1],

  ['FLOP/s', 'throughput', 1],
  ['GFLOP/s', 'throughput', 1e9],
  ['TFLOP/s', 'throughput', 1e12],
  ['PFLOP/s', 'throughput', 1e15],
  ['OP/s', 'throughput', 1],
  ['GOP/s', 'throughput', 1e9],
  ['TOP/s', 'throughput', 1e12],
  ['POP/s', 'throughput', 1e15],
];

export const UNITS: ReadonlyMap<string, UnitInfo> = new Map(table.map(([u, dim, factor]) => [u, { dim, factor }]));

export const DIMENSION_WORDS: Record<Dimension, string> = {
  frequency: 'a frequency (Hz, kHz, MHz, GHz)',
  size: 'a size (B, bit, KiB, MiB, GiB, TiB, KB, MB, GB, TB)',
  bandwidth: 'a bandwidth (B/s, GB/s, GiB/s, TB/s, bit/s, ...)',
  energy: 'an energy (fJ, pJ, nJ)',
  energyPerByte: 'an energy per byte (pJ/B, pJ/bit, fJ/B, ...) or per access (pJ/access)',
  energyPerAccess: 'an energy per access (pJ/access)',
  time: 'a time (s, ms, us, ns, ps)',
  cycles: 'a latency (cycles)',
  throughput: 'a throughput (FLOP/s, TFLOP/s, TOP/s, ...)',
};

/**
 * The units the printer may choose for a base-unit value, preferred first. A unit is used only
 * when value / factor, written with String(), parses back to exactly `value`.
 */
const PRINT_CHOICES: Record<Exclude<Dimension, 'energyPerAccess' | 'time'>, string[]> = {
  frequency: ['GHz', 'MHz', 'kHz', 'Hz'],
  size: ['TiB', 'GiB', 'MiB', 'KiB', 'TB', 'GB', 'MB', 'KB', 'B'],
  bandwidth: ['TiB/s', 'GiB/s', 'TB/s', 'GB/s', 'MiB/s', 'MB/s', 'KiB/s', 'KB/s', 'B/s'],
  energy: ['pJ'],
  energyPerByte: ['pJ/B'],
  cycles: ['cycles'],
  throughput: ['PFLOP/s', 'TFLOP/s', 'GFLOP/s', 'FLOP/s'],
};

/** Formats a base-unit value of `dim` with the largest unit that represents it exactly and briefly. */
export function formatQuantity(value: number, dim: Dimension): string {
  if (dim === 'energyPerAccess' || dim === 'time') throw new Error(`no print form for ${dim}`);
  const choices = PRINT_CHOICES[dim];
  for (const u of choices) {
    const f = UNITS.get(u)!.factor;
    const q = value / f;
    const text = String(q);
    // Short and exact: at most 6 significant characters and an exact round trip.
    if (Math.abs(q) >= 1 && text.replace(/[-.]/g, '').length <= 6 && Number(text) * f === value) return `${text} ${u}`;
  }
  const base = choices[choices.length - 1];
  return `${String(value)} ${base}`;
}
