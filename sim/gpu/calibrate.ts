// Fitting the few free numbers of the GPU model (GpuModelParams) to measurements: a deterministic
// coordinate search on the mean squared log error (multiplicative steps, shrinking). Only the knobs
// the data can inform are moved: a GEMM dtype's efficiency when the data has GEMMs of that dtype, an
// attention kernel's forward (backward) efficiency and overlap when it has that kernel's forward
// (backward) pass. Hardware figures are never fitted.
//
// The split into calibration and held-out records is made by shape, never by random rows:
// - GEMMs: the distinct token counts M in increasing order, every other one held out (M = 2, 8, 24,
//   48, ... of Vidur's 1..4096), so every held-out M lies between two calibrated ones;
// - attention: one whole head dimension held out (128, which every published family has), so the
//   model must carry what it learnt at head dims 64 and 256 to a head dim it never saw.
import type { GpuDType, GpuHardware } from './hardware';
import type { MeasurementRecord } from './measurements';
import { predictAttentionSeconds, rooflineAttentionSeconds } from './attention';
import { predictGemmSeconds, rooflineGemmSeconds } from './gemm';
import { ATTENTION_KERNELS, cloneParams, DEFAULT_PARAMS, type GpuModelParams } from './params';

export function predictRecordSeconds(hw: GpuHardware, p: GpuModelParams, r: MeasurementRecord): number {
  return r.kind === 'gemm' ? predictGemmSeconds(hw, p, r) : predictAttentionSeconds(hw, p, r);
}

export function rooflineRecordSeconds(hw: GpuHardware, r: MeasurementRecord): number {
  return r.kind === 'gemm' ? rooflineGemmSeconds(hw, r) : rooflineAttentionSeconds(hw, r);
}

/** The kernel family a record belongs to, for per-family metrics: gemm, fa2 fwd, fa2 fwd+bwd, fa3 fwd... */
export function familyOf(r: MeasurementRecord): string {
  return r.kind === 'gemm' ? `gemm ${r.dtype}` : `${r.kernel ?? 'fa2'} ${r.pass ?? 'fwd'}`;
}

/** The head dimension held out of attention calibration. */
export const HELD_OUT_HEAD_DIM = 128;

/** The split by shape (see the opening comment): which records are held out. */
export function heldOutIds(records: readonly MeasurementRecord[]): Set<string> {
  const ms = [...new Set(records.flatMap((r) => (r.kind === 'gemm' ? [r.m] : [])))].sort((a, b) => a - b);
  const heldM = new Set(ms.filter((_, i) => i % 2 === 1));
  const out = new Set<string>();
  for (const r of records) if (r.kind === 'gemm' ? heldM.has(r.m) : r.headDim === HELD_OUT_HEAD_DIM) out.add(r.id);
  return out;
}

export function splitRecords<T extends MeasurementRecord>(records: readonly T[]): { calibration: T[]; heldOut: T[] } {
  const held = heldOutIds(records);
  const calibration: T[] = [];
  const heldOut: T[] = [];
  for (const r of records) (held.has(r.id) ? heldOut : calibration).push(r);
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
  set(p: GpuModelParams, v: number): void;
  lo: number;
  hi: number;
}

function scalar(name: 'gemmTileOverheadK' | 'gemmOverlap' | 'hbmEfficiency' | 'launchSeconds' | 'attentionCtaOverheadBlocks', lo: number, hi: number): Knob {
  return { name, get: (p) => p[name], set: (p, v) => void (p[name] = v), lo, hi };
}

/** The knobs the records can inform (see the opening comment). */
export function knobsFor(records: readonly MeasurementRecord[]): Knob[] {
  const ks: Knob[] = [];
  const gemmDtypes = [...new Set(records.flatMap((r) => (r.kind === 'gemm' ? [r.dtype] : [])))].sort();
  // fp16 and bf16 run the same kernels at the same tensor-core rate: a fit of one, when the data
  // lacks the other, is the other's too
  const twin: Partial<Record<string, 'fp16' | 'bf16'>> = { fp16: 'bf16', bf16: 'fp16' };
  for (const d of gemmDtypes) {
    const t = twin[d];
    const alsoTwin = t !== undefined && !gemmDtypes.includes(t);
    ks.push({
      name: `gemmEfficiency.${d}${alsoTwin ? ` (and ${t})` : ''}`,
      get: (p) => p.gemmEfficiency[d] ?? p.gemmEfficiency.bf16 ?? 0.7,
      set: (p, v) => {
        p.gemmEfficiency[d] = v;
        if (alsoTwin) p.gemmEfficiency[t] = v;
      },
      lo: 0.05,
      hi: 1,
    });
  }
  if (gemmDtypes.length) ks.push(scalar('gemmTileOverheadK', 1, 4096), scalar('gemmOverlap', 0, 1));
  const att = records.filter((r) => r.kind === 'attention');
  for (const k of ATTENTION_KERNELS) {
    const mine = att.filter((r) => (r.kind === 'attention' ? (r.kernel ?? 'fa2') === k : false));
    const passes = new Set(mine.map((r) => (r.kind === 'attention' ? (r.pass ?? 'fwd') : 'fwd')));
    if (passes.has('fwd') || passes.has('fwd+bwd')) ks.push({ name: `attention.${k}.fwdEfficiency`, get: (p) => p.attention[k].fwdEfficiency, set: (p, v) => void (p.attention[k].fwdEfficiency = v), lo: 0.05, hi: 1 });
    if (passes.has('bwd') || passes.has('fwd+bwd')) ks.push({ name: `attention.${k}.bwdEfficiency`, get: (p) => p.attention[k].bwdEfficiency, set: (p, v) => void (p.attention[k].bwdEfficiency = v), lo: 0.05, hi: 1 });
    // the forward overlap of softmax and matmuls (FA3: inside a CTA; FA2: across two resident CTAs)
    // is fitted where forward-only records exist; the backward pass has none (attention.ts)
    if (mine.some((r) => r.kind === 'attention' && (r.pass ?? 'fwd') === 'fwd')) ks.push({ name: `attention.${k}.overlap`, get: (p) => p.attention[k].overlap, set: (p, v) => void (p.attention[k].overlap = v), lo: 0, hi: 1 });
    if (mine.some((r) => r.kind === 'attention' && r.causal) && mine.some((r) => r.kind === 'attention' && !r.causal))
      ks.push({ name: `attention.${k}.causalFactor`, get: (p) => p.attention[k].causalFactor, set: (p, v) => void (p.attention[k].causalFactor = v), lo: 0.5, hi: 2 });
  }
  // softmax costs one exp2 per score on the SFU (its rate is the .arch's sfu_per_sm); not fitted
  if (att.length) ks.push(scalar('attentionCtaOverheadBlocks', 0.01, 16));
  // l2Efficiency is not fitted: L2 time and compute time both grow with tiles x K, so the two trade
  // off against each other; it stays at its stated value (params.ts)
  ks.push(scalar('hbmEfficiency', 0.3, 1), scalar('launchSeconds', 1e-7, 3e-5));
  return ks;
}

const STEP_FACTORS = [2, 1.4, 1.15, 1.05, 1.01];
const MAX_SWEEPS = 40;
const ROUNDS = 4;

export interface CalibrationResult {
  params: GpuModelParams;
  /** mean squared log error on the calibration records */
  loss: number;
  /** the knobs that were fitted */
  fitted: string[];
}

/** Starting GEMM efficiencies of the searches (see `calibrate`). */
export const GEMM_EFFICIENCY_STARTS = [0.65, 0.8, 0.95] as const;

/**
 * The fit: a coordinate search from `start` and, when the records have GEMMs, from each of
 * GEMM_EFFICIENCY_STARTS too; the lowest calibration loss wins (ties: the earlier start). Why
 * several starts: the GEMM efficiency, the per-tile overhead and the overlap trade off along a
 * shallow valley, and the loss is piecewise (the kernel picked changes with the parameters), so a
 * search moving one knob at a time stops where it started on one knob (the A100 fit stayed at its
 * 0.75 start in GEMM efficiency) although a lower loss lies along the valley. Only the calibration
 * records decide which start wins. `onProgress(done, total)` after each step size (a progress bar).
 */
export function calibrate(hw: GpuHardware, records: readonly MeasurementRecord[], start: GpuModelParams = DEFAULT_PARAMS, onProgress?: (done: number, total: number) => void): CalibrationResult {
  if (records.length === 0) throw new Error('calibrate: no calibration records');
  const starts = [cloneParams(start)];
  // the dtypes the GEMM knobs fit (fp16 and bf16 together, as knobsFor ties them)
  const dtypes = new Set<GpuDType>(records.flatMap((r) => (r.kind !== 'gemm' ? [] : r.dtype === 'fp16' || r.dtype === 'bf16' ? (['fp16', 'bf16'] as const) : [r.dtype])));
  if (dtypes.size)
    for (const e of GEMM_EFFICIENCY_STARTS) {
      const q = cloneParams(start);
      for (const d of dtypes) q.gemmEfficiency[d] = e;
      starts.push(q);
    }
  const per = STEP_FACTORS.length * ROUNDS;
  let best: CalibrationResult | undefined;
  for (const [i, s] of starts.entries()) {
    const r = coordinateSearch(hw, records, s, onProgress && ((done) => onProgress(i * per + done, starts.length * per)));
    if (!best || r.loss < best.loss - 1e-12) best = r;
  }
  return best!;
}

/** One coordinate search from `start` (multiplicative steps, shrinking; rounds while they help). */
export function coordinateSearch(hw: GpuHardware, records: readonly MeasurementRecord[], start: GpuModelParams, onProgress?: (done: number, total: number) => void): CalibrationResult {
  const ks = knobsFor(records);
  let p = cloneParams(start);
  let loss = logLoss(hw, p, records);
  const total = STEP_FACTORS.length * ROUNDS;
  // the step schedule is run again from its largest step while a round still helps (coupled knobs)
  for (let round = 0; round < ROUNDS; round++) {
    const before = loss;
    for (const [fi, f] of STEP_FACTORS.entries()) {
      for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
        let improved = false;
        for (const k of ks) {
          const x = k.get(p);
          const up = Math.min(k.hi, x === 0 ? 0.01 : x * f);
          const down = Math.max(k.lo, x / f);
          for (const cand of [up, down]) {
            if (cand === x) continue;
            const q = cloneParams(p);
            k.set(q, cand);
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
      onProgress?.(round * STEP_FACTORS.length + fi + 1, total);
    }
    if (loss > before * (1 - 1e-4)) {
      onProgress?.(total, total);
      break;
    }
  }
  return { params: p, loss, fitted: ks.map((k) => k.name) };
}
