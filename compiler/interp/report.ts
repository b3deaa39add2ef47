// Checksums of a tensor and the comparison of two runs.
import type { TensorData } from './tensor';

export interface Checksum {
  /** sum of the values, in index order, in float64 */
  sum: number;
  /** sum of |x| */
  absSum: number;
  /** FNV-1a (32-bit) over the values as little-endian float32 bytes, as 8 hex digits */
  fnv1a: string;
  /** number of NaN values (they make sum and absSum NaN) */
  nans: number;
}

const f32 = new Float32Array(1);
const b32 = new Uint8Array(f32.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function checksum(data: Float64Array): Checksum {
  let sum = 0;
  let absSum = 0;
  let nans = 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (x !== x) nans++;
    sum += x;
    absSum += Math.abs(x);
    f32[0] = x;
    for (let k = 0; k < 4; k++) {
      h ^= b32[littleEndian ? k : 3 - k]!;
      h = Math.imul(h, 0x01000193);
    }
  }
  return { sum, absSum, fnv1a: (h >>> 0).toString(16).padStart(8, '0'), nans };
}

export interface Comparison {
  elements: number;
  /** max |a - b| over finite pairs */
  maxAbsError: number;
  /**
   * Normwise relative error: max |a - b| / max |b| (b the reference). Robust where the reference has values
   * near 0, whose own relative error says nothing about the accuracy of the computation. 0 when both are 0.
   */
  maxRelError: number;
  /**
   * Elementwise relative error with a floor: max |a - b| / max(|b|, 1e-3 · max|b|). Stricter on small values.
   */
  maxElementRelError: number;
  /** index of the element with the largest |a - b| */
  worstIndex: number;
  /** positions where exactly one of the two is NaN, or where they are different infinities */
  mismatchedSpecials: number;
}

/** Compares `a` against the reference `b` (same length). */
export function compareData(a: Float64Array, b: Float64Array): Comparison {
  if (a.length !== b.length) throw new Error(`compareData: lengths differ (${a.length} vs ${b.length})`);
  let maxRef = 0;
  for (let i = 0; i < b.length; i++) {
    const v = Math.abs(b[i]!);
    if (v !== Infinity && v > maxRef) maxRef = v;
  }
  const floor = Math.max(1e-3 * maxRef, Number.MIN_VALUE);
  let maxAbs = 0;
  let maxElemRel = 0;
  let worst = -1;
  let special = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== x || y !== y || Math.abs(x) === Infinity || Math.abs(y) === Infinity) {
      if (!(x === y || (x !== x && y !== y))) special++;
      continue;
    }
    const d = Math.abs(x - y);
    if (d > maxAbs || worst < 0) {
      maxAbs = Math.max(maxAbs, d);
      worst = i;
    }
    const r = d / Math.max(Math.abs(y), floor);
    if (r > maxElemRel) maxElemRel = r;
  }
  return {
    elements: a.length,
    maxAbsError: maxAbs,
    maxRelError: maxRef > 0 ? maxAbs / maxRef : maxAbs === 0 ? 0 : Infinity,
    maxElementRelError: maxElemRel,
    worstIndex: worst,
    mismatchedSpecials: special,
  };
}

export function compareTensors(a: TensorData, b: TensorData): Comparison {
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i]))
    throw new Error(`shapes differ: [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]`);
  return compareData(a.data, b.data);
}
