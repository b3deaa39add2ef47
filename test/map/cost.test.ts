// The analytical model of one einsum against hand-computed counts for a fixed mapping
// (docs/MAPPER.md, "The analytical model of one einsum").
import { describe, expect, it } from 'vitest';
import { EinsumCostModel, einsumWorkload, hwModel, cyclesPerPoint } from '../../compiler/map';
import { cascade, gemm, tinySpec } from './helpers';

describe('analytical cost of a fixed mapping', () => {
  // GEMM 8x8x8, bf16 operands, fp32 output, on a 4x4 array; m on rows, n on cols, tiles m=4 n=4 k=8,
  // loops above the buffer ordered m, n, k (outer first): trip counts 2, 2, 1.
  const c = gemm(8, 8, 8, 'bf16', 'fp32', false);
  const hw = hwModel(tinySpec(1 << 20));
  const w = einsumWorkload(c, 0);
  const model = new EinsumCostModel(w, hw.units[0]!, hw);
  const idx = (v: string) => w.vars.indexOf(v);
  const tiles = new Int32Array(3);
  tiles[idx('m')] = model.cands[idx('m')]!.indexOf(4);
  tiles[idx('n')] = model.cands[idx('n')]!.indexOf(4);
  tiles[idx('k')] = model.cands[idx('k')]!.indexOf(8);
  const order = Int32Array.from([idx('m'), idx('n'), idx('k')]);
  model.evaluate(idx('m'), idx('n'), tiles, order, 'latency');

  it('compute: 2 x 2 folds of the 4x4 array, each 8 steps of k plus its own fill and drain', () => {
    // an output-stationary fold with r = c = 4 on R = 4 rows: T + r + c - 2 (skewed fill and
    // steady state) + R (drain) = 8 + 4 + 4 - 2 + 4 = 18 cycles (docs/SIMULATOR.md "Closed forms");
    // the tiny array has no second register to overlap folds in os
    expect(model.compute).toBe(2 * 2 * 18);
    expect(model.spatialUtil).toBe(1);
  });

  it('DRAM: A is read once, B once per m tile, Z written once', () => {
    // A[m,k]: k has one trip, so its tile changes only with m (the outermost loop): n turning
    // below m keeps it in the buffer, read once. B[k,n]: innermost relevant loop n, m above it
    // skips B: 2 reads. Z[m,n]: innermost relevant loop n, none above it skips Z
    expect(model.dramRead).toBe(64 * 2 + 64 * 2 * 2);
    expect(model.dramWrite).toBe(64 * 4);
  });

  it('moving k outermost makes Z partial sums go back and forth', () => {
    tiles[idx('k')] = model.cands[idx('k')]!.indexOf(4);
    model.evaluate(idx('m'), idx('n'), tiles, Int32Array.from([idx('k'), idx('m'), idx('n')]), 'latency');
    // k has 2 trips above Z's loops: Z written twice and read back once
    expect(model.dramWrite).toBe(64 * 4 * 2);
    // A[m,k]: innermost relevant loop is m (position 1); above it, nothing skips A; but n (position 2)
    // is inside, so A is read once. B[k,n]: innermost relevant n (position 2): m above it skips B -> 2x
    expect(model.dramRead).toBe(64 * 4 /* Z read back */ + 64 * 2 + 64 * 2 * 2);
  });

  it('an op the unit lacks is emulated: exp costs exp_macs MACs, a native chain one cycle', () => {
    const sm = cascade('rank M = 16, P = 16\ninput X[M, P]: bf16\ninput G[P]: bf16\nS[m, p] = exp(X[m, p] - G[p])\noutput S\n');
    const spec = tinySpec(1 << 20);
    spec.attrs['exp_macs'] = 6;
    spec.computes.push({ name: 'V', kind: 'array1d', lanes: 4, ops: ['exp', 'add', 'sub'], attrs: {} });
    const h = hwModel(spec);
    const ws = einsumWorkload(sm, 0);
    expect(cyclesPerPoint(ws, h.units.find((u) => u.name === 'PE')!)).toBe(6 + 1); // mul/add array: sub + 6 MACs
    expect(cyclesPerPoint(ws, h.units.find((u) => u.name === 'V')!)).toBe(1); // sub and exp pipelined
  });
});
