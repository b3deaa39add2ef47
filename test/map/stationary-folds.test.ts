// A temporal variable that indexes the tensor held stationary in the PEs counts in folds, not in the
// streamed points (issue 14, "one answer": the head rank of a projection's weights). Oracles: a hand
// count of the folds, and the per-PE register-level reference (sim/spatial/reference.ts) run once
// per value of the head rank.
import { describe, expect, it } from 'vitest';
import { bindings, EinsumCostModel, einsumWorkload, hwModel } from '../../compiler/map';
import { simulateReference } from '../../sim/spatial/reference';
import { cascade, tinySpec } from './helpers';

// Z[b,h,e] = X[b,d] · W[d,h,e]: B=2 tokens (fewer than the array's rows, as in decode), H=3 heads of
// E=4, D=8, on the tiny 4x4 array. d on the rows and e on the columns holds W[d,h,e] in the PEs
// (weight stationary); whole tiles, so one GLB step.
const c = cascade('rank B = 2, H = 3, E = 4, D = 8\ninput X[B, D]: int8\nweight W[D, H, E]: int8\nZ[b, h, e]: int32 = X[b, d] * W[d, h, e]\noutput Z\n');

function computeCycles(regs: number): number {
  const spec = tinySpec(1 << 20);
  spec.computes[0]!.regs = regs;
  const hw = hwModel(spec);
  const w = einsumWorkload(c, 0);
  const model = new EinsumCostModel(w, hw.units[0]!, hw);
  const idx = (v: string) => w.vars.indexOf(v);
  const tiles = Int32Array.from(w.vars, (_, i) => model.cands[i]!.indexOf(w.sizes[i]!));
  model.evaluate(idx('d'), idx('e'), tiles, Int32Array.from(['b', 'h', 'e', 'd'].map(idx)), 'latency');
  return model.compute;
}

describe('stationary operand indexed by a temporal rank (the head rank of the weights)', () => {
  it('one register per PE: H x (D/R) x (E/C) = 6 folds of B streamed points, each on its own', () => {
    // a ws fold costs T + r + c + R - 2 = 2 + 4 + 4 + 4 - 2 = 12 cycles (docs/SIMULATOR.md
    // "Closed forms"): 3 heads x 2 row folds x 12 = 72 (counting h as streamed gave 2 folds of 6 points)
    expect(computeCycles(1)).toBe(3 * 2 * 12);
  });

  it('equals the per-PE reference run once per head', () => {
    const A = new Int32Array(2 * 8).map((_, i) => (i % 7) - 3);
    const B = new Int32Array(8 * 4).map((_, i) => (i % 5) - 2);
    const ref = simulateReference('ws', { rows: 4, cols: 4 }, { M: 2, N: 4, K: 8 }, { dtype: 'int32', A, B });
    expect(computeCycles(1)).toBe(3 * ref.cycles);
  });

  it('double-buffered weights: the 6 folds chain at max(T, r) = 4 cycles, the weight loads exposed', () => {
    // load the first fold's 4 rows; 5 more folds each wait for the next 4 rows to shift in (T = 2 < 4);
    // the last fold streams its 2 points, then skew and drain R + c - 2 = 6: 4 + 5*4 + 2 + 6 = 32
    expect(computeCycles(2)).toBe(4 + 5 * 4 + 2 + 6);
  });
});

describe('bindings of a contraction on a 2D array', () => {
  it('never put reduced ranks on both dimensions (no systolic dataflow sums across both)', () => {
    // O[b,d] = A[b,h,f] · W[h,f,d]: h and f are both reduced
    const o = cascade('rank B = 4, H = 4, F = 4, D = 8\ninput A[B, H, F]: int8\nweight W[H, F, D]: int8\nO[b, d]: int32 = A[b, h, f] * W[h, f, d]\noutput O\n');
    const hw = hwModel(tinySpec(1 << 20));
    const w = einsumWorkload(o, 0);
    const model = new EinsumCostModel(w, hw.units[0]!, hw);
    const red = (v: number) => v >= 0 && w.reduced.includes(w.vars[v]!);
    const bs = bindings(model);
    expect(bs.some(([r, c]) => red(r) && !red(c) && c >= 0)).toBe(true);
    expect(bs.filter(([r, c]) => red(r) && red(c))).toEqual([]);
  });
});
