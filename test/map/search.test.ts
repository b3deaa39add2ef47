// The mapper search against a brute-force enumeration written here: on small spaces the test walks
// every binding x tile x loop order itself (no pruning) and checks that the mapper finds the optimum.
import { describe, expect, it } from 'vitest';
import { EinsumCostModel, bindings, hwModel, permutations, searchEinsum, spaceSize, einsumWorkload, type Objective } from '../../compiler/map';
import { mapCascade } from '../../compiler/map/map-cascade';
import { gemm, tinySpec } from './helpers';
import { getTarget } from '../../targets/registry';

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

  it('converges: seeds 0-4 on a 4096^3 GEMM (bf16 in, fp32 out) on systolic agree within 2%', () => {
    // the fixed 4,000-sample search gave 221 M to 319 M cycles here (44% apart)
    const c = gemm(4096, 4096, 4096, 'bf16', 'fp32', false);
    const t = getTarget('systolic');
    const lat: number[] = [];
    for (let seed = 0; seed < 5; seed++) lat.push(t.simulate(t.map(c, undefined, { seed }), { fidelity: 'analytic' }).latencyCycles);
    expect(Math.max(...lat) / Math.min(...lat)).toBeLessThan(1.02);
    // and no worse than the best the old search found over those seeds
    expect(Math.max(...lat)).toBeLessThanOrEqual(221_459_252);
  });

  it('converges on other targets and objectives too (seeds 0-4 within 2%)', () => {
    for (const [target, M, N, K, objective] of [
      ['tpu-v1', 2000, 1000, 3000, 'latency'],
      ['eyeriss-like', 4096, 4096, 4096, 'edp'],
      ['fusemax', 64, 11008, 4096, 'energy'],
    ] as const) {
      const c = gemm(M, N, K, 'bf16', 'fp32', true);
      const t = getTarget(target);
      const v: number[] = [];
      for (let seed = 0; seed < 5; seed++) {
        const r = t.simulate(t.map(c, undefined, { seed, objective }), { fidelity: 'analytic' });
        v.push(objective === 'latency' ? r.latencyCycles : objective === 'energy' ? r.energyPj! : r.latencyCycles * r.energyPj!);
      }
      expect(Math.max(...v) / Math.min(...v), `${target} ${objective}`).toBeLessThan(1.02);
    }
  });

  it('the search budget grows until the best stops improving (rounds), and stays seeded', () => {
    const c = gemm(300, 200, 500, 'bf16', 'fp32', false);
    const hw = hwModel(tinySpec(4096));
    const model = new EinsumCostModel(einsumWorkload(c, 0), hw.units[0]!, hw);
    const one = searchEinsum(model, 'latency', { exhaustiveLimit: 0, budget: 200, seed: 9, maxRounds: 1 });
    const full = searchEinsum(model, 'latency', { exhaustiveLimit: 0, budget: 200, seed: 9 });
    const again = searchEinsum(model, 'latency', { exhaustiveLimit: 0, budget: 200, seed: 9 });
    expect(full.evaluations).toBeGreaterThan(one.evaluations);
    expect(full.value).toBeLessThanOrEqual(one.value);
    expect(again).toEqual(full);
  });
});
