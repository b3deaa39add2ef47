// A whole cascade on a GPU, one kernel per einsum (no fusion: every intermediate goes through HBM,
// which is what the WGSL back end and an eager PyTorch program do). A contraction (the one GEMM
// recogniser, compiler/map/gemm-view.ts) runs as a GEMM on the tensor cores through the kernel model
// (gemm.ts: CTA tiles over M and N, waves, split-K, L2 and HBM bounds); everything else is a
// streaming kernel bounded by HBM or the CUDA-core rate.
//
// Traffic is reported per level of the .arch hierarchy: HBM (compulsory bytes), L2 (the tile loads
// every CTA makes; a streaming kernel's bytes pass through it once), SMEM (tiles staged there:
// written once, read once by the tensor cores) and RF (the operand fragments and results).
// Energy = MACs x the dtype's MAC energy + bytes x each level's read/write energy, all from the .arch
// (each figure cites its source there); a level without an energy adds none, and a GPU whose .arch
// has no energies at all reports "energy not modelled" (energyPj null, and a warning saying so).
import { DTYPE_BITS, exprAccesses, isGatherAccess, outputVars, reducedVars, tensorElements, walkExpr, type Cascade, type DType, type Expr } from '../../compiler/ir';
import { gemmView } from '../../compiler/map/gemm-view';
import { gatherBytes, isGather } from '../../compiler/map/gather';
import type { EinsumResult, Fidelity, Result, Traffic } from '../core/result';
import type { GpuDType, GpuHardware } from './hardware';
import { gemmBreakdown, pipelineLatencySeconds } from './gemm';
import type { GpuModelParams } from './params';

const TENSOR_CORE_DTYPE: Record<DType, GpuDType> = {
  fp32: 'tf32',
  bf16: 'bf16',
  fp16: 'fp16',
  fp8e4m3: 'fp8e4m3',
  fp8e5m2: 'fp8e4m3',
  int32: 'int8',
  int8: 'int8',
  int4: 'int8',
  // low-bit types: the tensor cores take them as int8 (FP6/FP4 widened to fp8)
  fp6e2m3: 'fp8e4m3',
  fp6e3m2: 'fp8e4m3',
  fp4e2m1: 'fp8e4m3',
  int7: 'int8',
  int6: 'int8',
  int5: 'int8',
  int3: 'int8',
  int2: 'int8',
  int1: 'int8',
  uint8: 'int8',
  uint7: 'int8',
  uint6: 'int8',
  uint5: 'int8',
  uint4: 'int8',
  uint3: 'int8',
  uint2: 'int8',
  uint1: 'int8',
};

/** Operator nodes of the map expression: one operation each per point. */
function countOps(e: Expr): number {
  let n = 0;
  walkExpr(e, (x) => {
    if (x.kind === 'unary' || x.kind === 'binary' || x.kind === 'cmp' || x.kind === 'select') n++;
  });
  return n;
}

export interface GpuCascadeOptions {
  target: string;
  workload: string;
  /** instances of the cascade run back to back (batch x heads) */
  batch?: number;
  warnings?: string[];
  schedule?: unknown;
  /** the Result's fidelity label (the GPU has one kernel model; both fidelities run it) */
  fidelity?: Fidelity;
}

/** One kernel's cost: seconds, traffic per level and energy. */
interface Kernel {
  seconds: number;
  unit: string;
  macs: number;
  dtype: GpuDType;
  /** non-MAC operations on the CUDA cores */
  ops: number;
  hbm: [number, number];
  l2: [number, number];
  smem: [number, number];
  rf: [number, number];
  note: string;
}

/** Per cascade, built once: tensors by name with their bytes, and each variable's extent. */
interface CascadeIndex {
  tensors: Map<string, { dtype: DType; bytes: number }>;
  sizes: Map<string, number>;
}
const indexCache = new WeakMap<Cascade, CascadeIndex>();

function indexOf(c: Cascade): CascadeIndex {
  let x = indexCache.get(c);
  if (!x) {
    const tensors = new Map<string, { dtype: DType; bytes: number }>();
    for (const t of c.tensors) tensors.set(t.name, { dtype: t.dtype, bytes: Math.ceil((tensorElements(t) * DTYPE_BITS[t.dtype]) / 8) });
    const sizes = new Map<string, number>();
    for (const r of c.ranks) if (!sizes.has(r.name.toLowerCase())) sizes.set(r.name.toLowerCase(), r.size);
    x = { tensors, sizes };
    indexCache.set(c, x);
  }
  return x;
}

function einsumKernel(c: Cascade, i: number, hw: GpuHardware, p: GpuModelParams, batch: number): Kernel {
  const e = c.einsums[i]!;
  const ix = indexOf(c);
  const writeBytes = ix.tensors.get(e.output.tensor)!.bytes * batch;
  const readBytes = [...new Set(exprAccesses(e.expr).map((a) => a.tensor))].reduce((s, n) => s + ix.tensors.get(n)!.bytes, 0) * batch;
  if (isGather(e)) return gatherKernel(c, i, hw, p, batch);
  const g = gemmView(c, e);
  const ta = g && ix.tensors.get(g.a);
  const tb = g && ix.tensors.get(g.b);
  const dtype = ta && tb ? TENSOR_CORE_DTYPE[DTYPE_BITS[ta.dtype] >= DTYPE_BITS[tb.dtype] ? ta.dtype : tb.dtype] : 'fp32';
  if (g && hw.peakFlopsPerSecond[dtype] !== undefined) {
    const b = gemmBreakdown(hw, p, { m: g.M, n: g.N, k: g.K, batch: g.batch * batch, dtype });
    const note = `${e.output.tensor}: GEMM ${g.M}x${g.N}x${g.K}${g.batch * batch > 1 ? ` x${g.batch * batch}` : ''} as ${b.tiles} CTA tiles of ${b.tileM}x${b.tileN}${b.splitK > 1 ? `, K split ${b.splitK} ways` : ''}${b.streamK ? `, stream-K over ${hw.smCount} SMs (${b.waves.toFixed(2)} waves of work)` : `, ${b.waves} wave${b.waves === 1 ? '' : 's'} over ${hw.smCount} SMs`}, bound by ${b.bound}`;
    return {
      seconds: b.seconds,
      unit: 'tensor-core',
      macs: g.M * g.N * g.K * g.batch * batch,
      dtype,
      ops: 0,
      hbm: [b.hbmBytes - writeBytes - b.partialBytes, writeBytes + b.partialBytes],
      l2: [b.l2Bytes, writeBytes],
      smem: [b.l2Bytes, b.l2Bytes],
      rf: [b.l2Bytes, b.l2Bytes + writeBytes],
      note,
    };
  }
  const size = (v: string) => ix.sizes.get(v) ?? 1;
  const points = [...outputVars(e), ...reducedVars(e)].reduce((s, v) => s * size(v), 1) * batch;
  const ops = points * Math.max(1, countOps(e.expr) + (reducedVars(e).length ? 1 : 0));
  const vector = hw.peakFlopsPerSecond.fp32;
  const computeSeconds = vector ? ops / vector : 0;
  const memSeconds = (readBytes + writeBytes) / (hw.hbmBytesPerSecond * p.hbmEfficiency);
  return {
    seconds: p.launchSeconds + pipelineLatencySeconds(hw) + Math.max(computeSeconds, memSeconds),
    unit: 'cuda-core',
    macs: 0,
    dtype: 'fp32',
    ops,
    hbm: [readBytes, writeBytes],
    l2: [readBytes, writeBytes],
    smem: [0, 0],
    rf: [readBytes, writeBytes],
    note: `${e.output.tensor}: streaming kernel, ${ops} operations on the CUDA cores, bound by ${computeSeconds >= memSeconds ? 'compute' : 'hbm'}`,
  };
}

/**
 * A gather (embedding lookup) or indexed write (KV-cache append): the rows it touches cross HBM once, after
 * one dependent load of the index (HBM latency). It is issued by the kernel that consumes it (an indexed
 * load, as fused embedding and paged-KV kernels do), so it pays no launch of its own (compiler/map/gather.ts).
 */
function gatherKernel(c: Cascade, i: number, hw: GpuHardware, p: GpuModelParams, batch: number): Kernel {
  const e = c.einsums[i]!;
  const b = gatherBytes(c, e);
  const read = b.readBytes * batch;
  const write = b.writeBytes * batch;
  return {
    seconds: pipelineLatencySeconds(hw) + (read + write) / (hw.hbmBytesPerSecond * p.hbmEfficiency),
    unit: 'cuda-core',
    macs: 0,
    dtype: 'fp32',
    ops: 0,
    hbm: [read, write],
    l2: [read, write],
    smem: [0, 0],
    rf: [read, write],
    note: isGatherAccess(e.output)
      ? `${e.output.tensor}: indexed write of ${b.points * batch} elements (${read} B read, ${write} B written in place), fused into its producer as an indexed store`
      : `${e.output.tensor}: gather of ${b.points * batch} elements (${read} B read), fused into its consumer as an indexed load`,
  };
}

/** Whether the .arch gives the GPU any energy figure at all. */
export function hasEnergyModel(hw: GpuHardware): boolean {
  return Object.keys(hw.macEnergyPj).length > 0 || Object.keys(hw.energyPjPerByte).length > 0;
}

function kernelEnergyPj(hw: GpuHardware, k: Kernel): number {
  const en = hw.energyPjPerByte;
  let e = k.macs * (hw.macEnergyPj[k.dtype] ?? 0) + k.ops * ((hw.macEnergyPj.fp32 ?? 0) / 2);
  for (const [lvl, rw] of [['hbm', k.hbm], ['l2', k.l2], ['smem', k.smem], ['rf', k.rf]] as const) {
    const x = en[lvl];
    if (x) e += rw[0] * x.read + rw[1] * x.write;
  }
  return e;
}

/** The level names of the Result's traffic, as the .arch names them (HBM, L2, SMEM, RF). */
export interface GpuLevelNames {
  hbm: string;
  l2?: string;
  smem?: string;
  rf?: string;
}

function addTraffic(t: Traffic, name: string | undefined, rw: [number, number]): void {
  if (!name) return;
  const cur = (t[name] ??= { readBytes: 0, writeBytes: 0 });
  cur.readBytes += Math.round(rw[0]);
  cur.writeBytes += Math.round(rw[1]);
}

/** One einsum's kernel as the engines' per-op record: cycles, energy, traffic per level, MACs as busy PE-cycles. */
export interface GpuEinsumRun {
  latencyCycles: number;
  energyPj: number;
  traffic: Traffic;
  unit: string;
  macs: number;
  note: string;
}

export function gpuEinsumRun(c: Cascade, index: number, hw: GpuHardware, p: GpuModelParams, batch: number, levels: GpuLevelNames): GpuEinsumRun {
  const k = einsumKernel(c, index, hw, p, batch);
  const t: Traffic = {};
  addTraffic(t, levels.hbm, k.hbm);
  addTraffic(t, levels.l2, k.l2);
  addTraffic(t, levels.smem, k.smem);
  addTraffic(t, levels.rf, k.rf);
  return { latencyCycles: Math.round(k.seconds * hw.clockHz), energyPj: hasEnergyModel(hw) ? round(kernelEnergyPj(hw, k)) : 0, traffic: t, unit: k.unit, macs: k.macs, note: k.note };
}

export function simulateCascadeOnGpu(c: Cascade, hw: GpuHardware, p: GpuModelParams, o: GpuCascadeOptions, levels: GpuLevelNames = { hbm: 'HBM' }): Result {
  const batch = o.batch ?? 1;
  const einsums: EinsumResult[] = [];
  const traffic: Traffic = {};
  const notes: string[] = [];
  let seconds = 0;
  let energy = 0;
  let tensorFlops = 0;
  const energyModelled = hasEnergyModel(hw);
  for (let i = 0; i < c.einsums.length; i++) {
    const e = c.einsums[i]!;
    const k = gpuEinsumRun(c, i, hw, p, batch, levels);
    for (const [lvl, v] of Object.entries(k.traffic)) addTraffic(traffic, lvl, [v.readBytes, v.writeBytes]);
    seconds += k.latencyCycles / hw.clockHz;
    energy += k.energyPj;
    tensorFlops += 2 * k.macs;
    notes.push(k.note);
    einsums.push({ name: e.output.tensor + (e.init ? '.init' : ''), unit: k.unit, latencyCycles: k.latencyCycles, energyPj: energyModelled ? k.energyPj : null, traffic: k.traffic });
  }
  const peak = hw.peakFlopsPerSecond.bf16!;
  const warnings = [...(o.warnings ?? [])];
  if (!energyModelled) warnings.push(`energy not modelled: ${hw.source} gives no per-access energies`);
  const result: Result = {
    target: o.target,
    workload: o.workload,
    fidelity: o.fidelity ?? 'cycle',
    latencyCycles: einsums.reduce((a, x) => a + x.latencyCycles, 0),
    latencySeconds: seconds,
    energyPj: energyModelled ? round(energy) : null,
    utilization: { SM: seconds > 0 ? Math.min(1, tensorFlops / (peak * seconds)) : 0 },
    traffic,
    einsums,
    warnings,
    explanation: notes,
  };
  if (o.schedule !== undefined) result.schedule = o.schedule;
  return result;
}

/** 12 significant digits: stable JSON across platforms. */
function round(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(12));
}
