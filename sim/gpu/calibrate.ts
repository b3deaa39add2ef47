// Fitting GpuModelParams to measurements: a deterministic coordinate search on the mean squared
// log error (multiplicative steps, shrinking), run once per candidate tile shape, best fit wins.
// Records are split into calibration and held-out sets by a hash of their id, so the split does
// not depend on file order and never changes when records are added.
import type { GpuHardware } from './hardware';
import type { MeasurementRecord } from './measurements';
import { DEFAULT_PARAMS, predictAttentionSeconds, predictGemmSeconds, rooflineAttentionSeconds, rooflineGemmSeconds, type GpuModelParams } from './model';

export function predictRecordSeconds(hw: GpuHardware, p: GpuModelParams, r: MeasurementRecord): number {
  return r.kind === 'gemm' ? predictGemmSeconds(hw, p, r) : predictAttentionSeconds(hw, p, r);
}

export function rooflineRecordSeconds(hw: GpuHardware, r: MeasurementRecord): number {
  return r.kind === 'gemm' ? rooflineGemmSeconds(hw, r) : rooflineAttentionSeconds(hw, r);
}

/** FNV-1a, 32 bit: a stable hash for the split. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Every `heldOutEvery`-th hash bucket is held out (default: about one record in three). */
export function isHeldOut(id: string, heldOutEvery = 3): boolean {
  return fnv1a(id) % heldOutEvery === 0;
}

export function splitRecords<T extends { id: string }>(records: readonly T[], heldOutEvery = 3): { calibration: T[]; heldOut: T[] } {
  const calibration: T[] = [];
  const heldOut: T[] = [];
  for (const r of records) (isHeldOut(r.id, heldOutEvery) ? heldOut : calibration).push(r);
  return { calibration, heldOut };
}

export function logLoss(hw: GpuHardware, p: GpuModelParams, records: readonly MeasurementRecord[]): number {
  let s = 0;
  for (const r of records) {
    const e = Math.log(predictRecordSeconds(hw, p, r) / r.timeSeconds);
    s += e * e;
  }
  return s / records.length;
}

interface Knob {
  name: string;
  get(p: GpuModelParams): number;
  set(p: GpuModelParams, v: number): GpuModelParams;
  lo: number;
  hi: number;
}

function knobs(records: readonly MeasurementRecord[]): Knob[] {
  const gemmDtypes = [...new Set(records.filter((r) => r.kind === 'gemm').map((r) => r.dtype))].sort();
  const hasAttention = records.some((r) => r.kind === 'attention');
  const scalar = (name: keyof GpuModelParams, lo: number, hi: number): Knob => ({
    name,
    get: (p) => p[name] as number,
    set: (p, v) => ({ ...p, [name]: v }),
    lo,
    hi,
  });
  const ks: Knob[] = gemmDtypes.map((d) => ({
    name: `gemmEfficiency.${d}`,
    get: (p: GpuModelParams) => p.gemmEfficiency[d as 'bf16'] ?? p.gemmEfficiency.bf16!,
    set: (p: GpuModelParams, v: number) => ({ ...p, gemmEfficiency: { ...p.gemmEfficiency, [d]: v } }),
    lo: 0.02,
    hi: 1,
  }));
  if (gemmDtypes.length) ks.push(scalar('gemmTileOverheadK', 1, 8192));
  if (hasAttention) ks.push(scalar('attentionEfficiency', 0.02, 1), scalar('softmaxFlopsPerScore', 0.1, 4096), scalar('attentionCtaOverheadBlocks', 0.01, 64));
  ks.push(scalar('hbmEfficiency', 0.05, 1), scalar('launchSeconds', 1e-7, 1e-4));
  return ks;
}

/** Output tiles a Hopper/Ampere GEMM kernel commonly uses; the fit picks one. */
export const TILE_CANDIDATES: readonly [number, number][] = [
  [128, 256],
  [256, 128],
  [128, 128],
  [64, 256],
  [256, 64],
  [64, 128],
];

const STEP_FACTORS = [2, 1.4, 1.15, 1.05, 1.01];
const MAX_SWEEPS = 25;

export interface CalibrationResult {
  params: GpuModelParams;
  /** mean squared log error on the calibration records */
  loss: number;
}

/** `onProgress(done, total)` is called after each candidate tile shape (for a progress bar). */
export function calibrate(hw: GpuHardware, records: readonly MeasurementRecord[], start: GpuModelParams = DEFAULT_PARAMS, onProgress?: (done: number, total: number) => void): CalibrationResult {
  if (records.length === 0) throw new Error('calibrate: no calibration records');
  const ks = knobs(records);
  let best: CalibrationResult | null = null;
  const hasGemm = records.some((r) => r.kind === 'gemm');
  const tiles = hasGemm ? TILE_CANDIDATES : [[start.tileM, start.tileN] as [number, number]];
  for (const [ti, [tileM, tileN]] of tiles.entries()) {
    let p: GpuModelParams = { ...start, gemmEfficiency: { ...start.gemmEfficiency }, tileM, tileN };
    let loss = logLoss(hw, p, records);
    for (const f of STEP_FACTORS)
      for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
        let improved = false;
        for (const k of ks) {
          const x = k.get(p);
          for (const cand of [Math.min(k.hi, x * f), Math.max(k.lo, x / f)]) {
            if (cand === x) continue;
            const q = k.set(p, cand);
            const l = logLoss(hw, q, records);
            if (l < loss - 1e-12) {
              p = q;
              loss = l;
              improved = true;
              break;
            }
          }
        }
        if (!improved) break;
      }
    if (!best || loss < best.loss - 1e-12) best = { params: p, loss };
    onProgress?.(ti + 1, tiles.length);
  }
  return best!;
}
