// The one multiply-accumulate both systolic engines use, so their values agree bit for bit.
// fp32: the product and the sum are each rounded to fp32 (a non-fused fp32 MAC);
// int32: two's-complement wraparound, as a 32-bit accumulator.

export type MacDtype = 'fp32' | 'int32';

export type MacArray = Float32Array | Int32Array;

export function macFp32(acc: number, a: number, b: number): number {
  return Math.fround(acc + Math.fround(a * b));
}

export function macInt32(acc: number, a: number, b: number): number {
  return (acc + Math.imul(a, b)) | 0;
}

export function macFor(dtype: MacDtype): (acc: number, a: number, b: number) => number {
  return dtype === 'fp32' ? macFp32 : macInt32;
}

export function newMatrix(dtype: MacDtype, length: number): MacArray {
  return dtype === 'fp32' ? new Float32Array(length) : new Int32Array(length);
}
