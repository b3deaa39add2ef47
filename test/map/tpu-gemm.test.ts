// GEMM on tpu-v1 against the closed form derived by hand (docs/MAPPER.md, "GEMM on a weight-stationary array"):
//   the MXU is 256x256 and weight-stationary: a 256x256 block of B[k, n] is held, A streams through
//   it row by row (one m per cycle), so each (k-block, n-block) pair costs M cycles, and the array's
//   skew (rows + cols - 2 = 510 cycles) is paid once because the weight FIFO double-buffers blocks.
//   Before the first row of A can enter, the first weight block must come from DDR3 (64 KiB at
//   34 GB/s / 700 MHz = 48.57 B/cycle: 1349.3 cycles) and shift into the PEs (one row per cycle:
//   256 cycles); the closed form used until the GEMM example was checked against the cycle engine
//   left both out:
//     cycles = ceil( ceil(K/256) * ceil(N/256) * M + rFirst + 256 + cLast - 2 + firstBlockBytes / 48.57 )
//   with rFirst = 256 and cLast = 256 on aligned shapes (= M-part + 766 + 1349.3) (when DDR3 is not the bound)
//   The ideal for aligned shapes is M*K*N / 65536.
import { describe, expect, it } from 'vitest';
import { ResultSchema } from '../../sim/core/result';
import { getTarget } from '../../targets/registry';
import { gemm } from './helpers';

const tpu = getTarget('tpu-v1');
const run = (M: number, N: number, K: number) => tpu.simulate(tpu.map(gemm(M, N, K), undefined, { objective: 'latency', seed: 1 }), { fidelity: 'analytic' });
const ddr3BytesPerCycle = 34e9 / 700e6;
// the first 256x256 int8 weight block from DDR3, shifted in; the last fold's skew and drain over cLast columns
const closedForm = (M: number, N: number, K: number) => {
  const cLast = N - (Math.ceil(N / 256) - 1) * 256;
  return Math.ceil(Math.ceil(K / 256) * Math.ceil(N / 256) * M + 256 + 256 + cLast - 2 + 65536 / ddr3BytesPerCycle);
};

describe('GEMM on tpu-v1', () => {
  it.each([
    [2048, 4096, 4096],
    [4096, 2048, 2048],
    [2048, 2048, 4096],
  ])('large aligned %ix%ix%i (M >= 1350, so the MXU outruns DDR3): within 5 percent of M*K*N/65536 and equal to the closed form', (M, N, K) => {
    const r = run(M, N, K);
    expect(ResultSchema.safeParse(r).success).toBe(true);
    const ideal = (M * N * K) / 65536;
    expect(Math.abs(r.latencyCycles - ideal) / ideal).toBeLessThan(0.05);
    expect(r.latencyCycles).toBe(closedForm(M, N, K));
    expect(r.utilization['MXU']).toBeGreaterThan(0.95);
  });

  it('misaligned 2000x1000x3000: the closed form with ceilings, and the lost utilization explained', () => {
    const [M, N, K] = [2000, 1000, 3000];
    const r = run(M, N, K);
    expect(r.latencyCycles).toBe(closedForm(M, N, K));
    // k = 3000 takes 12 row folds (the last 184 of 256 rows), n = 1000 takes 4 column folds (232 of 256)
    const spatial = (K / (12 * 256)) * (N / (4 * 256));
    const mapping = (r as unknown as { mapping: { einsums: { spatialUtilization: number }[] } }).mapping;
    expect(mapping.einsums[0]!.spatialUtilization).toBeCloseTo(spatial, 9);
    expect(r.warnings.some((w) => /k = 3000 .* 12 folds; the last uses 184 of 256/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /n = 1000 .* 4 folds; the last uses 232 of 256/.test(w))).toBe(true);
  });

  it('a small misaligned GEMM says which ranks leave the array idle', () => {
    const r = run(300, 300, 300);
    expect(r.warnings.join('\n')).toMatch(/k = 300 on the 256 rows of MXU takes 2 folds/);
    expect(r.utilization['MXU']).toBeLessThan(0.35);
  });

  it('a GEMM whose weights stream faster than DDR3 delivers them is explained as bandwidth-bound', () => {
    // 64 rows of activations per 256x256 weight block: 64 KiB of weights every 64 cycles, > 48.6 B/cycle
    const r = run(64, 4096, 4096);
    const expl = (r as unknown as { explanation: string[] }).explanation.join('\n');
    expect(expl).toMatch(/bound by DDR3 bandwidth/);
    // at least every weight byte crosses DDR3 once: 16 MiB / (34 GB/s / 700 MHz)
    expect(r.latencyCycles).toBeGreaterThanOrEqual(Math.floor((4096 * 4096) / (34e9 / 700e6)));
  });
});
