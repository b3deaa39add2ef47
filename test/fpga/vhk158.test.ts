import { describe, expect, it } from 'vitest';
import { loadBuiltinTarget } from '../../targets/spec';
import { checkFit, fpgaDevice } from '../../sim/fpga/resources';
import { UserError } from '../../compiler/driver/user-error';
import { vhk158Fit } from '../../compiler/driver/commands/repro-flightllm-resources';

describe('vhk158 target', () => {
  it('HBM2e: 32 pseudo-channels, 819.2 GB/s, 32 GiB; DSP58; 225 MHz', () => {
    const s = loadBuiltinTarget('vhk158');
    const hbm = s.memories.find((m) => m.name === 'HBM')!;
    expect(hbm.bandwidthBytesPerSecond).toBeCloseTo(819.2e9, -3);
    expect(hbm.capacityBytes).toBe(32 * 2 ** 30);
    expect(hbm.attrs.pseudo_channels).toBe(32);
    expect(s.attrs.dsp_kind).toBe('dsp58');
    expect(s.clockHz).toBe(225e6);
  });
  it('XCVH1582 totals from the .arch (a secondary source, Wikipedia\'s Versal table), no shell', () => {
    const d = fpgaDevice(loadBuiltinTarget('vhk158'));
    expect(d.dspKind).toBe('dsp58');
    // 219,248 SLICEs x 8 LUT6; UG1273: 64 FFs per 32 LUTs
    expect(d.totals).toEqual({ lut: 219248 * 8, ff: 2 * 219248 * 8, bram36: 2541, uram: 1301, dsp: 7392 });
    expect(d.shell).toEqual({ lut: 0, ff: 0, bram36: 0, uram: 0, dsp: 0 });
  });
  it('the fit check: FlightLLM\'s 4 cores fit; a fifth core, or an engine too wide, is refused naming the resource', () => {
    const d = fpgaDevice(loadBuiltinTarget('vhk158'));
    // a core: URAM 256 (A) + 4 (B) + 2 (meta) + 1 (FSB) + 8 (bias) = 271; BRAM36 128 banks x 2 = 256; DSP58 ceil(4096/3) = 1,366
    expect(vhk158Fit(4, 11008)).toEqual({ totals: { uram: 1301, bram36: 2541, dsp58: 7392 }, fits: true, verdict: 'fits' });
    expect([4 * 271, 4 * 256, 4 * 1366]).toEqual([1084, 1024, 5464]);
    // 5 cores: 5 x 271 = 1,355 URAM > 1,301 (BRAM 1,280 and DSP58 6,830 would fit)
    expect(vhk158Fit(5, 11008)).toMatchObject({ fits: false, verdict: 'vhk158: the design needs 1,355 URAM blocks, the device has 1,301 (1,301 after the platform shell\'s 0)' });
    // one engine of 3 x 7,392 + 1 INT8 MACs needs ceil(22177 / 3) = 7,393 DSP58
    const wide = { engines: [{ name: 'MPE', macs: 3 * 7392 + 1, weight: 'int8', activation: 'int8', dotLength: 4096, impl: 'dsp' as const }], buffers: [], tensors: [] };
    expect(() => checkFit(d, wide)).toThrow(UserError);
    expect(() => checkFit(d, wide)).toThrow('vhk158: the design needs 7,393 DSP58 slices, the device has 7,392 (7,392 after the platform shell\'s 0)');
    expect(checkFit(d, { ...wide, engines: [{ ...wide.engines[0]!, macs: 3 * 7392 }] }).used.dsp).toBe(7392);
  });
  it('its URAM memory is the overlay\'s URAM buffers, not a total copied from the u280: 4 cores x (A 128 banks x 2 + B 4 + meta 2 + FSB 1 + bias 8) = 1,084 URAM288', () => {
    const uram = loadBuiltinTarget('vhk158').memories.find((m) => m.name === 'URAM')!;
    expect(4 * (128 * 2 + 4 + 2 + 1 + 8)).toBe(1084);
    expect(uram.capacityBytes).toBe((1084 * 288 * 1024) / 8);
    expect(uram.banks).toBe(1084);
  });
});
