// The mapping memo finds a remembered einsum by its key's fields (a hash of numbers and strings,
// compared field by field) without writing the key. Oracle: the key text itself (einsumKey): two
// einsums share an entry exactly when their keys are equal, and every mapping handed out through a
// shared memo equals the one a fresh memo gives.
import { describe, expect, it } from 'vitest';
import { cascadeWorkloads, hwModel } from '../../compiler/map';
import { MappingMemo, einsumKey, mapEinsum, type EinsumMapOptions } from '../../compiler/map/map-einsum';
import type { Cascade } from '../../compiler/ir';
import { cascade, gemm, tinySpec } from './helpers';

const base: EinsumMapOptions = { objective: 'latency', seed: 1, exhaustiveLimit: 0, budget: 200 };

/** Variants that differ from the first in one field of the key each (and some that differ only in names). */
function variants(): { c: Cascade; o: EinsumMapOptions }[] {
  const a = gemm(300, 200, 500, 'bf16', 'fp32', true);
  const renamed = cascade('rank M = 300, N = 200, K = 500\ninput X[M, K]: bf16\nweight W[K, N]: bf16\nY[m, n]: fp32 = X[m, k] * W[k, n]\noutput Y\n');
  const { budget: _b, ...noBudget } = base;
  return [
    { c: a, o: base },
    { c: renamed, o: base }, // names only: the same key
    { c: gemm(300, 200, 500, 'bf16', 'fp32', false), o: base }, // role of B
    { c: gemm(300, 200, 501, 'bf16', 'fp32', true), o: base }, // an extent
    { c: gemm(300, 200, 500, 'int8', 'int8', true), o: base }, // element sizes
    { c: a, o: { ...base, objective: 'energy' } },
    { c: a, o: { ...base, seed: 2 } },
    { c: a, o: noBudget }, // an absent budget
    { c: a, o: { ...base, budget: 100 } },
    { c: a, o: { ...base, batch: 2 } },
    { c: a, o: { ...base, climb: false } },
    { c: gemm(70000, 70000, 64, 'bf16', 'fp32', true), o: base }, // counts past 2^32 (4.9e9 elements of Z)
    { c: gemm(70000, 70000, 64, 'bf16', 'fp32', true), o: base },
    { c: cascade('rank M = 300, N = 200\ninput A[M, N]: fp32\ninput B[M, N]: fp32\nZ[m, n]: fp32 = A[m, n] + B[m, n]\noutput Z\n'), o: base },
    { c: cascade('rank M = 300, N = 200\ninput A[M, N]: fp32\ninput B[M, N]: fp32\nZ[m, n]: fp32 = A[m, n] * B[m, n]\noutput Z\n'), o: base }, // ops
    { c: cascade('rank M = 300, N = 200\ninput A[M, N]: fp32\ninput B[N, M]: fp32\nZ[m, n]: fp32 = A[m, n] + B[n, m]\noutput Z\n'), o: base }, // a transposed read: the same variables, the same key
    { c: cascade('rank M = 300, N = 200\ninput A[M, N]: fp32\ninput B[M]: fp32\nZ[m, n]: fp32 = A[m, n] + B[m]\noutput Z\n'), o: base }, // a mask
  ];
}

describe('mapping memo: a hit by the key fields', () => {
  const hw = hwModel(tinySpec(4096));

  it('shares an entry exactly when the keys are equal, and hands out what a fresh memo maps', () => {
    const shared = new MappingMemo();
    const keys = new Set<string>();
    for (const round of [0, 1])
      for (const { c, o } of variants()) {
        const w = cascadeWorkloads(c)[0]!;
        const key = einsumKey(w, shared.hwId(hw), o);
        const before = shared.misses;
        const got = mapEinsum(w, hw, { ...o, memo: shared });
        expect(shared.misses - before).toBe(keys.has(key) ? 0 : 1);
        keys.add(key);
        const fresh = mapEinsum(w, hw, { ...o, memo: new MappingMemo() });
        expect(JSON.stringify(got?.mapping)).toBe(JSON.stringify(fresh?.mapping));
        if (round === 1) expect(got?.memoHit).toBe(true);
      }
    expect(shared.entries.size).toBe(keys.size);
    expect(keys.size).toBe(variants().length - 3); // the renamed GEMM, the repeated large one and the transposed read share keys
  });
});
