import { describe, expect, it } from 'vitest';
import { loadBuiltinTarget } from '../../targets/spec';
import {
  DEFAULT_PARAMS,
  calibrate,
  gpuHardwareFromSpec,
  loadMeasurements,
  predictRecordSeconds,
  splitRecords,
  validateGpuModel,
  type GpuModelParams,
  type MeasurementRecord,
} from '../../sim/gpu';
import { validationHtml } from '../../sim/gpu/validation-html';

const h100 = gpuHardwareFromSpec(loadBuiltinTarget('h100'));
const SYNTHETIC = 'native/measurements/synthetic-h100-2026-11-22.json';

describe('calibration', () => {
  it('recovers a model that generated its own data (no noise)', () => {
    const truth: GpuModelParams = { ...DEFAULT_PARAMS, gemmEfficiency: { bf16: 0.55 }, gemmTileOverheadK: 300, tileM: 256, tileN: 128, attentionEfficiency: 0.3, hbmEfficiency: 0.7, launchSeconds: 8e-6 };
    const records: MeasurementRecord[] = [];
    for (const m of [1, 64, 333, 1024, 4100, 8192, 16384])
      for (const nk of [512, 4096, 12288]) {
        const r = { id: `g${m}-${nk}`, kind: 'gemm' as const, suite: 's', dtype: 'bf16' as const, m, n: nk, k: nk, timeSeconds: 1 };
        records.push({ ...r, timeSeconds: predictRecordSeconds(h100, truth, r) });
      }
    for (const s of [512, 2048, 8192])
      for (const causal of [false, true]) {
        const r = { id: `a${s}-${causal}`, kind: 'attention' as const, suite: 'a', dtype: 'bf16' as const, batch: 16384 / s, heads: 16, seqQ: s, seqKV: s, headDim: 128, causal, timeSeconds: 1 };
        records.push({ ...r, timeSeconds: predictRecordSeconds(h100, truth, r) });
      }
    const fit = calibrate(h100, records);
    expect(fit.params.tileM).toBe(256);
    expect(fit.params.tileN).toBe(128);
    expect(Math.sqrt(fit.loss)).toBeLessThan(0.02); // rms log error under 2 %
    expect(fit.params.gemmEfficiency.bf16!).toBeCloseTo(0.55, 1);
  });

  it('the split is stable, about one in three, and independent of order', () => {
    const ids = Array.from({ length: 300 }, (_, i) => ({ id: `k${i}` }));
    const a = splitRecords(ids);
    const b = splitRecords([...ids].reverse());
    expect(new Set(a.heldOut.map((x) => x.id))).toEqual(new Set(b.heldOut.map((x) => x.id)));
    expect(a.heldOut.length).toBeGreaterThan(70);
    expect(a.heldOut.length).toBeLessThan(130);
  });
});

describe('validation on the SYNTHETIC H100 file', () => {
  const mf = loadMeasurements(SYNTHETIC);
  const rep = validateGpuModel(h100, mf, SYNTHETIC);
  it('is labelled synthetic', () => {
    expect(rep.measurements.synthetic).toBe(true);
    expect(validationHtml(rep)).toContain('SYNTHETIC DATA');
  });
  it('beats the roofline on held-out kernels', () => {
    expect(rep.heldOut.model.points).toBe(rep.measurements.heldOut);
    expect(rep.heldOut.model.mape).toBeLessThan(0.1);
    expect(rep.heldOut.model.mape).toBeLessThan(rep.heldOut.roofline.mape / 3);
    expect(rep.heldOut.model.spearman).toBeGreaterThan(0.98);
  });
  it('is deterministic', () => {
    expect(JSON.stringify(validateGpuModel(h100, mf, SYNTHETIC))).toBe(JSON.stringify(rep));
  });
  it('writes a self-contained HTML plot', () => {
    const html = validationHtml(rep);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});
