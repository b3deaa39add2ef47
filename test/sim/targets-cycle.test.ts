// Fidelity 'cycle' through the targets (targets/spatial-cycle.ts): FuseMax and FLAT groups on the
// attention engines, plain contractions on the fold-level systolic engine.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCascadeFile } from '../../compiler/lang';
import { ResultSchema } from '../../sim/core/result';
import { getTarget } from '../../targets/registry';

const root = join(import.meta.dirname, '../..');

function both(target: string, file: string, batch: number) {
  const t = getTarget(target);
  const m = t.map(loadCascadeFile(join(root, file)), undefined, { batch });
  return { analytic: t.simulate(m, { fidelity: 'analytic' }), cycle: t.simulate(m, { fidelity: 'cycle' }) };
}

describe('tessera run --fidelity cycle on the spatial targets', () => {
  it('fusemax: BERT 1K 1-pass cascade (batch 64 × 12 heads) within 5% of analytic, 2D ≥ 0.85 busy', () => {
    const { analytic, cycle } = both('fusemax', 'test/sim/fixtures/bert-1k-1pass.ein', 64 * 12);
    expect(ResultSchema.safeParse(cycle).success).toBe(true);
    expect(cycle.fidelity).toBe('cycle');
    expect(Math.abs(cycle.latencyCycles - analytic.latencyCycles) / analytic.latencyCycles).toBeLessThan(0.05);
    expect(cycle.utilization.PE2D).toBeGreaterThanOrEqual(0.85);
    // Q, K, V once per (batch, head): 3 × 64 × 1024 × 2 B × 768; AV written once: 64 × 1024 × 2 B × 768
    expect(cycle.traffic.DRAM).toEqual({ readBytes: 3 * 64 * 1024 * 2 * 768, writeBytes: 64 * 1024 * 2 * 768 });
  });

  it('flat: BERT 1K 3-pass cascade, 2D utilization 0.125', () => {
    const { cycle } = both('flat', 'test/sim/fixtures/bert-1k-3pass.ein', 64 * 12);
    expect(ResultSchema.safeParse(cycle).success).toBe(true);
    expect(cycle.utilization.PE2D).toBeCloseTo(0.125, 3);
  });

  it('systolic: examples/gemm (64×48×80, bf16 → fp32) is DRAM-bound at 10 B/cycle', () => {
    const { cycle } = both('systolic', 'examples/gemm/gemm.ein', 1);
    expect(ResultSchema.safeParse(cycle).success).toBe(true);
    // A 64·80·2 + B 80·48·2 = 17920 B read once (the mapper's tiles hold them); Z 64·48·4 written
    expect(cycle.traffic.DRAM).toEqual({ readBytes: 17920, writeBytes: 12288 });
    // at most 48/16 = 3 GLB steps of two 32×16 os folds (80+32+16−2+32 = 158 each, 948 in all);
    // the DRAM needs (17920 + 12288) / 10 = 3021 cycles; compute overlaps all but the first fetch
    expect(cycle.latencyCycles).toBeGreaterThanOrEqual(3021);
    expect(cycle.latencyCycles).toBeLessThanOrEqual(3021 + 948);
    expect(cycle.einsums.map((e) => e.name)).toEqual(['Z']);
  });

  for (const t of ['tpu-v1', 'eyeriss-like']) {
    it(`${t}: the GEMM example runs at cycle fidelity and validates`, () => {
      const { cycle } = both(t, 'examples/gemm/gemm.ein', 1);
      expect(ResultSchema.safeParse(cycle).success).toBe(true);
      expect(cycle.latencyCycles).toBeGreaterThan(0);
    });
  }
});

describe('contractions seen as GEMMs (targets/spatial-cycle.ts)', () => {
  it('splits variables into M, N, K and batch, and reads the dataflow off the spatial binding', async () => {
    const { gemmOf, dataflowOfBinding } = await import('../../targets/spatial-cycle');
    const { parseCascade } = await import('../../compiler/lang');
    const { cascadeWorkloads } = await import('../../compiler/map');
    const { cascade } = parseCascade('rank B = 3, M = 5, N = 7, K = 11\ninput A[B, M, K]: fp32\ninput W[B, K, N]: fp32\nZ[b, m, n] = A[b, m, k] * W[b, k, n]\noutput Z\n', 'bmm.ein');
    const w = cascadeWorkloads(cascade!).find((x) => x.name === 'Z')!;
    const g = gemmOf(cascade!, w)!;
    expect([g.M, g.N, g.K, g.batch]).toEqual([5, 7, 11, 3]);
    expect(dataflowOfBinding(g, [{ var: 'k', dim: 'rows' }, { var: 'n', dim: 'cols' }], 'os')).toEqual({ dataflow: 'ws', transpose: false });
    expect(dataflowOfBinding(g, [{ var: 'k', dim: 'rows' }, { var: 'm', dim: 'cols' }], 'os')).toEqual({ dataflow: 'is', transpose: false });
    expect(dataflowOfBinding(g, [{ var: 'm', dim: 'rows' }, { var: 'n', dim: 'cols' }], 'ws')).toEqual({ dataflow: 'os', transpose: false });
    expect(dataflowOfBinding(g, [{ var: 'n', dim: 'rows' }, { var: 'm', dim: 'cols' }], 'ws')).toEqual({ dataflow: 'os', transpose: true });
    expect(dataflowOfBinding(g, [{ var: 'b', dim: 'rows' }], 'is')).toEqual({ dataflow: 'is', transpose: false });
  });
});
