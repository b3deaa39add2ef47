// Deterministic random inputs. Each tensor draws from its own stream, seeded from (seed, tensor name),
// so a tensor's values do not change when other tensors are added or reordered.
import { isIntDType, tensorElements, type Cascade } from '../ir';
import { rounderFor, INT_RANGES } from './numerics';
import { checkTensorBudget } from './interpret';
import type { TensorData } from './tensor';
import { mulberry32 } from '../ir/prng';

export { mulberry32 };

/** FNV-1a over the UTF-16 code units of `s`, continued from `h`. */
function fnv1aString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}


/** A uniform stream in [0, 1) for (seed, name). */
export function streamFor(seed: number, name: string): () => number {
  const next = mulberry32(fnv1aString(name, fnv1aString(String(seed))));
  return () => next() / 4294967296;
}

/**
 * Values for every input, weight and kvcache tensor. Floats are uniform in [-1, 1), rounded to the dtype.
 * Integers are uniform over the type's range (int4 [-8, 7], int8 [-128, 127]); int32 uses [-128, 127]
 * too, so that products and sums of them stay exact.
 */
export function randomInputs(c: Cascade, seed: number, opts?: { maxElements?: number }): Map<string, TensorData> {
  checkTensorBudget(c, opts?.maxElements);
  const res = new Map<string, TensorData>();
  for (const t of c.tensors) {
    if (t.role === 'intermediate' || t.role === 'output') continue;
    const u = streamFor(seed, t.name);
    const data = new Float64Array(tensorElements(t));
    if (isIntDType(t.dtype)) {
      const [lo, hi] = t.dtype === 'int32' ? [-128, 127] : INT_RANGES[t.dtype]!;
      for (let i = 0; i < data.length; i++) data[i] = lo + Math.floor(u() * (hi - lo + 1));
    } else {
      const r = rounderFor(t.dtype);
      for (let i = 0; i < data.length; i++) data[i] = r(2 * u() - 1);
    }
    res.set(t.name, { dtype: t.dtype, shape: t.dims.map((d) => d.extent), data });
  }
  return res;
}
