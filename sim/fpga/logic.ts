// Fabric logic (LUTs and flip-flops) of the FlightLLM-style overlay, derived component by component from
// unit costs the target's .arch states with their sources, never fitted to a published total:
//  - CLB unit costs (UG574, UltraScale CLB user guide; `attr clb_*` on the target): a LUT6 is a 4:1 mux (4 data
//    + 2 select inputs); MUXF7/MUXF8/MUXF9 join 2/4/8 LUT6 outputs into 8:1/16:1/32:1 muxes with no further
//    LUT (a 16:1 mux bit = 4 LUT6 + 2 MUXF7 + 1 MUXF8); an adder or comparator bit is one LUT6 on CARRY8; a
//    register bit is one flip-flop.
//  - What the DSP48E2 absorbs (UG579): the two packed INT8 activations enter through its pre-adder (A + D), so
//    packing costs no LUT; its A/B/D input registers hold a selected operand (`attr operand_register_stages`,
//    the fabric stages before it); partial sums cascade on PCOUT -> PCIN and accumulate in P: no fabric adder.
//  - The matrix engine's parts (`compute ... : dsp`): the sparse chain's input selection (each packed
//    activation one of `sparse_nm_m` candidates, and the log2(M)-bit index register of its DSP), the
//    dequantisation unit (one INT8 operand a DSP from a code of `dequant_weight_widths` widths), register
//    stages on a chain's candidate activations (`attr chain_input_register_stages`) and the
//    buffers' read data registers (`attr buffer_read_register_stages`, sim/fpga/buffers.ts's banks).
//  - The special-function unit's lanes (`attr sfu`): fp16 multiply-adds at the fabric minifloat MAC formula
//    (sim/fpga/resources.ts fabricMac with Aggarwal et al.'s exact accumulator): `logic_exp_macs` and
//    `logic_div_macs` a lane with no accumulation, `logic_addmul_macs` accumulating a row of `reduction` points,
//    and a max unit (a comparator and a 2:1 mux per bit, its result registered).
// Parts with no sourced per-unit cost (HBM AXI ports, instruction decoder, output quantisation) are listed by
// the caller as not counted; docs/FPGA.md gives the table with each figure.
import { UserError } from '../../compiler/driver/user-error';
import { parseFormat, QuantError, type ElementFormat } from '../../compiler/quant/format';
import type { ComputeSpec, TargetSpec } from '../../targets/spec/types';
import { overlayBuffers } from './buffers';
import { requiredInt } from './hardware';
import { accumulatorBits, fabricMac } from './resources';

export interface ClbCosts {
  /** data inputs one LUT6 multiplexes (UG574: 4) */
  muxInputsPerLut: number;
  /** the widest mux one CLB builds with MUXF7-F9 and no further LUT (UG574: 32) */
  muxMaxInputs: number;
  /** adder bits per LUT6 on the carry chain (UG574: 1) */
  adderBitsPerLut: number;
}

export interface LogicCost {
  lut: number;
  ff: number;
}

/** One component: `instances` on the device, each `each`; `basis` says how `each` is derived. */
export interface LogicPart {
  name: string;
  instances: number;
  each: LogicCost;
  lut: number;
  ff: number;
  basis: string;
}

const attrNum = (owner: string, attrs: Record<string, unknown>, k: string, min = 0) => requiredInt(owner, attrs, k, min, 'the fabric logic estimate reads its unit costs from the .arch');

export function clbCosts(spec: TargetSpec): ClbCosts {
  const a = spec.attrs;
  return { muxInputsPerLut: attrNum(spec.name, a, 'clb_mux_inputs_per_lut', 2), muxMaxInputs: attrNum(spec.name, a, 'clb_mux_max_inputs', 2), adderBitsPerLut: attrNum(spec.name, a, 'clb_adder_bits_per_lut', 1) };
}

/** LUT6s of a `bits`-wide m:1 mux: ceil(m / 4) a bit up to the CLB's widest (UG574); 1:1 is a wire. */
export function muxLuts(c: ClbCosts, inputs: number, bits: number): number {
  if (inputs <= 1) return 0;
  if (inputs > c.muxMaxInputs) throw new UserError(`a ${inputs}:1 mux is wider than one CLB builds (${c.muxMaxInputs}:1); the fabric logic estimate has no rule for it`);
  return bits * Math.ceil(inputs / c.muxInputsPerLut);
}

/** LUT6s of a `bits`-wide adder or comparator on the carry chain (UG574). */
export function adderLuts(c: ClbCosts, bits: number): number {
  return Math.ceil(bits / c.adderBitsPerLut);
}

/**
 * One DSP's sparse input selection: each of its `macsPerDsp` packed activations (`actBits` wide) one of `m`
 * candidates, chosen by its kept weight's log2(m)-bit index (registered: FFs); the selected operands go
 * straight into the DSP's input registers (UG579), plus `outStages` fabric stages if the .arch states any.
 */
export function sparseSelector(c: ClbCosts, m: number, actBits: number, macsPerDsp: number, outStages: number): LogicCost {
  return { lut: macsPerDsp * muxLuts(c, m, actBits), ff: Math.ceil(Math.log2(m)) + outStages * macsPerDsp * actBits };
}

/**
 * One dequantisation lane: an `outBits` INT8 operand from a code of one of `widths` widths (FlightLLM: 2, 3, 4
 * and 8 bits), sign-extended and aligned: each output bit is a `widths`:1 choice of code bits (a wire for one
 * width), held by the DSP's B register (UG579) plus `outStages` fabric stages.
 */
export function dequantiser(c: ClbCosts, widths: number, outBits: number, outStages: number): LogicCost {
  return { lut: muxLuts(c, widths, outBits), ff: outStages * outBits };
}

/**
 * One SFU lane in `dtype` (fp16): exp and divide as `expMacs` / `divMacs` multiply-adds with no accumulation
 * (n = 1), add/sub/mul as `addMulMacs` multiply-adds accumulating up to `reduction` points, each at the fabric
 * minifloat MAC formula (resources.ts fabricMac); max as a comparator and a 2:1 mux per bit, registered.
 */
export function sfuLane(c: ClbCosts, dtype: string, expMacs: number, divMacs: number, addMulMacs: number, reduction: number): LogicCost {
  const f = sfuFormat(dtype);
  if (f.kind !== 'float') throw new UserError(`SFU dtype ${dtype}: the fabric logic estimate has a lane model for minifloats only`);
  const single = fabricMac(f, f, accumulatorBits(f, f, 1));
  const acc = fabricMac(f, f, accumulatorBits(f, f, reduction));
  const maxLut = adderLuts(c, f.bits) + muxLuts(c, 2, f.bits);
  return { lut: (expMacs + divMacs) * single.lut + addMulMacs * acc.lut + maxLut, ff: (expMacs + divMacs) * single.ff + addMulMacs * acc.ff + f.bits };
}

/** The smallest N the chain runs (overlay.ts checkSparsity: N a power of two from 2 to M). */
const SMALLEST_N = 2;

/**
 * A chain's candidate activations registered `stages` times: at N:M the chain's `chainLen` kept weights a cycle
 * come from chainLen / N blocks of M activations, each DSP selecting within its block, so the register holds
 * chainLen / 2 blocks (the smallest N) of M x `macsPerDsp` packed `actBits`-bit activations.
 */
export function chainInputRegister(chainLen: number, m: number, actBits: number, macsPerDsp: number, stages: number): LogicCost {
  return { lut: 0, ff: stages * (chainLen / SMALLEST_N) * m * macsPerDsp * actBits };
}

function sfuFormat(dtype: string): ElementFormat {
  try {
    return parseFormat(dtype);
  } catch (e) {
    if (e instanceof QuantError) throw new UserError(`SFU dtype: ${e.message}`);
    throw e;
  }
}

/** `stages` registers on every bank's read data: banks x width bits a stage. */
export function bufferReadRegisters(banks: number, widthBits: number, stages: number): LogicCost {
  return { lut: 0, ff: stages * banks * widthBits };
}

const part = (name: string, instances: number, each: LogicCost, basis: string): LogicPart => ({ name, instances, each, lut: instances * each.lut, ff: instances * each.ff, basis });

function matrixEngine(spec: TargetSpec): ComputeSpec {
  const u = spec.computes.find((x) => x.kind === 'dsp');
  if (!u || u.count === undefined) throw new UserError(`target ${spec.name}: no matrix engine (compute ... : dsp with a count) for the fabric logic estimate`);
  return u;
}

function sfuUnit(spec: TargetSpec): ComputeSpec {
  const u = spec.computes.find((x) => x.attrs.sfu === true);
  if (!u || u.lanes === undefined || u.count === undefined) throw new UserError(`target ${spec.name}: no special-function unit (attr sfu, lanes, count) for the fabric logic estimate`);
  return u;
}

/** Every counted component of the overlay on the device; `reduction` is the longest row the SFU reduces. */
export function overlayLogic(spec: TargetSpec, reduction: number): LogicPart[] {
  const c = clbCosts(spec);
  const cores = attrNum(spec.name, spec.attrs, 'cores', 1);
  const actBits = attrNum(spec.name, spec.attrs, 'word_bits', 1);
  const u = matrixEngine(spec);
  const n = (k: string, min = 0) => attrNum(u.name, u.attrs, k, min);
  const dsps = cores * u.count! * n('dsps_per_group', 1);
  const m = n('sparse_nm_m', 2);
  const macsPerDsp = n('macs_per_dsp', 1);
  const chainLen = n('mv_k', 1);
  const opStages = n('operand_register_stages');
  const widths = n('dequant_weight_widths', 1);
  const s = sfuUnit(spec);
  const sn = (k: string, min = 0) => attrNum(s.name, s.attrs, k, min);
  const dtype = s.attrs.dtype;
  if (typeof dtype !== 'string') throw new UserError(`${s.name}: attr dtype is missing (the SFU's number format)`);
  const lanes = s.lanes! * s.count!;
  const parts = [
    part('sparse selection', dsps, sparseSelector(c, m, actBits, macsPerDsp, opStages), `a DSP: ${macsPerDsp} x ${actBits}-bit ${m}:1 mux (${Math.ceil(m / c.muxInputsPerLut)} LUT6 a bit), a ${Math.ceil(Math.log2(m))}-bit index register`),
    part('dequantisation', dsps, dequantiser(c, widths, actBits, opStages), `a DSP: ${actBits} INT8 bits, each a ${widths}:1 choice of code bits`),
    part('chain input register', Math.ceil(dsps / chainLen), chainInputRegister(chainLen, m, actBits, macsPerDsp, n('chain_input_register_stages')), `a chain of ${chainLen} DSPs: ${chainLen / SMALLEST_N} blocks of ${m} candidates x ${macsPerDsp} x ${actBits} bits`),
  ];
  const stages = n('buffer_read_register_stages');
  for (const b of overlayBuffers(spec)) parts.push(part(`${b.name} buffer read data`, cores, bufferReadRegisters(b.banks, b.widthBits, stages), `a core: ${b.banks} banks x ${b.widthBits} bits`));
  parts.push(part('SFU lane', lanes, sfuLane(c, dtype, sn('logic_exp_macs'), sn('logic_div_macs'), sn('logic_addmul_macs'), reduction), `${dtype}: ${sn('logic_exp_macs')} + ${sn('logic_div_macs')} MACs (exp, div), ${sn('logic_addmul_macs')} accumulating ${reduction}, a max`));
  return parts;
}
