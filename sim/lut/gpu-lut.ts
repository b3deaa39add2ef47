// A GPU whose tensor cores are LUT units (targets/lut-tc, lut-tc-8x, h100-lut-8x): one kernel per
// einsum, as sim/gpu runs them, except that an mpGEMM (a GEMM one of whose operands is a weight of
// 1-4 or 8 bits, by its dtype or by `attr weight_bits`) runs on the LUT units:
//   - units: SMs x lanes / (M N K of the tile); the GEMM's M x N output tiles (x batch) are dealt to
//     the units, and when they are fewer than the units K is split among them (split-K) as the GPU's
//     own GEMMs do; each unit runs its steps back to back (tile.ts: cyclesForSteps);
//   - memory: W-bit weights, an fp16 scale and zero point per quantisation group, the precomputed
//     tables and the fp16 output through HBM at the GPU's calibrated efficiency; time = launch +
//     first-load latency + max(compute, memory) + (1 - overlap) min(compute, memory), the GPU model's
//     own combination (sim/gpu/gemm.ts);
//   - the table precompute (one add per table entry, each built from a neighbour: ASSUMPTION, the
//     paper's DFG transformation) on the CUDA cores: fused into the producing operator it costs its
//     adds and the bytes the tables add over the activations they replace; standalone it is a kernel
//     of its own (launch, read the activations, write the tables). Both are reported; `attr
//     precompute` picks the one in the latency.
//   - energy: MACs x the LUT unit's energy per MAC (sim/lut/cost.ts, the .arch's cell library) plus the
//     GPU's per-byte energies for HBM, L2, shared memory and registers.
// Everything else (attention on the KV cache, norms, element-wise) is sim/gpu's kernel, unchanged.
import { DTYPE_BITS, exprAccesses, reducedVars, type Cascade, type DType, type Tensor } from '../../compiler/ir';
import { gemmView } from '../../compiler/map/gemm-view';
import type { EinsumResult, EnergyBreakdown, Fidelity, Result, Traffic } from '../core/result';
import { defaultCalibration, gpuContext, gpuEinsumRun, type GpuHardware, type GpuLevelNames } from '../gpu';
import { DEFAULT_PARAMS } from '../gpu/params';
import { pipelineLatencySeconds } from '../gpu/gemm';
import type { GpuModelParams } from '../gpu/params';
import type { TargetSpec } from '../../targets/spec/types';
import { cellLibraryFromSpec, checkDesign, densityTflopsPerMm2, topsPerWatt, unitCost, type ActType, type CellLibrary, type UnitDesign, type UnitKind } from './cost';
import { LUT_WEIGHT_BITS, LutInputError, type LutTableFormat } from './functional';
import { ACC_LATENCY, checkTile, cyclesForSteps, type LutUnitConfig } from './tile';

export interface LutGpu {
  hw: GpuHardware;
  params: GpuModelParams;
  levels: GpuLevelNames;
  unit: LutUnitConfig;
  unitName: string;
  unitsPerSm: number;
  /** the unit in the tensor cores' place: LUT, BitMoD-style bit-serial, or dequantise-then-MAC */
  kind: UnitKind;
  lib: CellLibrary;
  /** 0: the cascade's dtypes decide */
  weightBits: number;
  group: number;
  precompute: 'fused' | 'standalone';
  doubleRegs: boolean;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** The LUT GPU a spec describes, or why it is not one (a plain message). */
export function lutGpuFromSpec(spec: TargetSpec): LutGpu | string {
  const lut = spec.computes.find((c) => c.kind === 'lut');
  if (!lut) return `${spec.name} has no compute unit of kind lut`;
  if (!spec.computes.some((c) => c.kind === 'sm')) return `${spec.name}: the LUT engine runs LUT units inside a GPU and needs a compute unit of kind sm`;
  const lib = cellLibraryFromSpec(spec);
  if (typeof lib === 'string') return lib;
  const a = lut.attrs;
  const tile = { m: num(a.tile_m) ?? 2, n: num(a.tile_n) ?? 64, k: num(a.tile_k) ?? 4 };
  const kind = String(a.unit_kind ?? 'lut') as UnitKind;
  if (!['lut', 'bitserial', 'mac'].includes(kind)) return `unit_kind = ${kind}: write lut, bitserial or mac`;
  const bad = kind === 'lut' ? checkTile(tile) : checkDesign({ kind, tile, act: 'int8', wbits: 1 });
  if (bad) return `${spec.name}: ${bad}`;
  const lanes = lut.lanes ?? 0;
  if (lanes % (tile.m * tile.n * tile.k) !== 0 || lanes <= 0) return `${spec.name}: ${lut.name} has ${lanes} lanes, not a whole number of ${tile.m}x${tile.n}x${tile.k} tiles`;
  const wb = num(spec.attrs.weight_bits) ?? 0;
  if (wb !== 0 && !(LUT_WEIGHT_BITS as readonly number[]).includes(wb)) return `weight_bits = ${wb} is not supported by the LUT unit (supported: ${LUT_WEIGHT_BITS.join(', ')}; 0 keeps the cascade's dtypes)`;
  const group = num(spec.attrs.quant_group) ?? 128;
  if (!Number.isInteger(group) || group < 1 || group % tile.k !== 0) return `quantisation group ${group} is not a multiple of the tile's K = ${tile.k}`;
  const pre = spec.attrs.precompute ?? 'fused';
  if (pre !== 'fused' && pre !== 'standalone') return `precompute = ${String(pre)}: write "fused" or "standalone"`;
  const table = String(a.table_format ?? 'fp16');
  if (!['exact', 'fp32', 'fp16', 'int8q'].includes(table)) return `table_format = ${table}: write exact, fp32, fp16 or int8q`;
  const acc = String(a.accumulator ?? 'fp16');
  if (!['exact', 'fp32', 'fp16'].includes(acc)) return `accumulator = ${acc}: write exact, fp32 or fp16`;
  // the GPU kernels keep the calibration of the GPU the LUT units were put into (`attr gpu_calibration`)
  const { hw, levels } = gpuContext(spec);
  const base = typeof spec.attrs.gpu_calibration === 'string' ? spec.attrs.gpu_calibration : spec.name;
  const params = defaultCalibration(base, hw)?.params ?? DEFAULT_PARAMS;
  return {
    hw, params, levels, lib, group, weightBits: wb, precompute: pre, unitName: lut.name,
    unit: { tile, table: table as LutTableFormat, acc: acc as LutUnitConfig['acc'], tableLoad: num(a.table_load) ?? 16, doubleBuffered: a.double_regs !== false },
    unitsPerSm: lanes / (tile.m * tile.n * tile.k),
    kind,
    doubleRegs: a.double_regs !== false,
  };
}

const KIND_NAME: Record<UnitKind, string> = { lut: 'LUT', bitserial: 'bit-serial', mac: 'dequantise-then-MAC' };

export interface MpGemmView {
  M: number;
  N: number;
  K: number;
  batch: number;
  wbits: number;
  act: ActType;
  actDtype: DType;
  weight: string;
  /** bits of one output element (the einsum's output dtype) */
  outBits?: number;
}

const ACT_OF: Partial<Record<DType, ActType>> = { fp16: 'fp16', bf16: 'fp16', fp8e4m3: 'fp8', fp8e5m2: 'fp8', int8: 'int8' };

/** The einsum as an mpGEMM (a GEMM with a low-bit weight operand), or null (it runs as sim/gpu runs it). */
const lowBit = (d: DType) => d.startsWith('int') && DTYPE_BITS[d] <= 8;

/**
 * The low-bit weight an operand is dequantised from: the operand itself when it is a weight, or, when it
 * is an intermediate, the one low-bit integer weight that a chain of element-wise einsums (no reduction:
 * a conversion, `(q - z) s`) turns into it. `chain` gets those einsums' indices: on the LUT unit they are
 * the scale stage of the mpGEMM, not kernels of their own.
 */
function weightSource(c: Cascade, name: string, chain: number[], depth = 0): Tensor | null {
  const t = c.tensors.find((x) => x.name === name);
  if (!t || depth > 4) return null;
  if (t.role === 'weight') return t;
  if (t.role !== 'intermediate') return null;
  const i = c.einsums.findIndex((e) => e.output.tensor === name);
  const e = c.einsums[i];
  if (!e || reducedVars(e).length > 0) return null;
  let found: Tensor | null = null;
  for (const n of new Set(exprAccesses(e.expr).map((a) => a.tensor))) {
    const src = weightSource(c, n, chain, depth + 1);
    if (src && lowBit(src.dtype)) {
      if (found && found !== src) return null;
      found = src;
    }
  }
  if (found) chain.push(i);
  return found;
}

/** The einsum as an mpGEMM (a GEMM with a low-bit weight operand), or null (it runs as sim/gpu runs it). */
export function mpGemmOf(c: Cascade, i: number, weightBits: number, folded?: number[]): MpGemmView | null {
  const g = gemmView(c, i);
  if (!g) return null;
  const ta = c.tensors.find((t) => t.name === g.a), tb = c.tensors.find((t) => t.name === g.b);
  if (!ta || !tb) return null;
  // an operand dequantised from a low-bit weight by element-wise einsums counts as that weight
  const chainA: number[] = [], chainB: number[] = [];
  const sa = ta.role === 'intermediate' ? weightSource(c, ta.name, chainA) : null;
  const sb = tb.role === 'intermediate' ? weightSource(c, tb.name, chainB) : null;
  const viaB = sb !== null && lowBit(sb.dtype) && !sa;
  const viaA = sa !== null && lowBit(sa.dtype) && !sb;
  const [w, x] = viaB ? [tb, ta] : viaA ? [ta, tb] : tb.role === 'weight' ? [tb, ta] : ta.role === 'weight' ? [ta, tb] : lowBit(tb.dtype) && !lowBit(ta.dtype) ? [tb, ta] : [ta, tb];
  const src = viaB ? sb! : viaA ? sa! : w;
  const act = ACT_OF[x.dtype];
  if (!act) return null;
  const declared = lowBit(src.dtype) && src.dtype !== x.dtype ? DTYPE_BITS[src.dtype] : 0;
  const wbits = src.role === 'weight' && weightBits > 0 ? weightBits : declared;
  if (!(LUT_WEIGHT_BITS as readonly number[]).includes(wbits)) return null;
  if (folded && (viaA || viaB)) folded.push(...(viaB ? chainB : chainA));
  // the weight is the N side of the view when it is operand b
  const [M, N] = w === tb ? [g.M, g.N] : [g.N, g.M];
  const out = c.tensors.find((t) => t.name === c.einsums[i]!.output.tensor);
  return { M, N, K: g.K, batch: g.batch, wbits, act, actDtype: x.dtype, weight: src.name, outBits: out ? DTYPE_BITS[out.dtype] : 16 };
}

export interface LutKernel {
  /** the mpGEMM and the chosen precompute */
  seconds: number;
  /** the mpGEMM alone */
  gemmSeconds: number;
  computeCycles: number;
  steps: number;
  splitK: number;
  precomputeFusedSeconds: number;
  precomputeStandaloneSeconds: number;
  macs: number;
  energyPj: number;
  /** the energy's parts: the LUT units and the CUDA cores, and each level's bytes */
  energy: EnergyBreakdown;
  traffic: Traffic;
  note: string;
}

function entryBits(g: LutGpu, v: MpGemmView): number {
  return g.unit.table === 'int8q' ? 8 : g.unit.table === 'fp32' ? 32 : v.act === 'int8' ? 8 + Math.ceil(Math.log2(Math.max(2, g.unit.tile.k))) : v.act === 'fp8' ? 8 : 16;
}

/** The unit design the cost model prices for this mpGEMM. */
export function unitDesignFor(g: LutGpu, v: Pick<MpGemmView, 'act' | 'wbits'>): UnitDesign {
  return { kind: g.kind, tile: g.unit.tile, act: v.act, wbits: v.wbits, tableBits: entryBits(g, v as MpGemmView), doubleRegs: g.doubleRegs, fpAcc: g.unit.acc === 'fp32' ? 'fp32' : 'fp16' };
}

/** Why the LUT units cannot run this mpGEMM (a plain message), or null. */
export function mpGemmProblem(g: LutGpu, v: MpGemmView): string | null {
  if (v.K % g.group !== 0) return `K = ${v.K} is not a multiple of the quantisation group ${g.group}`;
  return null;
}

export function lutKernel(g: LutGpu, v: MpGemmView, batch: number): LutKernel {
  const { tile } = g.unit;
  const hw = g.hw, p = g.params;
  const B = v.batch * batch;
  const units = hw.smCount * g.unitsPerSm;
  const tilesMN = Math.ceil(v.M / tile.m) * Math.ceil(v.N / tile.n) * B;
  const kt = Math.ceil(v.K / tile.k);
  const split = tilesMN >= units ? 1 : Math.max(1, Math.min(kt, Math.floor(units / tilesMN)));
  const steps = Math.ceil((tilesMN * split) / units) * Math.ceil(kt / split);
  // the LUT unit: table loads and one bit plane a cycle (tile.ts); bit-serial: W cycles a step; MAC: one
  const computeCycles = g.kind === 'lut' ? cyclesForSteps(steps, v.wbits, g.unit) : steps * (g.kind === 'bitserial' ? v.wbits : 1) + ACC_LATENCY;
  const bw = hw.hbmBytesPerSecond * p.hbmEfficiency;
  const actBytes = (v.M * v.K * DTYPE_BITS[v.actDtype]) / 8 * B;
  // only the LUT unit reads tables (and needs them precomputed); the others read the activations
  const lut = g.kind === 'lut';
  const tableBytes = lut ? ((v.M * (v.K / tile.k) * 2 ** (tile.k - 1) * entryBits(g, v)) / 8) * B : actBytes;
  const weightBytes = ((v.N * v.K * v.wbits) / 8 + v.N * Math.ceil(v.K / g.group) * 4) * B;
  const outBytes = (v.M * v.N * (v.outBits ?? 16)) / 8 * B;
  const compute = computeCycles / hw.clockHz;
  const mem = (weightBytes + tableBytes + outBytes) / bw;
  const fixed = p.launchSeconds + pipelineLatencySeconds(hw);
  const gemmSeconds = fixed + Math.max(compute, mem) + (1 - p.gemmOverlap) * Math.min(compute, mem);
  const preOps = lut ? v.M * (v.K / tile.k) * 2 ** (tile.k - 1) * B : 0;
  const vector = hw.peakFlopsPerSecond.fp32 ?? hw.peakFlopsPerSecond.bf16!;
  const fused = lut ? Math.max(preOps / vector, Math.max(0, tableBytes - actBytes) / bw) : 0;
  const standalone = lut ? fixed + Math.max(preOps / vector, (actBytes + tableBytes) / bw) : 0;
  const pre = g.precompute === 'fused' ? fused : standalone;
  const macs = v.M * v.N * v.K * B;
  const u = unitCost(g.lib, unitDesignFor(g, v));
  const standaloneTables = lut && g.precompute === 'standalone';
  const hbmR = weightBytes + tableBytes + (standaloneTables ? actBytes : 0);
  const hbmW = outBytes + (standaloneTables ? tableBytes : Math.max(0, tableBytes - actBytes));
  const computePj = macs * (u.pjPerCycle / u.macsPerCycle) + preOps * ((hw.macEnergyPj.fp32 ?? 0) / 2);
  const t: Traffic = {};
  const add = (lvl: string | undefined, r: number, w: number) => {
    if (lvl) t[lvl] = { readBytes: Math.round(r), writeBytes: Math.round(w) };
  };
  add(g.levels.hbm, hbmR, hbmW);
  add(g.levels.l2, hbmR, hbmW);
  add(g.levels.smem, weightBytes + tableBytes, weightBytes + tableBytes);
  add(g.levels.rf, weightBytes + tableBytes, outBytes);
  const energy = breakdown(g, t, computePj);
  const bound = compute >= mem ? 'compute' : 'hbm';
  const note = `mpGEMM ${v.M}x${v.N}x${v.K}${B > 1 ? ` x${B}` : ''} W${v.wbits} A_${v.act} on ${units} ${KIND_NAME[g.kind]} units of M${tile.m} N${tile.n} K${tile.k}: ${steps} steps each${split > 1 ? ` (K split ${split} ways)` : ''}, ${computeCycles} cycles, bound by ${bound}${lut ? `; table precompute ${g.precompute} (fused ${(fused * 1e6).toFixed(2)} us, standalone ${(standalone * 1e6).toFixed(2)} us)` : ''}`;
  return { seconds: gemmSeconds + pre, gemmSeconds, computeCycles, steps, splitK: split, precomputeFusedSeconds: fused, precomputeStandaloneSeconds: standalone, macs, energyPj: energy.computePj + sumLevels(energy), energy, traffic: t, note };
}

const sumLevels = (b: EnergyBreakdown) => Object.values(b.levelsPj).reduce((a, x) => a + x, 0);

/** Each level's bytes at the GPU's per-byte energies (levels without one are left out), and the compute part. */
function breakdown(g: LutGpu, t: Traffic, computePj: number): EnergyBreakdown {
  const en = g.hw.energyPjPerByte;
  const per: Record<string, { read: number; write: number } | undefined> = {};
  for (const [key, name] of Object.entries(g.levels) as [keyof typeof en, string | undefined][]) if (name) per[name] = en[key];
  const levelsPj: Record<string, number> = {};
  for (const [lvl, x] of Object.entries(t)) {
    const e = per[lvl];
    if (e) levelsPj[lvl] = round(x.readBytes * e.read + x.writeBytes * e.write);
  }
  return { computePj: round(computePj), staticPj: 0, levelsPj };
}

/** The whole cascade on the LUT GPU: mpGEMMs on the LUT units, everything else as sim/gpu runs it. */
export function simulateOnLutGpu(m: { cascade: Cascade; target: string; workload: string; schedule?: unknown; warnings?: string[]; batch?: number }, g: LutGpu, fidelity: Fidelity): Result {
  const c = m.cascade;
  const batch = m.batch ?? 1;
  const einsums: EinsumResult[] = [];
  const traffic: Traffic = {};
  const notes: string[] = [];
  let seconds = 0, energy = 0, lutMacs = 0, tcMacs = 0;
  // first the mpGEMMs, and the element-wise einsums that dequantise their weights (folded into them)
  const folded: number[] = [];
  const views = c.einsums.map((_, i) => mpGemmOf(c, i, g.weightBits, folded));
  const foldedSet = new Set(folded);
  for (let i = 0; i < c.einsums.length; i++) {
    const e = c.einsums[i]!;
    const name = e.output.tensor + (e.init ? '.init' : '');
    const v = views[i];
    const bad = v && mpGemmProblem(g, v);
    if (bad) throw new LutInputError(`einsum ${name}: ${bad}`);
    let row: EinsumResult & Record<string, unknown>;
    if (foldedSet.has(i)) {
      // the LUT unit reads the low-bit weight itself and applies scale and zero point in its scale stage
      row = { name, unit: g.unitName, latencyCycles: 0, energyPj: 0, traffic: {}, energy: { computePj: 0, staticPj: 0, levelsPj: {} } };
      notes.push(`${name}: dequantises a low-bit weight for an mpGEMM: folded into the LUT unit's scale stage (no kernel of its own)`);
    } else if (v) {
      const k = lutKernel(g, v, batch);
      const cycles = Math.round(k.seconds * g.hw.clockHz);
      row = { name, unit: g.unitName, latencyCycles: cycles, energyPj: round(k.energyPj), traffic: k.traffic, energy: k.energy,
        lut: { wbits: v.wbits, act: v.act, M: v.M, N: v.N, K: v.K, steps: k.steps, computeCycles: k.computeCycles, splitK: k.splitK,
          precomputeFusedCycles: Math.round(k.precomputeFusedSeconds * g.hw.clockHz), precomputeStandaloneCycles: Math.round(k.precomputeStandaloneSeconds * g.hw.clockHz) } };
      seconds += cycles / g.hw.clockHz;
      energy += k.energyPj;
      lutMacs += k.macs;
      notes.push(`${name}: ${k.note}`);
    } else {
      const k = gpuEinsumRun(c, i, g.hw, g.params, batch, g.levels);
      const b = breakdown(g, k.traffic, 0);
      b.computePj = round(Math.max(0, k.energyPj - sumLevels(b)));
      row = { name, unit: k.unit, latencyCycles: k.latencyCycles, energyPj: k.energyPj, traffic: k.traffic, energy: b };
      seconds += k.latencyCycles / g.hw.clockHz;
      energy += k.energyPj;
      tcMacs += k.macs;
      notes.push(k.note);
    }
    for (const [lvl, x] of Object.entries(row.traffic)) {
      const cur = (traffic[lvl] ??= { readBytes: 0, writeBytes: 0 });
      cur.readBytes += x.readBytes;
      cur.writeBytes += x.writeBytes;
    }
    einsums.push(row);
  }
  const units = g.hw.smCount * g.unitsPerSm * g.unit.tile.m * g.unit.tile.n * g.unit.tile.k;
  const used = new Map<string, MpGemmView>();
  for (const v of views) if (v) used.set(`${v.act}/${v.wbits}`, v);
  const cycles = einsums.reduce((a, x) => a + x.latencyCycles, 0);
  const result: Result = {
    target: m.target,
    workload: m.workload,
    fidelity,
    latencyCycles: cycles,
    latencySeconds: seconds,
    energyPj: round(energy),
    utilization: {
      [g.unitName]: cycles > 0 ? Math.min(1, lutMacs / (units * cycles)) : 0,
      SM: cycles > 0 ? Math.min(1, (2 * tcMacs) / (g.hw.peakFlopsPerSecond.bf16! * seconds)) : 0,
    },
    traffic,
    einsums,
    lutUnits: [...used.values()].map((v) => unitSummary(g, v)),
    // the generic mapper's notes on how it would fold einsums onto the LUT unit describe a mapping this engine does not use
    warnings: (m.warnings ?? []).filter((w) => !w.includes(` of ${g.unitName}`)),
    explanation: notes,
  };
  if (m.schedule !== undefined) result.schedule = m.schedule;
  return result;
}

/** The unit a configuration builds, for the (activation, width) an mpGEMM ran at: area, density, efficiency, components. */
export function unitSummary(g: LutGpu, v: Pick<MpGemmView, 'act' | 'wbits'>) {
  const u = unitCost(g.lib, unitDesignFor(g, v));
  return {
    kind: g.kind, tile: g.unit.tile, act: v.act, wbits: v.wbits,
    unitAreaUm2: round(u.areaUm2),
    areaPerSmMm2: round((u.areaUm2 * g.unitsPerSm) / 1e6),
    tflopsPerMm2: round(densityTflopsPerMm2(u, g.hw.clockHz)),
    topsPerWatt: round(topsPerWatt(u)),
    components: u.components.map((x) => ({ name: x.name, areaUm2: round(x.areaUm2), pjPerCycle: round(x.pjPerCycle) })),
  };
}

function round(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(12));
}
