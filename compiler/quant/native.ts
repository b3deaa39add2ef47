// Which (weight, activation) type pairs a compute unit executes natively, and at what rate, as the
// target's .arch states them on the unit:
//     attr native = [int8_int8, int4_fp16]   # each entry <weight dtype>_<activation dtype>
//     attr rate_int4_fp16 = 2                # MACs per lane per cycle for that pair, relative to the unit's base (default 1)
// A unit that states no `native` list executes pairs of the ordinary types (8 bits and wider) as before;
// a unit of kind lut takes low-bit integer weights by construction (the LUT engine checks the widths).
// Any other pair is not refused outright: the lowering (`lower --wbits`) puts an explicit dequantise
// einsum before the GEMM, which every unit runs. Only a GEMM that reads a sub-byte tensor directly on a
// target with no unit for that pair is refused (see compiler/driver/stages/capacity.ts).
import { DTYPE_BITS, DTYPES, type DType } from '../ir';
import type { ComputeSpec, TargetSpec } from '../../targets/spec/types';

export interface NativePair {
  unit: string;
  weight: DType;
  act: DType;
  /** MACs per lane per cycle relative to the unit's base rate */
  rate: number;
}

const isDType = (s: string): s is DType => (DTYPES as readonly string[]).includes(s);

/** A sub-byte type (int1-int7, uint1-uint7, fp6, fp4): held packed, computed on only where a unit says so. */
export function isSubByte(d: DType): boolean {
  return DTYPE_BITS[d] < 8;
}

/** The pairs one unit states, or a plain message naming the entry it cannot read. */
export function unitPairs(u: ComputeSpec): NativePair[] | string {
  const v = u.attrs.native;
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [String(v)];
  const out: NativePair[] = [];
  for (const entry of list) {
    const i = entry.indexOf('_');
    const w = entry.slice(0, i), a = entry.slice(i + 1);
    if (i < 0 || !isDType(w) || !isDType(a)) return `compute ${u.name}: native entry "${entry}" is not <weight dtype>_<activation dtype> (dtypes: ${DTYPES.join(', ')})`;
    const r = u.attrs[`rate_${entry}`];
    if (r !== undefined && !(typeof r === 'number' && r > 0)) return `compute ${u.name}: rate_${entry} must be a positive number`;
    out.push({ unit: u.name, weight: w, act: a, rate: typeof r === 'number' ? r : 1 });
  }
  return out;
}

/** Every unit's stated pairs. */
export function nativePairs(spec: TargetSpec): NativePair[] | string {
  const out: NativePair[] = [];
  for (const u of spec.computes) {
    const p = unitPairs(u);
    if (typeof p === 'string') return p;
    out.push(...p);
  }
  return out;
}

/** The unit that executes a GEMM of a `weight`-typed operand with an `act`-typed one, or null. */
export function unitFor(spec: TargetSpec, weight: DType, act: DType): string | null {
  for (const u of spec.computes) {
    const p = unitPairs(u);
    if (typeof p === 'string') continue;
    if (p.some((x) => x.weight === weight && x.act === act)) return u.name;
    if (u.kind === 'lut' && weight.startsWith('int')) return u.name;
    if (u.attrs.native === undefined && !isSubByte(weight) && !isSubByte(act)) return u.name;
  }
  return null;
}
