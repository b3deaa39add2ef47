import { describe, expect, it } from 'vitest';
import { loadBuiltinTarget } from '../../targets/spec';
import { accumulatorBits, bram36, checkFit, dspSlices, engineResources, fpgaDevice, uram, type DesignDesc } from '../../sim/fpga/resources';
import { parseFormat } from '../../compiler/quant/format';
import { UserError } from '../../compiler/driver/user-error';

const u280 = () => fpgaDevice(loadBuiltinTarget('u280'));

describe('FPGA resources: hand-derived counts', () => {
  it('u280 device totals and shell share come from the .arch', () => {
    const d = u280();
    expect(d.dspKind).toBe('dsp48e2');
    expect(d.totals).toEqual({ lut: 1303680, ff: 2607360, bram36: 2016, uram: 960, dsp: 9024 });
    expect(d.shell).toEqual({ lut: 107629, ff: 136086, bram36: 195.5, uram: 0, dsp: 4 });
    expect(d.hbmChannels).toBe(32);
    expect(d.hbmChannelBytes).toBe(256 * 2 ** 20);
  });

  it('block RAM and URAM per buffer', () => {
    // 16 x 512 fits one BRAM18 (18 x 1024): half a BRAM36
    expect(bram36(16, 512)).toBe(0.5);
    // 36 x 512 is the BRAM18's wide aspect: one BRAM18
    expect(bram36(36, 512)).toBe(0.5);
    // 64 x 1024: 72 x 512 aspect -> 1 x 2 = 2; 36 x 1024 aspect -> 2 x 1 = 2
    expect(bram36(64, 1024)).toBe(2);
    // 128 x 2048: 36x1024 -> 4 x 2 = 8; 72x512 -> 2 x 4 = 8
    expect(bram36(128, 2048)).toBe(8);
    // 512 x 512 (wide, shallow): 72x512 -> 8 x 1 = 8 (36x1024 would take 15)
    expect(bram36(512, 512)).toBe(8);
    // 8 x 4096 (narrow, deep): the 4K x 9 aspect (UG573) holds it in one BRAM36 (36x1024 would take 4)
    expect(bram36(8, 4096)).toBe(1);
    // 1 x 32768: the 32K x 1 aspect, one BRAM36; 1 x 16384 fits one BRAM18 (16K x 1)
    expect(bram36(1, 32768)).toBe(1);
    expect(bram36(1, 16384)).toBe(0.5);
    // 20 x 4096: 4K x 9 -> 3; 2K x 18 -> 2 x 2 = 4; 1K x 36 -> 4: 3
    expect(bram36(20, 4096)).toBe(3);
    // URAM288 is 72 x 4096
    expect(uram(72, 4096)).toBe(1);
    expect(uram(128, 4096)).toBe(2);
    expect(uram(1024, 16384)).toBe(15 * 4);
    expect(uram(8, 100)).toBe(1);
  });

  it('DSP slices: INT8 packing on DSP48E2, dot product on DSP58, wider operands', () => {
    // FlightLLM MM mode, 4096 INT8 MACs at 2 per DSP48E2
    expect(dspSlices('dsp48e2', 4096, 8, 8)).toBe(2048);
    expect(dspSlices('dsp48e2', 3, 4, 8)).toBe(2);
    // 16 x 16 fits 27 x 18 once
    expect(dspSlices('dsp48e2', 10, 16, 16)).toBe(10);
    // 32 x 32: ceil(32/27) * ceil(32/18) = 2 x 2
    expect(dspSlices('dsp48e2', 1, 32, 32)).toBe(4);
    // DSP58 INT8 mode: 3-element dot product
    expect(dspSlices('dsp58', 4096, 8, 8)).toBe(1366);
    // 24 x 24 fits 27 x 24
    expect(dspSlices('dsp58', 5, 24, 24)).toBe(5);
  });

  it('accumulator widths follow the minifloat paper', () => {
    // int8 x int8 over n = 4096: 8 + 8 + 12 + 1
    expect(accumulatorBits(parseFormat('int8'), parseFormat('int8'), 4096)).toBe(29);
    // int4 x int8 over 16: 4 + 8 + 4 + 1
    expect(accumulatorBits(parseFormat('int4'), parseFormat('int8'), 16)).toBe(17);
    // e4m3 x e4m3 over 64: 16 + 3 + 16 + 3 + 6 - 1
    expect(accumulatorBits(parseFormat('e4m3'), parseFormat('e4m3'), 64)).toBe(43);
    // e2m1 x e2m1 over 32: 4 + 1 + 4 + 1 + 5 - 1
    expect(accumulatorBits(parseFormat('fp4e2m1'), parseFormat('fp4e2m1'), 32)).toBe(14);
  });

  it('fabric MACs: LUTs and FFs', () => {
    const d = u280();
    // int4 x int4, n = 16: acc 4+4+4+1 = 13; LUT 4*4 + 13 = 29; FF 13 + 8 = 21; 100 MACs
    expect(engineResources(d, { name: 'f', macs: 100, weight: 'int4', activation: 'int4', dotLength: 16, impl: 'fabric' })).toEqual({ dsp: 0, lut: 2900, ff: 2100, accBits: 13 });
    // e2m1 x e2m1, n = 32: acc 14; product 2*2 = 4; exponent adder 2+2+1 = 5; shifter 14*ceil(4/2) = 28; adder 14
    // LUT 4 + 5 + 28 + 14 = 51; FF 14 + 4 + 5 = 23
    expect(engineResources(d, { name: 'g', macs: 1, weight: 'fp4e2m1', activation: 'fp4e2m1', dotLength: 32, impl: 'fabric' })).toEqual({ dsp: 0, lut: 51, ff: 23, accBits: 14 });
  });

  it('a design that fits; HBM channels per tensor', () => {
    const d = u280();
    const design: DesignDesc = {
      engines: [{ name: 'MPE', macs: 4096, weight: 'int8', activation: 'int8', dotLength: 4096, impl: 'dsp' }],
      buffers: [{ name: 'act', widthBits: 128, depth: 4096, kind: 'uram' }, { name: 'w', widthBits: 512, depth: 512, kind: 'bram' }],
      tensors: [{ name: 'weights', bytes: 3.5 * 2 ** 30 }, { name: 'kv', bytes: 2 ** 29 }],
    };
    const r = checkFit(d, design);
    expect(r.used).toEqual({ dsp: 2048, lut: 0, ff: 0, bram36: 8, uram: 2 });
    expect(r.hbm).toEqual([{ name: 'weights', channels: 14 }, { name: 'kv', channels: 2 }]);
  });

  it('over budget: the resource, the need and the total', () => {
    const d = u280();
    const wide: DesignDesc = { engines: [{ name: 'MPE', macs: 20000, weight: 'int8', activation: 'int8', dotLength: 16, impl: 'dsp' }], buffers: [], tensors: [] };
    expect(() => checkFit(d, wide)).toThrow(UserError);
    expect(() => checkFit(d, wide)).toThrow('u280: the design needs 10,000 DSP48E2 slices, the device has 9,024 (9,020 after the platform shell\'s 4)');
    const fp16: DesignDesc = { engines: [], buffers: [], tensors: [{ name: 'weights', bytes: 13.5e9 }] };
    expect(() => checkFit(d, fp16)).toThrow(/needs 51 HBM pseudo-channels .* the device has 32 of 256 MiB/);
  });

  it('bit widths with no resource model are refused plainly', () => {
    const d = u280();
    expect(() => engineResources(d, { name: 'm', macs: 1, weight: 'int4', activation: 'e4m3', dotLength: 16, impl: 'fabric' })).toThrow(/int4 by e4m3 has no resource model/);
    expect(() => engineResources(d, { name: 'm', macs: 1, weight: 'e4m3', activation: 'e4m3', dotLength: 16, impl: 'dsp' })).toThrow(/on DSP slices has no resource model/);
    expect(() => engineResources(d, { name: 'm', macs: 1, weight: 'int77', activation: 'int8', dotLength: 16, impl: 'fabric' })).toThrow(UserError);
  });
});
