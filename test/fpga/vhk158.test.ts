import { describe, expect, it } from 'vitest';
import { loadBuiltinTarget } from '../../targets/spec';
import { fpgaDevice } from '../../sim/fpga/resources';

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
  it('device totals found in no source: none is stated, and the resource check says so plainly instead of inventing them', () => {
    const s = loadBuiltinTarget('vhk158');
    for (const k of ['lut_total', 'ff_total', 'bram36_total', 'uram_total', 'dsp_total']) expect(s.attrs[k]).toBeUndefined();
    expect(() => fpgaDevice(s)).toThrow('target vhk158: attr lut_total is missing');
  });
  it('its URAM memory is the overlay\'s URAM buffers, not a total copied from the u280: 4 cores x (A 128 banks x 2 + B 4 + meta 2 + FSB 1 + bias 8) = 1,084 URAM288', () => {
    const uram = loadBuiltinTarget('vhk158').memories.find((m) => m.name === 'URAM')!;
    expect(4 * (128 * 2 + 4 + 2 + 1 + 8)).toBe(1084);
    expect(uram.capacityBytes).toBe((1084 * 288 * 1024) / 8);
    expect(uram.banks).toBe(1084);
  });
});
