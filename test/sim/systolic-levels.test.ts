// The two fidelity levels of the systolic targets (tpu-v1, systolic, eyeriss-like) on GEMMs: the
// analytic model (compiler/map/cost.ts) and the cycle engine that runs the same mapping
// (sim/spatial/tiled-gemm.ts through targets/spatial-cycle.ts) place tensors by the same rule, so
// they move the same DRAM bytes; their cycles agree within 5% on large shapes. Oracles that do not
// come from either model: the compulsory traffic, the placement rule applied by hand (TPU v1's DDR3
// holds weights only), the TPU closed form, and the shipped example worked cycle by cycle in
// docs/SIMULATOR.md ("Mapped GEMMs: the shipped example by hand").
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCascadeFile, parseCascade } from '../../compiler/lang';
import type { Cascade } from '../../compiler/ir';
import { ResultSchema } from '../../sim/core/result';
import { getTarget } from '../../targets/registry';
import { gemm } from '../map/helpers';
import { cascadeWorkloads, EinsumCostModel, hwModel, lowerMapping } from '../../compiler/map';
import { describe as describeMapping } from '../../compiler/map/map-einsum';

const root = join(import.meta.dirname, '../..');
const TARGETS = ['tpu-v1', 'systolic', 'eyeriss-like'] as const;
const DRAM: Record<string, string> = { 'tpu-v1': 'DDR3', systolic: 'DRAM', 'eyeriss-like': 'DRAM' };

function both(target: string, c: Cascade, seed = 1) {
  const t = getTarget(target);
  const m = t.map(c, undefined, { objective: 'latency', seed });
  return { mapping: m, analytic: t.simulate(m, { fidelity: 'analytic' }), cycle: t.simulate(m, { fidelity: 'cycle' }) };
}

// [M, N, K, operand dtype, output dtype, B is a weight]
type Shape = [number, number, number, string, string, boolean];
const bytesOf: Record<string, number> = { int8: 1, bf16: 2, fp32: 4 };
const TINY: Shape[] = [
  [5, 3, 7, 'int8', 'int8', true],
  [64, 48, 80, 'bf16', 'fp32', false],
];
const MISALIGNED: Shape[] = [
  [300, 300, 300, 'int8', 'int8', true],
  [1000, 700, 900, 'bf16', 'fp32', true],
  [64, 4096, 4096, 'int8', 'int8', true],
];
// large: aligned, plus one large misaligned shape whose every GLB step has the same bound
const LARGE: Shape[] = [
  [1024, 1024, 1024, 'int8', 'int8', true],
  [1024, 1024, 1024, 'bf16', 'fp32', false],
  [2048, 2048, 2048, 'int8', 'int8', true],
  [2048, 4096, 4096, 'int8', 'int8', true],
  [2000, 1000, 3000, 'int8', 'int8', true],
];
const name = ([M, N, K, dt, , w]: Shape) => `${M}x${N}x${K} ${dt}${w ? ', B a weight' : ''}`;

describe.each(TARGETS)('%s: analytic and cycle levels on GEMMs', (target) => {
  const dram = DRAM[target]!;

  it.each([...TINY, ...MISALIGNED, ...LARGE].map((s) => [name(s), s] as const))('%s: the same DRAM traffic, and the placement rule holds', (_, s) => {
    const [M, N, K, dt, out, weight] = s;
    const { analytic, cycle } = both(target, gemm(M, N, K, dt, out, weight));
    expect(ResultSchema.safeParse(cycle).success).toBe(true);
    expect(cycle.traffic[dram]).toEqual(analytic.traffic[dram]);
    const b = bytesOf[dt]!;
    const t = cycle.traffic[dram]!;
    if (target === 'tpu-v1') {
      // DDR3 holds weights only: activations (A, Z, and B when it is an input) never cross it;
      // each weight tile is used for all of M before the next (A is on chip), so B is read once
      expect(t.writeBytes).toBe(0);
      expect(t.readBytes).toBe(weight ? K * N * b : 0);
    } else {
      // everything lives in DRAM: at least the compulsory traffic
      expect(t.readBytes).toBeGreaterThanOrEqual((M * K + K * N) * b);
      expect(t.writeBytes).toBeGreaterThanOrEqual(M * N * bytesOf[out]!);
    }
  });

  it.each(LARGE.map((s) => [name(s), s] as const))('%s: cycles within 5%', (_, s) => {
    const [M, N, K, dt, out, weight] = s;
    const { analytic, cycle } = both(target, gemm(M, N, K, dt, out, weight));
    expect(Math.abs(cycle.latencyCycles - analytic.latencyCycles) / cycle.latencyCycles).toBeLessThan(0.05);
  });
});

describe('the placement rule on a batched contraction (the fold-level engine with SRAM thirds)', () => {
  it('tpu-v1: activations never cross DDR3 at cycle level either; the weights are read from it', () => {
    const c = parseCascade('rank B = 3, M = 500, N = 300, K = 400\ninput A[B, M, K]: int8\nweight W[B, K, N]: int8\nZ[b, m, n]: int8 = A[b, m, k] * W[b, k, n]\noutput Z\n', 'bmm.ein').cascade!;
    const { analytic, cycle } = both('tpu-v1', c);
    for (const r of [analytic, cycle]) {
      expect(r.traffic['DDR3']!.writeBytes).toBe(0);
      // each weight tile is held for all of M (A is in the Unified Buffer): W once
      expect(r.traffic['DDR3']!.readBytes).toBe(3 * 400 * 300);
    }
  });
});

describe('tpu-v1: large aligned GEMMs at both levels against the closed form', () => {
  // per 256x256 weight block (fold) M cycles, the next block shifting in behind it; before the first
  // fold its 64 KiB come from DDR3 (34 GB/s at 700 MHz) and shift in (256 cycles); after the last,
  // the skew and drain (256 + 256 - 2). DDR3 keeps up while M >= 65536 / 48.57 = 1350.
  const closedForm = (M: number, N: number, K: number) => Math.ceil((K / 256) * (N / 256) * M + 256 + 256 + 256 - 2 + 65536 / (34e9 / 700e6));
  it.each([
    [2048, 4096, 4096],
    [2048, 2048, 2048],
  ])('%ix%ix%i', (M, N, K) => {
    const { analytic, cycle } = both('tpu-v1', gemm(M, N, K));
    expect(analytic.latencyCycles).toBe(closedForm(M, N, K));
    expect(cycle.latencyCycles).toBe(closedForm(M, N, K));
  });
});

describe('tpu-v1: fewer than 256 rows of A per weight block (activations only, no DDR3)', () => {
  it('64x512x512: the next block shifts in for 256 cycles while only 64 stream, so folds chain at 256', () => {
    const { analytic, cycle } = both('tpu-v1', gemm(64, 512, 512, 'int8', 'int8', false));
    // 4 folds (2 k blocks x 2 n blocks): first shift-in 256, three folds waiting for the next
    // block's 256 rows, the last streams its 64 rows, then skew and drain 256 + 256 - 2
    const hand = 256 + 3 * Math.max(64, 256) + 64 + 256 + 256 - 2;
    expect(cycle.latencyCycles).toBe(hand);
    expect(analytic.latencyCycles).toBe(hand);
    expect(cycle.traffic['DDR3']).toEqual({ readBytes: 0, writeBytes: 0 });
  });
});

describe('examples/gemm/gemm.ein (64x48x80, A and B inputs in bf16, Z fp32) by hand', () => {
  // seed 0: what `tessera run FILE --target T` maps with (its --seed defaults to 0)
  const c = loadCascadeFile(join(root, 'examples/gemm/gemm.ein'));
  const run = (target: string) => both(target, c, 0);
  const tiling = (m: ReturnType<typeof both>['mapping']) => {
    const e = m.einsums[0]!;
    return { tiles: e.tiles, order: e.loopOrder, rows: e.spatial.find((x) => x.dim === 'rows')?.var, cols: e.spatial.find((x) => x.dim === 'cols')?.var };
  };

  it('tpu-v1: one fold on chip, 80 + 64 + 256 + 48 - 2 = 446 cycles, no DDR3 traffic', () => {
    const { mapping, analytic, cycle } = run('tpu-v1');
    expect(tiling(mapping)).toEqual({ tiles: { m: 64, n: 48, k: 80 }, order: ['m', 'n', 'k'], rows: 'k', cols: 'n' });
    for (const r of [analytic, cycle]) {
      expect(r.latencyCycles).toBe(80 + 64 + 256 + 48 - 2);
      expect(r.traffic['DDR3']).toEqual({ readBytes: 0, writeBytes: 0 });
    }
  });

  it('systolic: 3 GLB steps of 316 cycles behind 10 B/cycle: 3082 cycles (analytic roofline 3021)', () => {
    const { mapping, analytic, cycle } = run('systolic');
    expect(tiling(mapping)).toEqual({ tiles: { m: 64, n: 16, k: 80 }, order: ['m', 'n', 'k'], rows: 'm', cols: 'n' });
    // compulsory: A 64*80*2 + B 80*48*2 read, Z 64*48*4 written
    for (const r of [analytic, cycle]) expect(r.traffic['DRAM']).toEqual({ readBytes: 17920, writeBytes: 12288 });
    // per step two os folds (r = 32, c = 16, T = 80): 2 * (80 + 32 + 16 - 2 + 32) = 316
    // A 1024 + B 256 cycles, step 0 at 1280-1596; B1 by 1536; Z0 write 1596-2006; B2 2006-2262;
    // step 1 1596-1912; Z1 2262-2672; step 2 2262-2578; Z2 2672-3082
    expect(cycle.latencyCycles).toBe(3082);
    // all 30208 bytes at 10 B/cycle
    expect(analytic.latencyCycles).toBe(Math.ceil(30208 / 10));
  });

  /** The mapper's mapping with its only einsum replaced by a given binding, tiles and loop order. */
  const pinned = (target: string, p: { tiles: Record<string, number>; order: string[]; rows: string; cols: string }) => {
    const t = getTarget(target);
    const mapping = t.map(c, undefined, { objective: 'latency', seed: 0 });
    const hw = hwModel(t.spec);
    const w = cascadeWorkloads(c)[0]!;
    const model = new EinsumCostModel(w, hw.units.find((u) => u.name === mapping.einsums[0]!.unit)!, hw);
    const tiles = Int32Array.from(w.vars, (v, i) => model.cands[i]!.indexOf(p.tiles[v]!));
    const order = Int32Array.from(p.order, (v) => w.vars.indexOf(v));
    expect(Number.isFinite(model.evaluate(w.vars.indexOf(p.rows), w.vars.indexOf(p.cols), tiles, order, 'latency'))).toBe(true);
    mapping.einsums[0] = describeMapping(w, hw, model, w.vars.indexOf(p.rows), w.vars.indexOf(p.cols), tiles, order);
    // the engines read the lowered mapping: lower the edited one again
    mapping.ops = lowerMapping(mapping);
    return { mapping, analytic: t.simulate(mapping, { fidelity: 'analytic' }), cycle: t.simulate(mapping, { fidelity: 'cycle' }) };
  };

  it('eyeriss-like: the mapper picks a mapping no worse (analytic) than the hand-worked one below', () => {
    const { analytic, cycle } = run('eyeriss-like');
    const hand = pinned('eyeriss-like', { tiles: { m: 14, n: 24, k: 80 }, order: ['n', 'm', 'k'], rows: 'n', cols: 'm' });
    expect(analytic.latencyCycles).toBeLessThanOrEqual(hand.analytic.latencyCycles);
    expect(Math.abs(cycle.latencyCycles - analytic.latencyCycles) / analytic.latencyCycles).toBeLessThan(0.05);
  });

  it('eyeriss-like: 10 GLB steps, 2296 cycles of folds after a 304-cycle fill and before a 39-cycle write: 2639', () => {
    // the mapping the search found before it converged (docs/SIMULATOR.md works it by hand)
    const { mapping, analytic, cycle } = pinned('eyeriss-like', { tiles: { m: 14, n: 24, k: 80 }, order: ['n', 'm', 'k'], rows: 'n', cols: 'm' });
    expect(tiling(mapping)).toEqual({ tiles: { m: 14, n: 24, k: 80 }, order: ['n', 'm', 'k'], rows: 'n', cols: 'm' });
    // B (80*48*2) once, A (64*80*2) once per n tile (2), Z once
    for (const r of [analytic, cycle]) expect(r.traffic['DRAM']).toEqual({ readBytes: 7680 + 2 * 10240, writeBytes: 12288 });
    // os folds on 12 x 14: 2 per step (r = 12), T = 80: 2 * (80 + 12 + c + 12 - 2) = 204 + 2c, c = 14 (4 steps) or 8
    const folds = 2 * (4 * (204 + 28) + (204 + 16));
    expect(folds).toBe(2296);
    // first A and B tiles (2240 + 3840 B at 20 B/cycle) and the last Z tile (8*24*4 B)
    expect(cycle.latencyCycles).toBe(folds + (2240 + 3840) / 20 + Math.ceil((8 * 24 * 4) / 20));
    expect(analytic.latencyCycles).toBe(Math.ceil(folds + (2240 + 3840 + 8 * 24 * 4) / 20));
  });
});
