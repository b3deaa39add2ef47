// Group quantisation: a tensor is cut into groups of G consecutive elements along one axis; each group
// keeps one scale (and, asymmetric, one offset) in a wider format, and its elements in a low-bit format.
//   symmetric  (weights, GPTQ/AWQ-style without zero point): x ≈ q·s,     q in a signed int or minifloat,
//              s = absmax / qmax, so no element clips;
//   asymmetric (KIVI's KV cache):                          x ≈ q·s + z, q in uintN, z = the group minimum,
//              s = (max − min) / (2^N − 1).
// The scale and offset are themselves rounded to their format (fp16 by default); the scale is then
// nudged up to the next representable value when rounding made it too small for the group's extreme, and
// the offset down, so that |x − x̂| ≤ s/2 holds exactly for integer elements (for minifloat elements,
// half a unit in the last place of q, times s). Dequantisation is exact: q·s (+ z) in float64.
import { QuantError, parseFormat, roundFloat, roundToFormat, type ElementFormat, type FloatFormat } from './format';

export interface GroupSpec {
  format: ElementFormat;
  /** elements per group along `axis` (the last group may be shorter) */
  group: number;
  axis: number;
  /** asymmetric: a per-group offset (KIVI); needs an unsigned integer format */
  offset?: boolean;
  /** the scales' (and offsets') format; fp16 unless given */
  scaleFormat?: FloatFormat;
}

export interface QuantisedTensor {
  shape: number[];
  spec: Required<GroupSpec>;
  /** the low-bit values q (decoded), row-major in `shape` */
  q: Float64Array;
  /** shape with `axis` replaced by the number of groups */
  groupShape: number[];
  scales: Float64Array;
  /** per-group offsets (asymmetric), else null */
  offsets: Float64Array | null;
}

const FP16 = parseFormat('fp16') as FloatFormat;

function fullSpec(s: GroupSpec, shape: readonly number[]): Required<GroupSpec> {
  if (!Number.isInteger(s.group) || s.group < 1) throw new QuantError(`group size ${s.group}: expected a positive integer`);
  if (!Number.isInteger(s.axis) || s.axis < 0 || s.axis >= shape.length) throw new QuantError(`axis ${s.axis}: the tensor has ${shape.length} axes`);
  const offset = s.offset ?? false;
  if (offset && !(s.format.kind === 'int' && !s.format.signed)) throw new QuantError(`asymmetric (offset) quantisation needs an unsigned integer format, not ${s.format.name}`);
  if (!offset && s.format.kind === 'int' && !s.format.signed) throw new QuantError(`symmetric quantisation needs a signed format, not ${s.format.name}`);
  return { format: s.format, group: s.group, axis: s.axis, offset, scaleFormat: s.scaleFormat ?? FP16 };
}

/** The next value of a float format above a positive v (v representable). */
function nextUp(v: number, f: FloatFormat): number {
  const e = Math.max(Math.floor(Math.log2(v)), f.minExp);
  return roundFloat(v + 2 ** (e - f.mbits), f);
}

function nextDown(v: number, f: FloatFormat): number {
  if (v <= 0) return -nextUp(-v || f.minSubnormal, f);
  const e = Math.max(Math.floor(Math.log2(v)), f.minExp);
  const q = 2 ** (e - f.mbits);
  return roundFloat(v === 2 ** e && e > f.minExp ? v - q / 2 : v - q, f);
}

/** Strides and the (outer, axis, inner) decomposition of a row-major shape around one axis. */
function around(shape: readonly number[], axis: number): { outer: number; n: number; inner: number } {
  let outer = 1, inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, n: shape[axis]!, inner };
}

/** Quantises `data` (row-major in `shape`) group by group. */
export function quantiseGroups(data: Float64Array, shape: readonly number[], spec: GroupSpec): QuantisedTensor {
  const s = fullSpec(spec, shape);
  const { outer, n, inner } = around(shape, s.axis);
  if (outer * n * inner !== data.length) throw new QuantError(`data has ${data.length} elements, shape [${shape.join(', ')}] has ${outer * n * inner}`);
  const groups = Math.ceil(n / s.group);
  const groupShape = shape.map((d, i) => (i === s.axis ? groups : d));
  const q = new Float64Array(data.length);
  const scales = new Float64Array(outer * groups * inner);
  const offsets = s.offset ? new Float64Array(scales.length) : null;
  const f = s.format;
  const qmax = f.kind === 'int' ? f.max : f.maxFinite;
  for (let o = 0; o < outer; o++)
    for (let g = 0; g < groups; g++)
      for (let i = 0; i < inner; i++) {
        const at = (k: number) => (o * n + k) * inner + i;
        const lo = g * s.group, hi = Math.min(n, lo + s.group);
        let mn = Infinity, mx = -Infinity;
        for (let k = lo; k < hi; k++) {
          const v = data[at(k)]!;
          if (!Number.isFinite(v)) throw new QuantError(`cannot quantise a non-finite value (${v})`);
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
        const gi = (o * groups + g) * inner + i;
        let z = 0, sc: number;
        if (offsets) {
          z = roundFloat(mn, s.scaleFormat);
          if (z > mn) z = nextDown(z, s.scaleFormat);
          sc = scaleFor(mx - z, qmax, s.scaleFormat);
          offsets[gi] = z;
        } else sc = scaleFor(Math.max(Math.abs(mn), Math.abs(mx)), qmax, s.scaleFormat);
        scales[gi] = sc;
        for (let k = lo; k < hi; k++) q[at(k)] = roundToFormat((data[at(k)]! - z) / sc, f);
      }
  return { shape: [...shape], spec: s, q, groupShape, scales, offsets };
}

/** The smallest representable scale, at or above extent/qmax, for which extent/scale does not exceed qmax. */
function scaleFor(extent: number, qmax: number, f: FloatFormat): number {
  if (!(extent > 0)) return 1;
  let sc = Math.max(roundFloat(extent / qmax, f), f.minSubnormal);
  if (sc >= f.maxFinite && extent / qmax > f.maxFinite) throw new QuantError(`a group's range ${extent} needs a scale beyond ${f.name}'s largest value`);
  while (extent / sc > qmax) sc = nextUp(sc, f);
  return sc;
}

/** x̂ = q·s (+ z), exactly, row-major in the tensor's shape. */
export function dequantise(t: QuantisedTensor): Float64Array {
  const { outer, n, inner } = around(t.shape, t.spec.axis);
  const groups = t.groupShape[t.spec.axis]!;
  const out = new Float64Array(t.q.length);
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < n; k++) {
      const g = Math.floor(k / t.spec.group);
      for (let i = 0; i < inner; i++) {
        const gi = (o * groups + g) * inner + i;
        const j = (o * n + k) * inner + i;
        out[j] = t.q[j]! * t.scales[gi]! + (t.offsets ? t.offsets[gi]! : 0);
      }
    }
  return out;
}

export interface QuantisedSize {
  elementBits: number;
  scaleBits: number;
  offsetBits: number;
  totalBits: number;
  /** whole bytes: the packed elements, then the scales and offsets, each rounded up */
  bytes: number;
}

/** Storage of a tensor of `shape` quantised by `spec`: packed elements plus one scale (and offset) per group. */
export function quantisedSize(shape: readonly number[], spec: GroupSpec): QuantisedSize {
  const s = fullSpec(spec, shape);
  const elements = shape.reduce((a, b) => a * b, 1);
  const groups = (elements / shape[s.axis]!) * Math.ceil(shape[s.axis]! / s.group);
  const elementBits = elements * s.format.bits;
  const scaleBits = groups * s.scaleFormat.bits;
  const offsetBits = s.offset ? groups * s.scaleFormat.bits : 0;
  return { elementBits, scaleBits, offsetBits, totalBits: elementBits + scaleBits + offsetBits, bytes: Math.ceil(elementBits / 8) + Math.ceil(scaleBits / 8) + Math.ceil(offsetBits / 8) };
}

/** The axis of a tensor whose dimension is over `rank` (group quantisation along a named rank). */
export function axisOfRank(dims: readonly { rank: string }[], rank: string): number {
  const k = dims.findIndex((d) => d.rank === rank);
  if (k < 0) throw new QuantError(`no dimension over rank ${rank} (the tensor's ranks: ${dims.map((d) => d.rank).join(', ')})`);
  return k;
}
