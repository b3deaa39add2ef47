// FPGA resource model: DSP slices, fabric LUTs/FFs, block RAM, UltraRAM and HBM pseudo-channels for a design
// (a set of compute engines and buffers), checked against the device totals less the platform shell's fixed
// share, all read from the target's .arch (`attr lut_total`, `attr shell_lut`, ...). Formulas (docs/FPGA.md):
//  - DSP48E2 (27x18 multiplier): two INT8 MACs that share the weight pack into one slice ((a*2^18 + b)*w), so
//    ceil(macs/2) slices; any other integer pair takes ceil(a/27)*ceil(b/18) slices per MAC (operands swapped
//    to the cheaper orientation).
//  - DSP58 (27x24): its INT8 mode computes a 3-element dot product, ceil(macs/3) slices; other integer pairs
//    ceil(a/27)*ceil(b/24) per MAC.
//  - Fabric MACs: accumulator widths of Aggarwal et al. (FPL 2024): integer ra + rb + ceil(log2 n) + 1,
//    minifloat 2^ea + ma + 2^eb + mb + ceil(log2 n) - 1 (a fixed-point accumulator with no rounding).
//  - Block RAM: BRAM36 = the fewest ceil(w/aw)*ceil(d/ad) over its port aspect ratios (UG573: 32Kx1, 16Kx2,
//    8Kx4, 4Kx9, 2Kx18, 1Kx36, 512x72); a buffer that fits one BRAM18 (16Kx1 ... 1Kx18, 512x36) counts 0.5.
//    URAM288 (4096 x 72, deeper cascaded): ceil(w/72)*ceil(d/4096). A buffer of `banks` identical banks
//    takes banks times one bank's count (banks are addressed independently, so never share a RAM).
//  - HBM: each tensor takes ceil(bytes / pseudo-channel capacity) pseudo-channels of its own.
import { UserError } from '../../compiler/driver/user-error';
import { parseFormat, QuantError, type ElementFormat } from '../../compiler/quant/format';
import type { TargetSpec } from '../../targets/spec';

export type DspKind = 'dsp48e2' | 'dsp58';

export interface FpgaDevice {
  name: string;
  dspKind: DspKind;
  totals: ResourceCounts;
  shell: ResourceCounts;
  hbmChannels: number;
  hbmChannelBytes: number;
}

export interface ResourceCounts {
  lut: number;
  ff: number;
  bram36: number;
  uram: number;
  dsp: number;
}

/** A MAC engine: `macs` parallel multiply-accumulates of weight x activation, reducing dot products of length n. */
export interface EngineDesc {
  name: string;
  macs: number;
  weight: string;
  activation: string;
  /** dot-product length the accumulator must hold without overflow */
  dotLength: number;
  /** 'dsp' maps the multipliers onto DSP slices; 'fabric' builds them from LUTs */
  impl: 'dsp' | 'fabric';
}

export interface BufferDesc {
  name: string;
  /** one bank's width and depth */
  widthBits: number;
  depth: number;
  kind: 'bram' | 'uram';
  /** identical, independently addressed banks (absent: one) */
  banks?: number;
}

export interface TensorDesc {
  name: string;
  bytes: number;
}

export interface DesignDesc {
  engines: EngineDesc[];
  buffers: BufferDesc[];
  tensors: TensorDesc[];
  /** other fabric logic already counted (sim/fpga/logic.ts): LUTs and FFs added to the engines' */
  fabric?: { name: string; lut: number; ff: number }[];
}

export interface ResourceReport {
  device: FpgaDevice;
  engines: { name: string; dsp: number; lut: number; ff: number; accBits: number }[];
  buffers: { name: string; bram36: number; uram: number }[];
  hbm: { name: string; channels: number }[];
  used: ResourceCounts;
  hbmChannelsUsed: number;
}

const RESOURCES: (keyof ResourceCounts)[] = ['lut', 'ff', 'bram36', 'uram', 'dsp'];

/** The device a target's .arch describes; a plain error when an FPGA figure is missing. */
export function fpgaDevice(spec: TargetSpec): FpgaDevice {
  const a = spec.attrs;
  const num = (k: string): number => {
    const v = a[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`target ${spec.name}: attr ${k} is missing (an FPGA target states its device totals and shell share in the .arch)`);
    return v;
  };
  const kind = a.dsp_kind;
  if (kind !== 'dsp48e2' && kind !== 'dsp58') throw new UserError(`target ${spec.name}: attr dsp_kind must be dsp48e2 or dsp58`);
  const totals = { lut: num('lut_total'), ff: num('ff_total'), bram36: num('bram36_total'), uram: num('uram_total'), dsp: num('dsp_total') };
  const shell = { lut: num('shell_lut'), ff: num('shell_ff'), bram36: num('shell_bram36'), uram: num('shell_uram'), dsp: num('shell_dsp') };
  const hbm = spec.memories.find((m) => m.attrs.pseudo_channels !== undefined);
  if (!hbm || hbm.capacityBytes === undefined) throw new UserError(`target ${spec.name}: no HBM memory with attr pseudo_channels`);
  const hbmChannels = hbm.attrs.pseudo_channels as number;
  return { name: spec.name, dspKind: kind, totals, shell, hbmChannels, hbmChannelBytes: hbm.capacityBytes / hbmChannels };
}

function format(name: string, engine: string): ElementFormat {
  try {
    return parseFormat(name);
  } catch (e) {
    if (e instanceof QuantError) throw new UserError(`engine ${engine}: ${e.message}`);
    throw e;
  }
}

/** Exact accumulator width for a dot product of length n (Aggarwal et al., FPL 2024). */
export function accumulatorBits(w: ElementFormat, x: ElementFormat, n: number): number {
  const lg = Math.ceil(Math.log2(Math.max(1, n)));
  if (w.kind === 'int' && x.kind === 'int') return w.bits + x.bits + lg + 1;
  if (w.kind === 'float' && x.kind === 'float') return 2 ** w.ebits + w.mbits + 2 ** x.ebits + x.mbits + lg - 1;
  throw new UserError(`a MAC of ${w.name} by ${x.name} has no resource model: both operands must be integers or both minifloats (dequantise one first)`);
}

/** DSP slices for `macs` integer MACs. */
export function dspSlices(kind: DspKind, macs: number, wBits: number, aBits: number): number {
  const lo = Math.min(wBits, aBits);
  const hi = Math.max(wBits, aBits);
  if (kind === 'dsp48e2') {
    if (hi <= 8) return Math.ceil(macs / 2);
    return macs * Math.ceil(hi / 27) * Math.ceil(lo / 18);
  }
  if (hi <= 8) return Math.ceil(macs / 3);
  return macs * Math.ceil(hi / 27) * Math.ceil(lo / 24);
}

/**
 * LUTs and FFs of one fabric MAC. Integer: an a x b array multiplier is a*b LUT6 (one partial-product bit and
 * its carry-chain add each), the accumulator adder one LUT per bit. Minifloat: the significand product
 * (ma+1)(mb+1), the exponent adder ea+eb+1, a barrel shifter placing the product in the accumulator (acc bits x
 * ceil(log2 acc)/2 LUT6, two 2:1 mux levels per LUT6) and the accumulator adder. FFs: the accumulator register
 * plus one pipeline register for the product.
 */
export function fabricMac(w: ElementFormat, x: ElementFormat, acc: number): { lut: number; ff: number } {
  if (w.kind === 'int' && x.kind === 'int') return { lut: w.bits * x.bits + acc, ff: acc + w.bits + x.bits };
  if (w.kind === 'float' && x.kind === 'float') {
    const prod = (w.mbits + 1) * (x.mbits + 1);
    const prodBits = w.mbits + x.mbits + 2;
    const shifter = acc * Math.ceil(Math.ceil(Math.log2(acc)) / 2);
    return { lut: prod + (w.ebits + x.ebits + 1) + shifter + acc, ff: acc + prodBits + w.ebits + x.ebits + 1 };
  }
  throw new UserError(`a MAC of ${w.name} by ${x.name} has no resource model: both operands must be integers or both minifloats`);
}

export function engineResources(dev: FpgaDevice, e: EngineDesc): { dsp: number; lut: number; ff: number; accBits: number } {
  if (!Number.isInteger(e.macs) || e.macs < 1) throw new UserError(`engine ${e.name}: ${e.macs} MACs: expected a positive integer`);
  const w = format(e.weight, e.name);
  const x = format(e.activation, e.name);
  const accBits = accumulatorBits(w, x, e.dotLength);
  if (e.impl === 'dsp') {
    if (w.kind !== 'int' || x.kind !== 'int') throw new UserError(`engine ${e.name}: ${w.name} x ${x.name} on DSP slices has no resource model (DSP slices multiply integers; put minifloat MACs in fabric)`);
    // the DSP's own accumulator holds the sum (48 bits in a DSP48E2, 58 in a DSP58); wider needs fabric
    const dspAcc = dev.dspKind === 'dsp48e2' ? 48 : 58;
    if (accBits > dspAcc) throw new UserError(`engine ${e.name}: a ${accBits}-bit accumulator exceeds the ${dspAcc}-bit ${dev.dspKind.toUpperCase()} accumulator`);
    return { dsp: dspSlices(dev.dspKind, e.macs, w.bits, x.bits), lut: 0, ff: 0, accBits };
  }
  const one = fabricMac(w, x, accBits);
  return { dsp: 0, lut: one.lut * e.macs, ff: one.ff * e.macs, accBits };
}

/** Port aspect ratios (width x depth) of a RAMB36E2 and a RAMB18E2 (UG573; the widest in simple dual-port mode). */
const BRAM36_ASPECTS: [number, number][] = [[1, 32768], [2, 16384], [4, 8192], [9, 4096], [18, 2048], [36, 1024], [72, 512]];
const BRAM18_ASPECTS: [number, number][] = [[1, 16384], [2, 8192], [4, 4096], [9, 2048], [18, 1024], [36, 512]];

const fewest = (aspects: [number, number][], w: number, d: number) => Math.min(...aspects.map(([aw, ad]) => Math.ceil(w / aw) * Math.ceil(d / ad)));

/** Block RAM36 (in halves: one BRAM18 counts 0.5) for a width x depth buffer. */
export function bram36(widthBits: number, depth: number): number {
  if (fewest(BRAM18_ASPECTS, widthBits, depth) === 1) return 0.5;
  return fewest(BRAM36_ASPECTS, widthBits, depth);
}

export function uram(widthBits: number, depth: number): number {
  return Math.ceil(widthBits / 72) * Math.ceil(depth / 4096);
}

/** BRAM36 and URAM288 blocks of a buffer: its banks times one bank's count in the RAM it is assigned to. */
export function bufferBlocks(b: BufferDesc): { bram36: number; uram: number } {
  const banks = b.banks ?? 1;
  const ok = (x: number) => Number.isInteger(x) && x >= 1;
  if (!(ok(b.widthBits) && ok(b.depth) && ok(banks))) throw new UserError(`buffer ${b.name}: ${banks} banks of width ${b.widthBits} bit x depth ${b.depth}: expected positive integers`);
  return b.kind === 'uram' ? { bram36: 0, uram: banks * uram(b.widthBits, b.depth) } : { bram36: banks * bram36(b.widthBits, b.depth), uram: 0 };
}

const LABEL: Record<keyof ResourceCounts, (d: FpgaDevice) => string> = {
  lut: () => 'LUTs',
  ff: () => 'FFs',
  bram36: () => 'BRAM36 blocks',
  uram: () => 'URAM blocks',
  dsp: (d) => `${d.dspKind === 'dsp48e2' ? 'DSP48E2' : 'DSP58'} slices`,
};

/** Counts every resource of a design; throws a UserError naming the first resource over budget. */
export function checkFit(dev: FpgaDevice, design: DesignDesc): ResourceReport {
  const engines = design.engines.map((e) => ({ name: e.name, ...engineResources(dev, e) }));
  const buffers = design.buffers.map((b) => ({ name: b.name, ...bufferBlocks(b) }));
  const hbm = design.tensors.map((t) => ({ name: t.name, channels: Math.max(1, Math.ceil(t.bytes / dev.hbmChannelBytes)) }));
  const used: ResourceCounts = { lut: 0, ff: 0, bram36: 0, uram: 0, dsp: 0 };
  for (const e of engines) (used.dsp += e.dsp), (used.lut += e.lut), (used.ff += e.ff);
  for (const b of buffers) (used.bram36 += b.bram36), (used.uram += b.uram);
  for (const f of design.fabric ?? []) (used.lut += f.lut), (used.ff += f.ff);
  for (const r of RESOURCES) {
    const avail = dev.totals[r] - dev.shell[r];
    if (used[r] > avail) throw new UserError(`${dev.name}: the design needs ${fmt(used[r])} ${LABEL[r](dev)}, the device has ${fmt(dev.totals[r])} (${fmt(avail)} after the platform shell's ${fmt(dev.shell[r])})`);
  }
  const hbmChannelsUsed = hbm.reduce((s, t) => s + t.channels, 0);
  if (hbmChannelsUsed > dev.hbmChannels) {
    const bytes = design.tensors.reduce((s, t) => s + t.bytes, 0);
    throw new UserError(`${dev.name}: the design needs ${hbmChannelsUsed} HBM pseudo-channels (${fmt(bytes / 2 ** 30)} GiB in ${design.tensors.length} tensors), the device has ${dev.hbmChannels} of ${fmt(dev.hbmChannelBytes / 2 ** 20)} MiB`);
  }
  return { device: dev, engines, buffers, hbm, used, hbmChannelsUsed };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? x.toLocaleString('en-US') : x.toLocaleString('en-US', { maximumFractionDigits: 1 });
}
