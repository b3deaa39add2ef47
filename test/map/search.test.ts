// The mapper search against a brute-force enumeration written here: on small spaces the test walks
// every binding x tile x loop order itself (no pruning) and checks that the mapper finds the optimum.
import { describe, expect, it } from 'vitest';
import { EinsumCostModel, bindings, hwModel, permutations, searchEinsum, spaceSize, einsumWorkload, type Objective } from '../../compiler/map';
import { mapCascade } from '../../compiler/map/map-cascade';
import { gemm, tinySpec } from './helpers';

function bruteForce(model: EinsumCostModel, objective: Objective): { value: number; count: number } {
  let best = Infinity;
  let count = 0;
  const V = model.V;
  const tiles = new Int32Array(V);
  const perms = permutations(V);
  const binds = bindings(model);
  const total = model.cands.reduce((a, c) => a * c.length, 1);
  for (const [row, col] of binds)
    for (const order of perms)
      for (let code = 0; code < total; code++) {
        let x = code;
        for (let v = 0; v < V; v++) {
          tiles[v] = x % model.cands[v]!.length;
          x = Math.floor(x / model.cands[v]!.length);
        }
        count++;
        best = Math.min(best, model.evaluate(row, col, tiles, order, objective));
      }
  return { value: best, count };
}

describe('mapper search', () => {
  for (const objective of ['latency', 'energy', 'edp'] as const)
    for (const [M, N, K] of [
      [8, 12, 16],
      [6, 10, 7],
    ] as const)
      it(`finds the optimum of the whole space (${objective}, GEMM ${M}x${N}x${K} on a 4x4 array)`, () => {
        const c = gemm(M, N, K, 'bf16', 'fp32', false);
        const hw = hwModel(tinySpec(256));
        const model = new EinsumCostModel(einsumWorkload(c, 0), hw.units[0]!, hw);
        const brute = bruteForce(model, objective);
        expect(brute.count).toBe(spaceSize(model));
        expect(Number.isFinite(brute.value)).toBe(true);
        const found = searchEinsum(model, objective, { exhaustiveLimit: 1e6 });
        expect(found.exhaustive).toBe(true);
        expect(found.value).toBe(brute.value);
        // the pruned random search never reports better than the true optimum, and comes close
        const sampled = searchEinsum(model, objective, { exhaustiveLimit: 0, budget: 2000, seed: 7 });
        expect(sampled.exhaustive).toBe(false);
        expect(sampled.value).toBeGreaterThanOrEqual(brute.value);
        expect(sampled.value / brute.value).toBeLessThan(1.25);
      });

  it('a fixed dataflow only allows its bindings (ws: a reduced rank on the rows, the weight held)', () => {
    const c = gemm(8, 12, 16, 'bf16', 'fp32', true);
    const hw = hwModel(tinySpec(256, 'ws'));
    const model = new EinsumCostModel(einsumWorkload(c, 0), hw.units[0]!, hw);
    const vars = model.w.vars;
    expect(bindings(model).map(([r, col]) => `${vars[r]},${vars[col]}`)).toEqual(['k,n']);
  });

  it('is deterministic: same seed, same mapping; the search is seeded', () => {
    const c = gemm(300, 200, 500, 'bf16', 'fp32', false);
    const spec = tinySpec(4096);
    const a = mapCascade(c, spec, { seed: 3, exhaustiveLimit: 0, budget: 500 });
    const b = mapCascade(c, spec, { seed: 3, exhaustiveLimit: 0, budget: 500 });
    const strip = (m: typeof a) => JSON.stringify({ ...m, cascade: undefined });
    expect(strip(a)).toBe(strip(b));
  });
});
