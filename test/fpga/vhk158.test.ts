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
  it('device totals not cited: the resource check says so plainly instead of inventing them', () => {
    expect(() => fpgaDevice(loadBuiltinTarget('vhk158'))).toThrow('target vhk158: attr lut_total is missing');
  });
});
