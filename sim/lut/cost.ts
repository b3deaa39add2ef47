// Area and energy of low-bit GEMM units, per component, from a cell library of primitive costs (the
// .arch's `cell_*` attributes, each with its source there; nothing here is a number about silicon).
//
// Three units in one family, all doing an M x N x K step on activations A (fp16, fp8, int8, int16)
// and W-bit weights:
//   lut        the LUT Tensor Core tile: M tables of 2^(K-1) entries (table registers, doubled with
//              `doubleRegs`), N K W weight bits, M N lanes of (2^(K-1) - 1) T-bit mux2, a sign flip,
//              the plane shift (an exponent add in FP, a shifter in integers) and an accumulator;
//              M N K / W MACs a cycle (one bit plane a cycle).
//   bitserial  a BitMoD-style bit-serial dot-product lane: per weight bit a gated copy of each
//              activation (an AND per bit), a 3-adder tree per DP4 and a shift-accumulate: 4 / W MACs
//              a cycle per DP4 lane.
//   mac        dequantise-then-MAC: weights converted to the activation type (one multiply by the
//              scale per weight, shared by `dequantReuse` rows), then DP4 MAC lanes (4 multipliers,
//              a 3-adder tree, an accumulator): 4 MACs a cycle whatever W is.
// Energy per cycle = every primitive that switches in a cycle x its energy: lanes every cycle, the
// table and weight registers once per step (every W cycles). Density = 2 MACs/cycle x clock / area;
// efficiency = 2 MACs / energy (ops/pJ = TOPs/W).
import type { TargetSpec } from '../../targets/spec/types';

export type UnitKind = 'lut' | 'bitserial' | 'mac';
export type ActType = 'fp16' | 'fp8' | 'int8' | 'int16';
export const ACT_TYPES: readonly ActType[] = ['fp16', 'fp8', 'int8', 'int16'];

export interface Prim {
  um2: number;
  pj: number;
}

/** Primitive costs at the library's node (after its scale factors). */
export interface CellLibrary {
  reg: Prim;
  mux2: Prim;
  xor: Prim;
  /** integer adder, per bit */
  addBit: Prim;
  /** integer array multiplier, per partial-product bit (a x b bits) */
  mulBit: Prim;
  fpAdd: Record<'fp8' | 'fp16' | 'fp32', Prim>;
  fpMul: Record<'fp8' | 'fp16', Prim>;
  source: string;
}

export interface UnitDesign {
  kind: UnitKind;
  tile: { m: number; n: number; k: number };
  act: ActType;
  wbits: number;
  /** LUT: table entry bits (default: exact sums for integers, the activation format for floats) */
  tableBits?: number;
  /** integer accumulator bits (default 32); floats accumulate in fp16 (the RTL) unless `fpAcc` */
  accBits?: number;
  fpAcc?: 'fp16' | 'fp32';
  /** LUT: table registers doubled (double buffering, Table 1's "double-register modelling") */
  doubleRegs?: boolean;
  /** mac: rows sharing one dequantised weight */
  dequantReuse?: number;
}

export interface Component {
  name: string;
  areaUm2: number;
  pjPerCycle: number;
}

export interface UnitCost {
  design: UnitDesign;
  components: Component[];
  areaUm2: number;
  pjPerCycle: number;
  macsPerCycle: number;
}

const FP_BITS: Record<'fp8' | 'fp16' | 'fp32', { e: number; m: number }> = { fp8: { e: 4, m: 3 }, fp16: { e: 5, m: 10 }, fp32: { e: 8, m: 23 } };
const isFp = (a: ActType): a is 'fp16' | 'fp8' => a === 'fp16' || a === 'fp8';
const actBits = (a: ActType) => (a === 'fp16' || a === 'int16' ? 16 : 8);

/** One component: `count` primitives, each switching `activity` times a cycle. */
function comp(name: string, p: Prim, count: number, activity = 1): Component {
  return { name, areaUm2: p.um2 * count, pjPerCycle: p.pj * count * activity };
}

function sum(cs: Component[]): { areaUm2: number; pjPerCycle: number } {
  return { areaUm2: cs.reduce((s, c) => s + c.areaUm2, 0), pjPerCycle: cs.reduce((s, c) => s + c.pjPerCycle, 0) };
}

/** The accumulator of a lane: an adder and its register. */
function accumulator(lib: CellLibrary, d: UnitDesign, lanes: number): Component[] {
  if (isFp(d.act)) {
    const f = d.fpAcc ?? 'fp16';
    return [comp('accumulator adders', lib.fpAdd[f], lanes), comp('accumulator registers', lib.reg, lanes * (FP_BITS[f].e + FP_BITS[f].m + 1))];
  }
  const bits = d.accBits ?? 32;
  return [comp('accumulator adders', lib.addBit, lanes * bits), comp('accumulator registers', lib.reg, lanes * bits)];
}

/** Bits of one table entry. */
export function tableEntryBits(d: UnitDesign): number {
  if (d.tableBits !== undefined) return d.tableBits;
  if (isFp(d.act)) return actBits(d.act);
  return actBits(d.act) + Math.ceil(Math.log2(Math.max(2, d.tile.k)));
}

function lutUnit(lib: CellLibrary, d: UnitDesign): Component[] {
  const { m, n, k } = d.tile;
  const W = d.wbits;
  const T = tableEntryBits(d);
  const lanes = m * n;
  const entries = 2 ** (k - 1);
  const regs = d.doubleRegs ? 2 : 1;
  const out = [
    // written once per step (W cycles), read through the muxes
    comp('table registers', lib.reg, m * entries * T * regs, 1 / W),
    comp('weight registers', lib.reg, n * k * W, 1 / W),
    comp('multiplexers', lib.mux2, lanes * (entries - 1) * T),
    comp('sign flip', lib.xor, lanes * (isFp(d.act) ? 1 : T)),
  ];
  if (W > 1) {
    if (isFp(d.act)) out.push(comp('plane shift (exponent add)', lib.addBit, lanes * FP_BITS[d.act].e));
    else out.push(comp('plane shift', lib.mux2, lanes * (d.accBits ?? 32) * Math.ceil(Math.log2(W))));
  }
  return [...out, ...accumulator(lib, d, lanes)];
}

/** A DP4 lane's adder tree (3 adders of the product width) for `dp4` lanes. */
function adderTree(lib: CellLibrary, d: UnitDesign, dp4: number, productBits: number): Component {
  return isFp(d.act) ? comp('adder trees', lib.fpAdd[d.fpAcc ?? 'fp16'], dp4 * 3) : comp('adder trees', lib.addBit, dp4 * 3 * productBits);
}

function bitSerialUnit(lib: CellLibrary, d: UnitDesign): Component[] {
  const { m, n, k } = d.tile;
  const dp4 = (m * n * k) / 4;
  const A = actBits(d.act);
  return [
    comp('input registers', lib.reg, dp4 * 4 * (A + 1)),
    comp('bit gating', lib.mux2, dp4 * 4 * A),
    adderTree(lib, d, dp4, A + 2),
    comp('shift-accumulate shifters', lib.mux2, dp4 * (isFp(d.act) ? 0 : (d.accBits ?? 32))),
    ...accumulator(lib, d, dp4),
  ];
}

function macUnit(lib: CellLibrary, d: UnitDesign): Component[] {
  const { m, n, k } = d.tile;
  const dp4 = (m * n * k) / 4;
  const A = actBits(d.act);
  const reuse = d.dequantReuse ?? m;
  const mul = isFp(d.act) ? comp('multipliers', lib.fpMul[d.act], dp4 * 4) : comp('multipliers', lib.mulBit, dp4 * 4 * A * A);
  // dequantiser: (q - z) then x s, in the activation type, once per weight per `reuse` rows
  const deq = isFp(d.act)
    ? [comp('dequantisers', lib.fpMul[d.act], (dp4 * 4) / reuse), comp('dequantisers (zero point)', lib.fpAdd[d.act], (dp4 * 4) / reuse)]
    : [comp('dequantisers', lib.mulBit, ((dp4 * 4) / reuse) * A * A)];
  return [comp('input registers', lib.reg, dp4 * 4 * 2 * A), ...deq, mul, adderTree(lib, d, dp4, 2 * A), ...accumulator(lib, d, dp4)];
}

/** A plain message for a design the model cannot cost; null when it can. */
export function checkDesign(d: UnitDesign): string | null {
  if (!ACT_TYPES.includes(d.act)) return `activation type ${String(d.act)} is not modelled (${ACT_TYPES.join(', ')})`;
  if (![1, 2, 3, 4, 8].includes(d.wbits)) return `weight bit width ${d.wbits} is not supported (1, 2, 3, 4, 8)`;
  const { m, n, k } = d.tile;
  if (![m, n, k].every((x) => Number.isInteger(x) && x >= 1)) return `tile ${m}x${n}x${k} must have positive integer extents`;
  if (d.kind === 'lut' && k > 8) return `tile K = ${k} is not supported by the LUT unit (1 to 8)`;
  if (d.kind !== 'lut' && (m * n * k) % 4 !== 0) return `a ${d.kind} unit is built of DP4 lanes: M N K = ${m * n * k} is not a multiple of 4`;
  return null;
}

export function unitCost(lib: CellLibrary, d: UnitDesign): UnitCost {
  const why = checkDesign(d);
  if (why) throw new Error(why);
  const components = d.kind === 'lut' ? lutUnit(lib, d) : d.kind === 'bitserial' ? bitSerialUnit(lib, d) : macUnit(lib, d);
  const { m, n, k } = d.tile;
  const macsPerCycle = d.kind === 'mac' ? m * n * k : (m * n * k) / d.wbits;
  return { design: d, components: components.filter((c) => c.areaUm2 > 0), ...sum(components), macsPerCycle };
}

/** TFLOPs (or TOPs) per mm2 at `clockHz`: 2 MACs per cycle / area. */
export function densityTflopsPerMm2(u: UnitCost, clockHz: number): number {
  return (2 * u.macsPerCycle * clockHz) / 1e12 / (u.areaUm2 * 1e-6);
}

/** TOPs/W: 2 ops per MAC per pJ of a cycle's energy. */
export function topsPerWatt(u: UnitCost): number {
  return (2 * u.macsPerCycle) / u.pjPerCycle;
}

const CELL_KEYS = ['reg', 'mux2', 'xor', 'add_bit', 'mul_bit', 'fp8_add', 'fp16_add', 'fp32_add', 'fp8_mul', 'fp16_mul'] as const;

/**
 * The cell library of a spec: on its `lut` compute unit (or the target), `cell_<name>_um2` and
 * `cell_<name>_pj` for each primitive, times `cell_area_scale` and `cell_energy_scale` (node scaling).
 */
export function cellLibraryFromSpec(spec: TargetSpec): CellLibrary | string {
  const unit = spec.computes.find((c) => c.kind === 'lut');
  const get = (k: string): number | undefined => {
    const v = unit?.attrs[k] ?? spec.attrs[k];
    return typeof v === 'number' ? v : undefined;
  };
  const missing = CELL_KEYS.flatMap((k) => [`cell_${k}_um2`, `cell_${k}_pj`]).filter((k) => get(k) === undefined);
  if (missing.length) return `${spec.name} has no LUT cell library: missing ${missing.join(', ')}`;
  const as = get('cell_area_scale') ?? 1, es = get('cell_energy_scale') ?? 1;
  const p = (k: string): Prim => ({ um2: get(`cell_${k}_um2`)! * as, pj: get(`cell_${k}_pj`)! * es });
  return {
    reg: p('reg'), mux2: p('mux2'), xor: p('xor'), addBit: p('add_bit'), mulBit: p('mul_bit'),
    fpAdd: { fp8: p('fp8_add'), fp16: p('fp16_add'), fp32: p('fp32_add') },
    fpMul: { fp8: p('fp8_mul'), fp16: p('fp16_mul') },
    source: spec.file ?? spec.name,
  };
}
