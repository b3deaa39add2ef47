// The GPU facts the model needs, read from a target's .arch file (TargetSpec). Nothing here is a
// number about a GPU: every figure comes from the spec, which cites its source.
import { isAbsolute, relative, resolve } from 'node:path';
import type { ComputeSpec, MemorySpec, TargetSpec } from '../../targets/spec/types';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** Element types the GPU model knows tensor-core peaks for. */
/** fp32 is the CUDA-core (non-tensor) rate, used for element-wise einsums. */
export const GPU_DTYPES = ['bf16', 'fp16', 'fp8e4m3', 'tf32', 'int8', 'fp32'] as const;
export type GpuDType = (typeof GPU_DTYPES)[number];

export interface GpuHardware {
  name: string;
  smCount: number;
  clockHz: number;
  /** dense tensor-core peak of the whole chip, per dtype */
  peakFlopsPerSecond: Partial<Record<GpuDType, number>>;
  hbmBytesPerSecond: number;
  l2Bytes?: number;
  /** L2 partitions, each caching what its own SMs read (`attr partitions` on the L2; 1 without): an
   *  operand every SM reads has one partition's share of the capacity */
  l2Partitions: number;
  /** L2 to SM bandwidth, when the .arch gives one: bounds tile re-reads of GEMM operands and of K/V in attention */
  l2BytesPerSecond?: number;
  smemBytesPerSm?: number;
  /** latency of one access in clocks, per level, where the .arch gives it */
  latencyCycles: { hbm?: number; l2?: number; smem?: number };
  /** exp2 results per clock per SM (the SFU): what softmax waits on */
  sfuPerSmPerClock?: number;
  /** energy per MAC (pJ) per dtype, where the .arch gives it (mac_energy_<dtype>, mac_energy) */
  macEnergyPj: Partial<Record<GpuDType, number>>;
  /** energy per byte moved (pJ) per level: read and write; absent where the .arch has none */
  energyPjPerByte: { hbm?: LevelEnergy; l2?: LevelEnergy; smem?: LevelEnergy; rf?: LevelEnergy };
  /** CTAs of a thread-block cluster that one L2 load of a shared operand tile feeds (TMA multicast); 1 without */
  clusterMulticast: number;
  /** fraction of the tensor peak that the synchronous warp-level MMA (mma.sync, Ampere's tensor-core
   *  instruction) reaches: 1 on Ampere; about 2/3 on Hopper, whose full rate needs the asynchronous
   *  wgmma (`attr sync_mma_fraction` on the sm unit, with its source; 1 where the .arch has none, i.e.
   *  no separate asynchronous path). Kernels written with mma.sync (FlashAttention-2) run at this rate. */
  syncMmaFraction: number;
  /** board power limit (W), an upper bound on average power */
  tdpWatts?: number;
  /** where the numbers came from (the .arch file) */
  source: string;
}

export interface LevelEnergy {
  read: number;
  write: number;
}

export class GpuHardwareError extends Error {
  override name = 'GpuHardwareError';
}

// How a dtype may be spelled inside an attribute name (peak_bf16, bf16_peak, fp8_flops, ...).
const DTYPE_TOKENS: Record<GpuDType, RegExp> = {
  bf16: /(^|_)bf16($|_)/,
  fp16: /(^|_)fp16($|_)/,
  fp8e4m3: /(^|_)fp8(e4m3)?($|_)/,
  tf32: /(^|_)tf32($|_)/,
  int8: /(^|_)int8($|_)/,
  fp32: /(^|_)fp32($|_)/,
};

/**
 * Reads a GPU TargetSpec: the `sm` compute unit (count = SMs), the `hbm` memory (bandwidth), an `sram`
 * memory named L2 (capacity), shared memory (an sram named smem/shared), the clock, and per-dtype
 * peaks: any attribute in FLOP/s (or OP/s) whose name contains the dtype (peak_bf16 = 989 TFLOP/s),
 * on the sm unit or the target. Peaks written on the sm unit with `per_sm = true` are multiplied by count.
 */
export function gpuHardwareFromSpec(spec: TargetSpec): GpuHardware {
  // repo-relative, so JSON that names the source is the same on every machine
  const where = spec.file ? (isAbsolute(spec.file) ? relative(REPO_ROOT, spec.file) : spec.file) : spec.name;
  const sm = spec.computes.find((c) => c.kind === 'sm');
  if (!sm || !sm.count) throw new GpuHardwareError(`${where}: a GPU target needs a compute unit of kind sm with count = <number of SMs>`);
  const hbm = spec.memories.find((m) => m.kind === 'hbm' || m.kind === 'dram');
  if (!hbm?.bandwidthBytesPerSecond) throw new GpuHardwareError(`${where}: a GPU target needs an hbm memory with a bandwidth`);
  const peaks: Partial<Record<GpuDType, number>> = {};
  const scan = (attrs: Record<string, unknown>, units: Record<string, string> | undefined, perSm: boolean) => {
    for (const [key, value] of Object.entries(attrs)) {
      if (typeof value !== 'number') continue;
      const unit = units?.[key];
      if (unit !== undefined && unit !== 'FLOP/s') continue;
      if (unit === undefined && !/peak|flops|ops/.test(key)) continue;
      const k = key.toLowerCase();
      for (const d of Object.keys(DTYPE_TOKENS) as GpuDType[]) if (DTYPE_TOKENS[d].test(k) && peaks[d] === undefined) peaks[d] = perSm ? value * sm.count! : value;
    }
  };
  scan(sm.attrs, sm.attrUnits, sm.attrs.per_sm === true);
  scan(spec.attrs, spec.attrUnits, false);
  if (peaks.bf16 === undefined && peaks.fp16 !== undefined) peaks.bf16 = peaks.fp16;
  if (peaks.bf16 === undefined) throw new GpuHardwareError(`${where}: no bf16 tensor-core peak found; add e.g. attr peak_bf16 = 989 TFLOP/s to the sm unit`);
  const l2 = spec.memories.find((m) => m.kind === 'sram' && /l2/i.test(m.name));
  const smem = spec.memories.find((m) => m.kind === 'sram' && /smem|shared/i.test(m.name));
  const rf = spec.memories.find((m) => m.kind === 'regfile');
  const hw: GpuHardware = {
    name: spec.name,
    smCount: sm.count,
    clockHz: spec.clockHz,
    peakFlopsPerSecond: peaks,
    hbmBytesPerSecond: hbm.bandwidthBytesPerSecond,
    latencyCycles: {},
    macEnergyPj: macEnergies(sm),
    energyPjPerByte: {},
    clusterMulticast: typeof sm.attrs.cluster_multicast === 'number' && sm.attrs.cluster_multicast >= 1 ? sm.attrs.cluster_multicast : 1,
    syncMmaFraction: syncMmaFraction(sm.attrs.sync_mma_fraction, where),
    l2Partitions: l2Partitions(l2?.attrs.partitions, where),
    source: where,
  };
  const lat = hw.latencyCycles;
  if (hbm.latencyCycles !== undefined) lat.hbm = hbm.latencyCycles;
  if (l2?.latencyCycles !== undefined) lat.l2 = l2.latencyCycles;
  if (smem?.latencyCycles !== undefined) lat.smem = smem.latencyCycles;
  const en = hw.energyPjPerByte;
  for (const [key, m] of [['hbm', hbm], ['l2', l2], ['smem', smem], ['rf', rf]] as const) {
    const e = levelEnergy(m);
    if (e) en[key] = e;
  }
  const sfu = sm.attrs.sfu_per_sm;
  if (typeof sfu === 'number' && sfu > 0) hw.sfuPerSmPerClock = sfu;
  const tdp = spec.attrs.tdp_watts;
  if (typeof tdp === 'number' && tdp > 0) hw.tdpWatts = tdp;
  if (l2?.capacityBytes) hw.l2Bytes = l2.capacityBytes;
  if (l2?.bandwidthBytesPerSecond) hw.l2BytesPerSecond = l2.bandwidthBytesPerSecond;
  if (smem?.capacityBytes) hw.smemBytesPerSm = smem.capacityBytes;
  return hw;
}

function syncMmaFraction(v: unknown, where: string): number {
  if (v === undefined) return 1;
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) throw new GpuHardwareError(`${where}: attr sync_mma_fraction must be a number in (0, 1], got ${String(v)}`);
  return v;
}

function l2Partitions(v: unknown, where: string): number {
  if (v === undefined) return 1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new GpuHardwareError(`${where}: attr partitions on the L2 must be a whole number of at least 1, got ${String(v)}`);
  return v;
}

function levelEnergy(m: MemorySpec | undefined): LevelEnergy | undefined {
  if (!m || (m.readEnergyPjPerByte === undefined && m.writeEnergyPjPerByte === undefined)) return undefined;
  const read = m.readEnergyPjPerByte ?? m.writeEnergyPjPerByte!;
  return { read, write: m.writeEnergyPjPerByte ?? read };
}

/** `mac_energy_<dtype>` attributes on the sm unit (pJ), with `mac_energy` for the dtypes not named. */
function macEnergies(sm: ComputeSpec): Partial<Record<GpuDType, number>> {
  const out: Partial<Record<GpuDType, number>> = {};
  for (const [key, value] of Object.entries(sm.attrs)) {
    if (typeof value !== 'number' || !key.startsWith('mac_energy_')) continue;
    for (const d of Object.keys(DTYPE_TOKENS) as GpuDType[]) if (DTYPE_TOKENS[d].test(key.slice('mac_energy'.length))) out[d] = value;
  }
  if (sm.macEnergyPj !== undefined) for (const d of GPU_DTYPES) out[d] ??= sm.macEnergyPj;
  return out;
}
