// Static facts about element types. Numeric emulation lives in compiler/interp.
import type { DType } from './types';

export const DTYPE_BITS: Record<DType, number> = {
  fp32: 32,
  bf16: 16,
  fp16: 16,
  fp8e4m3: 8,
  fp8e5m2: 8,
  int32: 32,
  int8: 8,
  int4: 4,
  fp6e2m3: 6,
  fp6e3m2: 6,
  fp4e2m1: 4,
  int7: 7,
  int6: 6,
  int5: 5,
  int3: 3,
  int2: 2,
  int1: 1,
  uint8: 8,
  uint7: 7,
  uint6: 6,
  uint5: 5,
  uint4: 4,
  uint3: 3,
  uint2: 2,
  uint1: 1,
};

/** Bytes per element, fractional for sub-byte types packed densely (int4: 0.5, fp6: 0.75). */
export function dtypeBytesPacked(d: DType): number {
  return DTYPE_BITS[d] / 8;
}

/** A type narrower than 8 bits or an 8-bit integer, whose values a quantised tensor holds (weights, KV). */
export function isLowBitDType(d: DType): boolean {
  return DTYPE_BITS[d] < 8 || (DTYPE_BITS[d] === 8 && isIntDType(d));
}

export function isIntDType(d: DType): boolean {
  return d.startsWith('int') || d.startsWith('uint');
}

/** Bytes for n elements, rounding sub-byte types up to whole bytes. */
export function dtypeBytes(d: DType, n = 1): number {
  return Math.ceil((DTYPE_BITS[d] * n) / 8);
}

/**
 * The type an einsum computes in when no annotation says otherwise: integer operands accumulate in int32;
 * floats take the widest operand, and bf16 mixed with fp16 widens to fp32.
 */
export function joinDTypes(ds: readonly DType[]): DType {
  if (ds.length === 0) return 'fp32';
  if (ds.every(isIntDType)) return 'int32';
  const fs = [...new Set(ds)];
  if (fs.length === 1) return fs[0]!;
  const widest = Math.max(...fs.map((d) => DTYPE_BITS[d]));
  const atWidest = fs.filter((d) => DTYPE_BITS[d] === widest);
  return atWidest.length === 1 ? atWidest[0]! : 'fp32';
}
