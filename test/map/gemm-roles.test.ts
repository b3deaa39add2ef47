// A contraction on a 2D systolic array: one tensor held in place, the others moving along a row or a
// column (the binding rule), and loop orders that keep each GEMM role's variables together (the nest
// the tiled-GEMM cycle engine runs as mapped). Oracles: the masks of the tensors (which variables
// each indexes), hand-counted order spaces, and the cycle engines, which simulate the mapping
// independently of the analytic cost model.
import { describe, expect, it } from 'vitest';
import { EinsumCostModel, bindings, hwModel, searchEinsum, spaceSize, einsumWorkload } from '../../compiler/map';
import { gemmRoles, groupRoles } from '../../compiler/map/search';
import { gemmNest } from '../../compiler/map/gemm-nest';
import { gemmView } from '../../compiler/map/gemm-view';
import { mapStage, simulateCascade } from '../../compiler/driver/pipeline';
import { loadTarget } from '../../targets/registry';
import { cascade } from './helpers';

// the new token's score against its own key in a batched decode step (LLaMA's L*_QKN at b = 16)
const selfScore = cascade(`rank B = 16, H = 32, E = 128
input Q[B, H, E]: fp16
input K[B, H, E]: fp16
S[b, h]: fp16 = Q[b, h, e] * K[b, h, e]
output S
`);
// the attention output projection, heads and head dimension both contracted (LLaMA's L*_O)
const outProj = cascade(`rank B = 16, H = 32, F = 128, D = 4096
input AV[B, H, F]: fp16
weight WO[H, F, D]: fp16
O[b, d]: fp16 = AV[b, h, f] * WO[h, f, d]
output O
`);

const ratio = (c: typeof selfScore, name: string) => {
  const a = simulateCascade(c, { target: 'fusemax', fidelity: 'analytic' }).einsums.find((e) => e.name === name)!;
  const y = simulateCascade(c, { target: 'fusemax', fidelity: 'cycle' }).einsums.find((e) => e.name === name)!;
  return y.latencyCycles / a.latencyCycles;
};

describe('contractions on a 2D array', () => {
  it('no binding of both array dimensions lets two tensors vary along both', () => {
    const hw = hwModel(loadTarget('fusemax').spec);
    const u2 = hw.units.find((u) => u.kind === '2d')!;
    for (const c of [selfScore, outProj]) {
      const model = new EinsumCostModel(einsumWorkload(c, 0), u2, hw);
      const both = (r: number, col: number) => model.w.tensors.filter((t) => (t.mask >> r) & 1 && (t.mask >> col) & 1).length;
      for (const [r, col] of bindings(model)) if (r >= 0 && col >= 0) expect(both(r, col)).toBeLessThanOrEqual(1);
    }
    // every pair of the self score's variables is indexed by both operands: no 2D binding of two variables remains
    const model = new EinsumCostModel(einsumWorkload(selfScore, 0), u2, hw);
    expect(bindings(model).filter(([r, col]) => r >= 0 && col >= 0)).toEqual([]);
  });

  it('the batched self score agrees across fidelities (it was 430 analytic against 196,608 cycles on the 2D array)', () => {
    const m = mapStage(selfScore, loadTarget('fusemax'), { target: 'fusemax' });
    expect(m.einsums[0]!.unit).toBe('PE1D');
    const r = ratio(selfScore, 'S');
    expect(r).toBeGreaterThan(0.95);
    expect(r).toBeLessThan(1.05);
  });

  it('the GEMM roles of the output projection and the orders that keep them together', () => {
    const hw = hwModel(loadTarget('fusemax').spec);
    const model = new EinsumCostModel(einsumWorkload(outProj, 0), hw.units.find((u) => u.kind === '2d')!, hw);
    const vars = model.w.vars;
    const roles = gemmRoles(model)!;
    const roleOf = (v: string) => roles[vars.indexOf(v)];
    expect([roleOf('b'), roleOf('d'), roleOf('h'), roleOf('f')]).toEqual([0, 1, 2, 2]);
    // orders: 3 roles in any order (3!) times each role's variables in any order (1! 1! 2!) = 12 of the 4! = 24
    const tiles = model.cands.reduce((p, c) => p * c.length, 1);
    expect(spaceSize(model)).toBe(bindings(model).length * tiles * 12);
    const ix = (n: string[]) => Int32Array.from(n, (v) => vars.indexOf(v));
    const out = new Int32Array(4);
    expect(Array.from(groupRoles(ix(['h', 'b', 'd', 'f']), roles, out), (v) => vars[v])).toEqual(['h', 'f', 'b', 'd']);
    expect(Array.from(groupRoles(ix(['d', 'f', 'b', 'h']), roles, out), (v) => vars[v])).toEqual(['d', 'f', 'h', 'b']);
    // a batched contraction (a variable both operands index) keeps every order
    const b2 = new EinsumCostModel(einsumWorkload(selfScore, 0), hw.units.find((u) => u.kind === '2d')!, hw);
    expect(gemmRoles(b2)).toBeNull();
  });

  it('the mapped output projection runs on the tiled-GEMM engine as mapped, and the fidelities agree', () => {
    const t = loadTarget('fusemax');
    const m = mapStage(outProj, t, { target: 'fusemax' });
    const e = m.einsums[0]!;
    const order = e.loopOrder;
    expect(Math.abs(order.indexOf('h') - order.indexOf('f'))).toBe(1);
    const u = hwModel(t.spec).units.find((x) => x.name === e.unit)!;
    expect(gemmNest(gemmView(outProj, 0)!, einsumWorkload(outProj, 0), e, u.rows, u.cols)).not.toBeNull();
    const r = ratio(outProj, 'O');
    expect(r).toBeGreaterThan(0.97);
    expect(r).toBeLessThan(1.03);
  });
});

describe('the unit floor', () => {
  it('is below every mapping the search finds on that unit, so skipping a unit whose floor is no better changes nothing', () => {
    const hw = hwModel(loadTarget('fusemax').spec);
    for (const c of [selfScore, outProj])
      for (const u of hw.units) {
        const model = new EinsumCostModel(einsumWorkload(c, 0), u, hw);
        if (!Number.isFinite(model.cpp)) continue;
        const found = searchEinsum(model, 'latency', { seed: 3 });
        expect(found.value).toBeGreaterThanOrEqual(model.computeFloor());
      }
    // the projection's floor on the 256-lane 1D array (4096 x 16 x 4096 MACs / 256 lanes) is far above the 2D array's best
    const u1 = new EinsumCostModel(einsumWorkload(outProj, 0), hw.units.find((u) => u.kind === '1d')!, hw);
    expect(u1.computeFloor()).toBe((16 * 32 * 128 * 4096 * u1.cpp) / 256);
    // the energy objective searches every unit (the floor bounds latency only): same unit either way here
    expect(mapStage(outProj, loadTarget('fusemax'), { target: 'fusemax', objective: 'energy' }).einsums[0]!.unit).toBe('PE2D');
  });
});
