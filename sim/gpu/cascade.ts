// A whole cascade on a GPU, one kernel per einsum (no fusion: every intermediate goes through HBM,
// which is what the WGSL back end and an eager PyTorch program do). Contractions run as GEMMs on
// the tensor cores through the calibrated GEMM model; everything else is a streaming kernel bounded
// by HBM bandwidth or the CUDA-core rate.
import { DTYPE_BITS, exprAccesses, outputVars, rankOfVar, reducedVars, tensorByName, tensorElements, walkExpr, type Cascade, type DType, type Einsum, type Expr } from '../../compiler/ir';
import type { EinsumResult, Result } from '../core/result';
import type { GpuDType, GpuHardware } from './hardware';
import { gemmBreakdown, type GpuModelParams } from './model';

const TENSOR_CORE_DTYPE: Record<DType, GpuDType> = {
  fp32: 'tf32',
  bf16: 'bf16',
  fp16: 'fp16',
  fp8e4m3: 'fp8e4m3',
  fp8e5m2: 'fp8e4m3',
  int32: 'int8',
  int8: 'int8',
  int4: 'int8',
};

/** Operator nodes of the map expression: one operation each per point. */
function countOps(e: Expr): number {
  let n = 0;
  walkExpr(e, (x) => {
    if (x.kind === 'unary' || x.kind === 'binary' || x.kind === 'cmp' || x.kind === 'select') n++;
  });
  return n;
}

/** A sum of a product of two tensors: the shape a tensor-core GEMM computes. */
function asContraction(c: Cascade, e: Einsum): { m: number; n: number; k: number; dtype: GpuDType } | null {
  if (e.reduce !== 'sum' || e.expr.kind !== 'binary' || e.expr.op !== '*') return null;
  const red = reducedVars(e);
  if (red.length === 0) return null;
  const [a] = exprAccesses(e.expr.a);
  const [b] = exprAccesses(e.expr.b);
  if (!a || !b) return null;
  const size = (v: string) => rankOfVar(c, v)?.size ?? 1;
  const aVars = new Set(exprAccesses(e.expr.a).flatMap((x) => x.indices.flatMap((i) => (i.kind === 'ivar' ? [i.name] : []))));
  let m = 1;
  let n = 1;
  for (const v of outputVars(e)) (aVars.has(v) ? (m *= size(v)) : (n *= size(v)));
  const k = red.reduce((p, v) => p * size(v), 1);
  const ta = tensorByName(c, a.tensor)!;
  const tb = tensorByName(c, b.tensor)!;
  const wider = DTYPE_BITS[ta.dtype] >= DTYPE_BITS[tb.dtype] ? ta.dtype : tb.dtype;
  return { m, n, k, dtype: TENSOR_CORE_DTYPE[wider] };
}

export interface GpuCascadeOptions {
  target: string;
  workload: string;
  /** instances of the cascade run back to back (batch x heads) */
  batch?: number;
  warnings?: string[];
  schedule?: unknown;
}

export function simulateCascadeOnGpu(c: Cascade, hw: GpuHardware, p: GpuModelParams, o: GpuCascadeOptions): Result {
  const batch = o.batch ?? 1;
  const einsums: EinsumResult[] = [];
  let seconds = 0;
  let tensorFlops = 0;
  let hbmRead = 0;
  let hbmWrite = 0;
  c.einsums.forEach((e) => {
    const out = tensorByName(c, e.output.tensor)!;
    const writeBytes = Math.ceil((tensorElements(out) * DTYPE_BITS[out.dtype]) / 8) * batch;
    const readNames = [...new Set(exprAccesses(e.expr).map((a) => a.tensor))];
    const readBytes = readNames.reduce((s, n) => {
      const t = tensorByName(c, n)!;
      return s + Math.ceil((tensorElements(t) * DTYPE_BITS[t.dtype]) / 8);
    }, 0) * batch;
    const g = asContraction(c, e);
    let t: number;
    let unit: string;
    if (g && hw.peakFlopsPerSecond[g.dtype] !== undefined) {
      const b = gemmBreakdown(hw, p, { ...g, m: g.m * batch });
      t = b.seconds;
      tensorFlops += 2 * g.m * batch * g.n * g.k;
      unit = 'tensor-core';
    } else {
      const size = (v: string) => rankOfVar(c, v)?.size ?? 1;
      const points = [...outputVars(e), ...reducedVars(e)].reduce((s, v) => s * size(v), 1) * batch;
      const flops = points * Math.max(1, countOps(e.expr) + (reducedVars(e).length ? 1 : 0));
      const vector = hw.peakFlopsPerSecond.fp32;
      const computeSeconds = vector ? flops / vector : 0;
      t = p.launchSeconds + Math.max(computeSeconds, (readBytes + writeBytes) / (hw.hbmBytesPerSecond * p.hbmEfficiency));
      unit = 'cuda-core';
    }
    seconds += t;
    hbmRead += readBytes;
    hbmWrite += writeBytes;
    einsums.push({ name: e.output.tensor + (e.init ? '.init' : ''), unit, latencyCycles: Math.round(t * hw.clockHz), energyPj: 0, traffic: { HBM: { readBytes, writeBytes } } });
  });
  const peak = hw.peakFlopsPerSecond.bf16!;
  const result: Result = {
    target: o.target,
    workload: o.workload,
    fidelity: 'cycle',
    latencyCycles: Math.round(seconds * hw.clockHz),
    latencySeconds: seconds,
    energyPj: 0,
    utilization: { SM: seconds > 0 ? Math.min(1, tensorFlops / (peak * seconds)) : 0 },
    traffic: { HBM: { readBytes: hbmRead, writeBytes: hbmWrite } },
    einsums,
    warnings: [...(o.warnings ?? []), 'GPU energy is not modelled (no per-access energies are published for this GPU): energyPj is 0'],
  };
  if (o.schedule !== undefined) result.schedule = o.schedule;
  return result;
}
