// Shared test helpers: random operands, and a plain triple loop as an independent GEMM oracle.
import type { MacArray, MacDtype } from '../../sim/spatial/mac';

/** Deterministic xorshift32 in [0, 1). */
export function rng(seed: number): () => number {
  let x = seed | 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export function randomMatrix(dtype: MacDtype, length: number, seed: number): MacArray {
  const r = rng(seed);
  if (dtype === 'fp32') {
    const a = new Float32Array(length);
    for (let i = 0; i < length; i++) a[i] = Math.fround((r() - 0.5) * 4);
    return a;
  }
  const a = new Int32Array(length);
  for (let i = 0; i < length; i++) a[i] = Math.floor(r() * 256) - 128; // int8 range
  return a;
}

/** Z = A·B with k ascending, one rounded MAC per step: written here independently of sim/. */
export function tripleLoop(dtype: MacDtype, A: MacArray, B: MacArray, M: number, N: number, K: number): MacArray {
  const Z = dtype === 'fp32' ? new Float32Array(M * N) : new Int32Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) {
        const a = A[m * K + k]!;
        const b = B[k * N + n]!;
        acc = dtype === 'fp32' ? Math.fround(acc + Math.fround(a * b)) : (acc + Math.imul(a, b)) | 0;
      }
      Z[m * N + n] = acc;
    }
  }
  return Z;
}

export function sameBits(a: MacArray, b: MacArray): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}
