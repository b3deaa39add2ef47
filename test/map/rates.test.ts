// Per-dtype compute rates (issue 14): a unit's `attr native` pairs and `rate_<weight>_<act>` set the
// MACs per PE-cycle of a GEMM with those operand types, in the mapper's cost and in the tiled-GEMM
// cycle engine. Oracle: fold cycles by hand (docs/SIMULATOR.md "Closed forms").
import { describe, expect, it } from 'vitest';
import { cyclesPerPoint, EinsumCostModel, einsumWorkload, hwModel } from '../../compiler/map';
import { pairRate } from '../../compiler/map/workload';
import { simulateTiledGemm } from '../../sim/spatial';
import { gemm, tinySpec } from './helpers';

function spec() {
  const s = tinySpec(1 << 20);
  // int8 x int8 at 2 MACs per PE-cycle, fp32 x fp32 at a quarter rate (bf16 not listed: base rate)
  s.computes[0]!.attrs = { native: ['int8_int8', 'fp32_fp32'], rate_int8_int8: 2, rate_fp32_fp32: 0.25 };
  return s;
}

/** compute cycles of the 8x8x8 GEMM, m on rows, n on cols, tiles 4 x 4 x 8 (2 x 2 output-stationary folds) */
function computeCycles(dt: string): { analytic: number; engine: number; rate: number } {
  const c = gemm(8, 8, 8, dt, dt === 'int8' ? 'int32' : dt);
  const hw = hwModel(spec());
  const w = einsumWorkload(c, 0);
  const unit = hw.units[0]!;
  const model = new EinsumCostModel(w, unit, hw);
  const idx = (v: string) => w.vars.indexOf(v);
  const tiles = Int32Array.from(w.vars, (v, i) => model.cands[i]!.indexOf(v === 'k' ? 8 : 4));
  model.evaluate(idx('m'), idx('n'), tiles, Int32Array.from([idx('m'), idx('n'), idx('k')]), 'latency');
  const run = simulateTiledGemm({
    rows: 4,
    cols: 4,
    pipelined: false,
    sizes: [8, 8, 8],
    tiles: [4, 4, 8],
    rowVar: 0,
    colVar: 1,
    order: [0, 1, 2],
    // Z[m,n], A[m,k], B[k,n] over (m, n, k); nothing crosses DRAM: compute alone
    tensors: [
      { mask: 0b011, bytes: 4, write: true, offDram: true },
      { mask: 0b101, bytes: 1, write: false, offDram: true },
      { mask: 0b110, bytes: 1, write: false, offDram: true },
    ],
    dramBytesPerCycle: 1,
    dramLatencyCycles: 0,
    rate: pairRate(w, unit),
  });
  return { analytic: model.compute, engine: run.computeCycles, rate: pairRate(w, unit) };
}

describe('per-dtype compute rates', () => {
  it('int8 x int8 at rate 2: a fold streams its 8 points of k in 4 cycles', () => {
    // os fold: T + r + c - 2 + R = 4 + 4 + 4 - 2 + 4 = 14 cycles, 4 folds: 56 (72 at the base rate)
    const r = computeCycles('int8');
    expect(r.rate).toBe(2);
    expect(r.analytic).toBe(4 * 14);
    expect(r.engine).toBe(4 * 14);
  });

  it('fp32 x fp32 at a quarter rate: 32 cycles of stream a fold', () => {
    const r = computeCycles('fp32');
    expect(r.rate).toBe(0.25);
    expect(r.analytic).toBe(4 * (32 + 10));
    expect(r.engine).toBe(4 * (32 + 10));
  });

  it('a pair the unit does not list, or a unit without a list, runs at the base rate', () => {
    expect(computeCycles('bf16').rate).toBe(1);
    const plain = hwModel(tinySpec(1 << 20)).units[0]!;
    expect(cyclesPerPoint(einsumWorkload(gemm(8, 8, 8), 0), plain)).toBe(1);
    expect(cyclesPerPoint(einsumWorkload(gemm(8, 8, 8), 0), hwModel(spec()).units[0]!)).toBe(0.5);
  });
});
