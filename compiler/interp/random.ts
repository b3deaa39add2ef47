// Deterministic random inputs. Each tensor draws from its own stream, seeded from (seed, tensor name),
// so a tensor's values do not change when other tensors are added or reordered.
import { exprValueAccesses, isIntDType, tensorElements, type Access, type Cascade } from '../ir';
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
 * too, so that products and sums of them stay exact. A tensor that selects rows (`TOK` in `WTE[TOK[b, s], d]`)
 * is uniform over the rows it selects from: 0 to the smallest extent it indexes, minus one.
 */
export function randomInputs(c: Cascade, seed: number, opts?: { maxElements?: number }): Map<string, TensorData> {
  checkTensorBudget(c, opts?.maxElements);
  const res = new Map<string, TensorData>();
  const indexRows = gatherIndexRows(c);
  for (const t of c.tensors) {
    if (t.role === 'intermediate' || t.role === 'output') continue;
    const u = streamFor(seed, t.name);
    const data = new Float64Array(tensorElements(t));
    const rows = indexRows.get(t.name);
    if (rows !== undefined) for (let i = 0; i < data.length; i++) data[i] = Math.floor(u() * rows);
    else if (isIntDType(t.dtype)) {
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

/** For each tensor used directly as a gather index: the smallest extent of the dimensions it selects along. */
export function gatherIndexRows(c: Cascade): Map<string, number> {
  const rows = new Map<string, number>();
  const visit = (a: Access): void => {
    const t = c.tensors.find((x) => x.name === a.tensor);
    a.indices.forEach((ix, d) => {
      if (ix.kind !== 'gather') return;
      const ext = t?.dims[d]?.extent ?? 1;
      rows.set(ix.access.tensor, Math.min(rows.get(ix.access.tensor) ?? Infinity, ext));
      visit(ix.access);
    });
  };
  for (const e of c.einsums) {
    visit(e.output);
    for (const a of exprValueAccesses(e.expr)) visit(a);
  }
  return rows;
}
