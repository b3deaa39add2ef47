// FuseMax vs FLAT (Nayak et al., MICRO 2024), analytic. Oracles: hand-derived per-head latencies
// (the FuseMax waterfall and FLAT's 1D-array bound, docs/MAPPER.md) and the paper's figures with the
// issue's tolerances.
import { describe, expect, it } from 'vitest';
import { attentionCascade, formatFusemax, reproFusemax } from '../../compiler/driver/commands/repro';
import { ResultSchema } from '../../sim/core/result';
import { getTarget } from '../../targets/registry';

const fusemax = getTarget('fusemax');
const flat = getTarget('flat');
const batch = 64 * 12; // BERT-Base: batch 64 x 12 heads

describe('FuseMax and FLAT on one layer of BERT-Base attention at 1K tokens', () => {
  const f = fusemax.simulate(fusemax.map(attentionCascade(1, 1024, 64, 256), undefined, { batch }), { fidelity: 'analytic' });
  const b = flat.simulate(flat.map(attentionCascade(3, 1024, 64, 256), undefined, { batch }), { fidelity: 'analytic' });

  it('both Results validate against the schema', () => {
    expect(ResultSchema.safeParse(f).success).toBe(true);
    expect(ResultSchema.safeParse(b).success).toBe(true);
  });

  it('FuseMax: latency matches the hand-derived waterfall within 0.1%', () => {
    // per head, in units u = M*P/65536 = 16 cycles: per 256x256 tile the 2D array runs QK (E=64) + LM (1),
    // then waits for RM (1) on the 1D array, then SLN (exp = 6 MACs + 1 sub) + SLD (1), then SLNV (F=64);
    // the 1D array overlaps RD + RNV (1 + 64) with the next QK+LM, PRM+SPD (1+1, exp native) with SLN+SLD,
    // SPNV (64) with SLNV, and the final divide AV (F*P/256 = 16u) has no slack left on the 1D array:
    //   max(65, 65 + 16) + 1 + max(8, 2) + max(64, 64) = 154 u per head
    const u = (1024 * 1024) / 65536;
    const perHead = (Math.max(65, 65 + 16) + 1 + Math.max(8, 2) + Math.max(64, 64)) * u;
    expect(Math.abs(f.latencyCycles - perHead * batch) / (perHead * batch)).toBeLessThan(0.001);
    // 2D array busy: QK 64 + LM 1 + SLN 7 + SLD 1 + SLNV 64 = 137 u of 154 u
    expect(f.utilization['PE2D']).toBeCloseTo(137 / 154, 3);
  });

  it('FLAT: the 1D array sets the pace (4 softmax ops per score on 256 PEs vs 128 MACs on 65536)', () => {
    const perHead = (4 * 1024 * 1024) / 256;
    expect(Math.abs(b.latencyCycles - perHead * batch) / (perHead * batch)).toBeLessThan(0.001);
    expect(b.utilization['PE2D']).toBeCloseTo(128 / 65536 / (4 / 256), 3);
  });

  it('FLAT cannot use the FuseMax binding: its 1-deep registers cannot hold the tile', () => {
    const m = flat.map(attentionCascade(1, 1024, 64, 256), undefined, { batch: 1 });
    expect(m.groups).toHaveLength(0);
    expect(m.warnings.join('\n')).toMatch(/registers/);
  });
});

describe('tessera repro fusemax', () => {
  const r = reproFusemax();
  it('covers BERT, TrXL, T5 and XLM at 1K to 1M tokens', () => {
    expect(r.rows).toHaveLength(24);
    expect(new Set(r.rows.map((x) => x.model))).toEqual(new Set(['BERT', 'TrXL', 'T5', 'XLM']));
  });
  it('mean attention speedup within 15% of the paper (6.72x)', () => {
    expect(Math.abs(r.meanSpeedup - 6.72) / 6.72).toBeLessThan(0.15);
  });
  it('2D utilization at BERT 1K: FLAT about 0.125, FuseMax about 0.89 (+-0.05)', () => {
    expect(Math.abs(r.bert1k.flatUtil2d - 0.125)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(r.bert1k.fusemaxUtil2d - 0.89)).toBeLessThanOrEqual(0.05);
  });
  it('FuseMax utilization rises towards 0.99 at 1M tokens', () => {
    const bert1m = r.rows.find((x) => x.model === 'BERT' && x.seq === '1M')!;
    expect(bert1m.fusemaxUtil2d).toBeGreaterThan(0.98);
  });
  it('mean energy ratio about 0.79 (+-0.1)', () => {
    expect(Math.abs(r.meanEnergyRatio - 0.79)).toBeLessThanOrEqual(0.1);
  });
  it('prints ours beside the paper', () => {
    const t = formatFusemax(r);
    expect(t).toMatch(/BERT\s+1K\s+6\.\d\d \| 6\.65/);
    expect(t).toMatch(/mean\s+all/);
  });
});
