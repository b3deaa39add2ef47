import { describe, expect, it } from 'vitest';
import { loadBuiltinTarget } from '../../targets/spec';
import {
  DEFAULT_PARAMS,
  calibrate,
  cloneParams,
  coordinateSearch,
  GEMM_EFFICIENCY_STARTS,
  gpuHardwareFromSpec,
  heldOutIds,
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
const gemm = (m: number, n: number, k: number): MeasurementRecord => ({ id: `g${m}-${n}-${k}`, kind: 'gemm', suite: 's', dtype: 'fp16', m, n, k, timeSeconds: 1 });
const attn = (s: number, d: number, causal: boolean, kernel: 'fa2' | 'fa3', pass: 'fwd' | 'fwd+bwd'): MeasurementRecord => ({
  id: `a${s}-${d}-${causal}-${kernel}-${pass}`,
  kind: 'attention',
  suite: 'a',
  dtype: 'fp16',
  batch: 16384 / s,
  heads: 2048 / d,
  seqQ: s,
  seqKV: s,
  headDim: d,
  causal,
  kernel,
  pass,
  timeSeconds: 1,
});

describe('calibration', () => {
  it('recovers the parameters that generated its data (no noise)', () => {
    const truth: GpuModelParams = cloneParams(DEFAULT_PARAMS);
    truth.gemmEfficiency.fp16 = 0.62;
    truth.hbmEfficiency = 0.8;
    truth.launchSeconds = 6e-6;
    truth.attention.fa3.fwdEfficiency = 0.7;
    truth.attention.fa2.bwdEfficiency = 0.4;
    const records: MeasurementRecord[] = [];
    for (const m of [1, 16, 64, 333, 1024, 4100])
      for (const nk of [512, 4096, 12288]) {
        const r = gemm(m, nk, nk);
        records.push({ ...r, timeSeconds: predictRecordSeconds(h100, truth, r) });
      }
    for (const s of [512, 2048, 8192])
      for (const d of [64, 256])
        for (const [kernel, pass] of [['fa3', 'fwd'], ['fa2', 'fwd+bwd']] as const) {
          const r = attn(s, d, s === 2048, kernel, pass);
          records.push({ ...r, timeSeconds: predictRecordSeconds(h100, truth, r) });
        }
    const fit = calibrate(h100, records);
    expect(Math.sqrt(fit.loss)).toBeLessThan(0.02); // rms log error under 2 %
    // GEMM efficiency trades off a little against the compute/memory overlap: recovered within 0.15
    expect(Math.abs(fit.params.gemmEfficiency.fp16! - 0.62)).toBeLessThan(0.15);
    expect(fit.params.attention.fa3.fwdEfficiency).toBeCloseTo(0.7, 1);
    expect(fit.fitted).toContain('attention.fa2.bwdEfficiency');
    expect(fit.fitted).not.toContain('attention.fa3.bwdEfficiency'); // no FA3 backward in the data
  });

  it('splits by shape: alternate token counts, and head dim 128 held out', () => {
    const rs = [gemm(1, 8, 8), gemm(2, 8, 8), gemm(4, 8, 8), gemm(8, 8, 8), gemm(16, 8, 8), gemm(16, 16, 16), attn(512, 64, false, 'fa2', 'fwd'), attn(512, 128, false, 'fa2', 'fwd'), attn(1024, 128, true, 'fa3', 'fwd')];
    // distinct M: 1, 2, 4, 8, 16 -> the 2nd and 4th (2, 8) held out
    expect([...heldOutIds(rs)].sort()).toEqual(['a1024-128-true-fa3-fwd', 'a512-128-false-fa2-fwd', 'g2-8-8', 'g8-8-8'].sort());
    const { calibration, heldOut } = splitRecords([...rs].reverse());
    expect(calibration.length + heldOut.length).toBe(rs.length);
    expect(heldOut.map((r) => r.id).sort()).toEqual([...heldOutIds(rs)].sort());
  });
});

describe('calibration from several starts (published A100 GEMMs)', () => {
  const a100 = gpuHardwareFromSpec(loadBuiltinTarget('a100-80gb'));
  const recs = loadMeasurements('native/measurements/published/a100-vidur-llama2-7b-linear.json').records;
  const { calibration } = splitRecords(recs);
  it('keeps the lowest calibration loss of the searches, and leaves the 0.75 start near where it began although a lower loss lies along the efficiency/overhead valley', () => {
    const fit = calibrate(a100, calibration);
    const single = coordinateSearch(a100, calibration, DEFAULT_PARAMS);
    // the single search from the default start stops within one small step (1 %) of its start
    // value of GEMM efficiency
    expect(Math.abs(single.params.gemmEfficiency.fp16! / DEFAULT_PARAMS.gemmEfficiency.fp16! - 1)).toBeLessThan(0.011);
    const losses = GEMM_EFFICIENCY_STARTS.map((e) => {
      const s = cloneParams(DEFAULT_PARAMS);
      s.gemmEfficiency.fp16 = s.gemmEfficiency.bf16 = e;
      return coordinateSearch(a100, calibration, s).loss;
    });
    expect(fit.loss).toBe(Math.min(single.loss, ...losses));
    expect(fit.loss).toBeLessThan(single.loss);
    expect(fit.params.gemmEfficiency.fp16).not.toBe(DEFAULT_PARAMS.gemmEfficiency.fp16);
  });
});

describe('validation on the SYNTHETIC H100 file', () => {
  const mf = loadMeasurements(SYNTHETIC);
  const rep = validateGpuModel(h100, [{ file: SYNTHETIC, mf }], mf.records);
  it('is labelled synthetic', () => {
    expect(rep.measurements.synthetic).toBe(true);
    expect(rep.measurements.files[0]!.kind).toBe('synthetic');
    expect(validationHtml(rep)).toContain('SYNTHETIC DATA');
  });
  it('beats the roofline on held-out kernels', () => {
    expect(rep.heldOut.model.points).toBe(rep.measurements.heldOut);
    expect(rep.heldOut.model.mape).toBeLessThan(rep.heldOut.roofline.mape / 2);
    expect(rep.heldOut.model.spearman).toBeGreaterThan(0.95);
  });
  it('is deterministic', () => {
    expect(JSON.stringify(validateGpuModel(h100, [{ file: SYNTHETIC, mf }], mf.records))).toBe(JSON.stringify(rep));
  });
  it('writes a self-contained HTML plot', () => {
    const html = validationHtml(rep);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});
