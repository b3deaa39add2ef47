// The overlay's fabric logic (sim/fpga/logic.ts) against counts derived here by hand from UG574's CLB unit
// costs (a LUT6 is a 4:1 mux; MUXF7/F8/F9 join 2/4/8 LUT6 into 8:1/16:1/32:1 with no further LUT; an adder bit
// is one LUT6 on CARRY8; a register bit one flip-flop) and the minifloat paper's accumulator widths.
import { describe, expect, it } from 'vitest';
import { loadBuiltinTarget } from '../../targets/spec';
import { UserError } from '../../compiler/driver/user-error';
import { DiagnosticError } from '../../compiler/ir/diagnostic';
import { adderLuts, bufferReadRegisters, chainInputRegister, clbCosts, dequantiser, muxLuts, overlayLogic, sfuLane, sparseSelector } from '../../sim/fpga/logic';
import { reproFlightllm } from '../../compiler/driver/commands/repro-flightllm';
import { checkFit, fpgaDevice } from '../../sim/fpga/resources';

const u280 = () => loadBuiltinTarget('u280');
const ug574 = { muxInputsPerLut: 4, muxMaxInputs: 32, adderBitsPerLut: 1 };

describe('fabric logic: hand-derived from UG574 unit costs', () => {
  it('the u280 .arch states UG574 unit costs', () => {
    expect(clbCosts(u280())).toEqual(ug574);
  });

  it('muxes and adders', () => {
    // 16:1 per bit = 4 LUT6 + 2 MUXF7 + 1 MUXF8: 4 LUTs; 8 bits = 32
    expect(muxLuts(ug574, 16, 8)).toBe(32);
    // 4:1 fits one LUT6; 5:1 needs two and a MUXF7; 32:1 eight and MUXF7-F9; 2:1 one LUT6 a bit
    expect(muxLuts(ug574, 4, 1)).toBe(1);
    expect(muxLuts(ug574, 5, 1)).toBe(2);
    expect(muxLuts(ug574, 32, 3)).toBe(24);
    expect(muxLuts(ug574, 2, 16)).toBe(16);
    // one input is a wire
    expect(muxLuts(ug574, 1, 8)).toBe(0);
    // wider than one CLB builds: refused, never a guess
    expect(() => muxLuts(ug574, 33, 1)).toThrow(UserError);
    expect(() => muxLuts(ug574, 33, 1)).toThrow(/33:1 mux is wider than one CLB builds \(32:1\)/);
    // a 16-bit comparator: 16 LUT6 on CARRY8
    expect(adderLuts(ug574, 16)).toBe(16);
  });

  it('a sparse selector: one DSP, two packed INT8 activations each one of 16', () => {
    // 2 x (8 bits x 4 LUT6) = 64 LUTs; the kept weight's index log2(16) = 4 bits in FFs; the selected operand
    // goes into the DSP's A/D register (no fabric stage)
    expect(sparseSelector(ug574, 16, 8, 2, 0)).toEqual({ lut: 64, ff: 4 });
    // with one fabric stage on the selected operands: + 2 x 8 FFs
    expect(sparseSelector(ug574, 16, 8, 2, 1)).toEqual({ lut: 64, ff: 20 });
    // 4:1 selection (M = 4) of one 8-bit activation: 8 x 1 LUT, a 2-bit index
    expect(sparseSelector(ug574, 4, 8, 1, 0)).toEqual({ lut: 8, ff: 2 });
  });

  it('a dequantiser to INT8', () => {
    // one code width (4-bit only): sign extension and alignment are wiring
    expect(dequantiser(ug574, 1, 8, 0)).toEqual({ lut: 0, ff: 0 });
    // 2, 3, 4 and 8 bits: each INT8 bit a 4:1 choice of code bits by the width (2 select + 4 data = a LUT6)
    expect(dequantiser(ug574, 4, 8, 0)).toEqual({ lut: 8, ff: 0 });
    // five widths: a 5:1 choice, 2 LUT6 + MUXF7 a bit; a register stage on the operand: 8 FFs
    expect(dequantiser(ug574, 5, 8, 1)).toEqual({ lut: 16, ff: 8 });
  });

  it('an fp16 SFU lane at the fabric minifloat MAC formula', () => {
    // fp16 = e5m10. A multiply-add with no accumulation (n = 1): accumulator 2^5 + 10 + 2^5 + 10 + 0 - 1 = 83
    // bits; LUTs = significand product 11 x 11 = 121 + exponent adder 5 + 5 + 1 = 11 + shifter 83 x
    // ceil(ceil(log2 83) / 2) = 83 x 4 = 332 + adder 83 = 547; FFs = 83 + (10 + 10 + 2) + 11 = 116
    const single = { lut: 121 + 11 + 83 * 4 + 83, ff: 83 + 22 + 11 };
    // accumulating a 4096-long row: 83 + 12 = 95 bits; LUTs 121 + 11 + 95 x ceil(7/2) + 95 = 607; FFs 95 + 22 + 11
    const acc = { lut: 121 + 11 + 95 * 4 + 95, ff: 95 + 22 + 11 };
    expect(single).toEqual({ lut: 547, ff: 116 });
    expect(acc).toEqual({ lut: 607, ff: 128 });
    // max: a 16-bit comparator (16 LUT) and a 16-bit 2:1 mux (16 LUT), its result registered (16 FF)
    const max = { lut: 16 + 16, ff: 16 };
    // 6 MACs for exp, 4 for divide, 1 accumulating add/mul
    expect(sfuLane(ug574, 'fp16', 6, 4, 1, 4096)).toEqual({ lut: 10 * single.lut + acc.lut + max.lut, ff: 10 * single.ff + acc.ff + max.ff });
    expect(sfuLane(ug574, 'fp16', 6, 4, 1, 4096)).toEqual({ lut: 6109, ff: 1304 });
    // bf16 (e8m7), no exp or div, one MAC over 1024 points: acc 2^8 + 7 + 2^8 + 7 + 10 - 1 = 535 bits;
    // LUTs 8 x 8 + 17 + 535 x ceil(10/2) + 535 = 64 + 17 + 2675 + 535; comparator and mux 16 + 16
    expect(sfuLane(ug574, 'bf16', 0, 0, 1, 1024)).toEqual({ lut: 64 + 17 + 2675 + 535 + 32, ff: 535 + 16 + 17 + 16 });
    // an integer SFU has no lane model here: refused plainly
    expect(() => sfuLane(ug574, 'int8', 1, 1, 1, 16)).toThrow(/has a lane model for minifloats only/);
    expect(() => sfuLane(ug574, 'fp17', 1, 1, 1, 16)).toThrow(UserError);
  });

  it('register stages', () => {
    // a chain of 16 DSPs at the smallest N = 2 spans 16 / 2 = 8 blocks of 16 activations, 2 packed x 8 bits
    expect(chainInputRegister(16, 16, 8, 2, 1)).toEqual({ lut: 0, ff: 8 * 16 * 2 * 8 });
    expect(chainInputRegister(16, 16, 8, 2, 0)).toEqual({ lut: 0, ff: 0 });
    // the A buffer's 128 banks of 128 bits, read data registered once: 16,384 FFs; twice: 32,768
    expect(bufferReadRegisters(128, 128, 1)).toEqual({ lut: 0, ff: 16384 });
    expect(bufferReadRegisters(128, 128, 2)).toEqual({ lut: 0, ff: 32768 });
  });

  it('the whole u280 overlay: 3 cores x 2048 DSP48E2, 48 SFU lanes, the buffers', () => {
    const parts = overlayLogic(u280(), 4096);
    const by = Object.fromEntries(parts.map((p) => [p.name, p]));
    const dsps = 3 * 1024 * 2;
    expect(by['sparse selection']).toMatchObject({ instances: dsps, lut: dsps * 64, ff: dsps * 4 });
    expect(by['dequantisation']).toMatchObject({ instances: dsps, lut: dsps * 8, ff: 0 });
    expect(by['chain input register']).toMatchObject({ instances: dsps / 16, lut: 0, ff: (dsps / 16) * 2048 });
    // a core's buffers (FlightLLM artifact config): A and global 128 x 128 bits, B 256, meta 128, FSB 8, bias 512
    const bufferBits = 128 * 128 + 256 + 128 * 128 + 128 + 8 + 512;
    const buf = parts.filter((p) => p.name.endsWith('buffer read data')).reduce((s, p) => s + p.ff, 0);
    expect(buf).toBe(3 * bufferBits);
    expect(by['SFU lane']).toMatchObject({ instances: 48, lut: 48 * 6109, ff: 48 * 1304 });
    const lut = parts.reduce((s, p) => s + p.lut, 0);
    const ff = parts.reduce((s, p) => s + p.ff, 0);
    expect(lut).toBe(dsps * (64 + 8) + 48 * 6109);
    expect(ff).toBe(dsps * 4 + (dsps / 16) * 2048 + 3 * bufferBits + 48 * 1304);
  });

  it('a .arch without the unit costs is refused plainly', () => {
    const spec = u280();
    delete spec.attrs.clb_mux_inputs_per_lut;
    expect(() => overlayLogic(spec, 4096)).toThrow(DiagnosticError);
    expect(() => overlayLogic(spec, 4096)).toThrow(/u280: attr clb_mux_inputs_per_lut is missing/);
    const s2 = u280();
    delete s2.computes.find((c) => c.kind === 'dsp')!.attrs.dequant_weight_widths;
    expect(() => overlayLogic(s2, 4096)).toThrow(/MPE: attr dequant_weight_widths is missing/);
  });
});

describe('the fit check counts the fabric logic', () => {
  it('the u280 overlay fits; twice its LUTs beside the shell do not, refused naming LUTs', () => {
    const dev = fpgaDevice(u280());
    const fabric = overlayLogic(u280(), 4096).map((p) => ({ name: p.name, lut: p.lut, ff: p.ff }));
    const ok = checkFit(dev, { engines: [], buffers: [], tensors: [], fabric });
    expect(ok.used.lut).toBe(3 * 2048 * (64 + 8) + 48 * 6109);
    // 2 x 735,600 = 1,471,200 LUTs against 1,303,680 - 107,629 = 1,196,051
    const twice = [...fabric, ...fabric];
    expect(() => checkFit(dev, { engines: [], buffers: [], tensors: [], fabric: twice })).toThrow(UserError);
    expect(() => checkFit(dev, { engines: [], buffers: [], tensors: [], fabric: twice })).toThrow("u280: the design needs 1,471,200 LUTs, the device has 1,303,680 (1,196,051 after the platform shell's 107,629)");
  });
});

describe('repro flightllm: LUT and FF beside the paper', () => {
  it('overlay + shell against Table 3 (574k LUT, 943k FF)', () => {
    const r = reproFlightllm().resources.u280;
    const row = (k: string) => r.rows.find((x) => x.resource === k)!;
    const lut = 3 * 2048 * (64 + 8) + 48 * 6109;
    expect(row('lut')).toMatchObject({ overlay: lut, shell: 107629, total: lut + 107629, device: 1303680, paper: 574000 });
    expect(row('lut').relError).toBeCloseTo((lut + 107629) / 574000 - 1, 12);
    expect(row('ff').shell).toBe(136086);
    expect(row('ff').total).toBe(row('ff').overlay! + 136086);
    expect(r.logic.map((p) => p.name)).toContain('SFU lane');
    expect(r.logicNotCounted.length).toBeGreaterThan(0);
  });
});
