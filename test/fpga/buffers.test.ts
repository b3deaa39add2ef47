// FlightLLM's on-chip buffers (artifact profile/config.yaml, copied into the u280 and vhk158 .arch files) and the
// URAM / block RAM they take, against counts derived by hand from the primitives' shapes: URAM288 is 72 x 4096;
// a BRAM36 is 512 x 72, 1K x 36, 2K x 18, 4K x 9, 8K x 4, 16K x 2 or 32K x 1 (UG573); a bank is addressed on its
// own, so banks never share a RAM.
import { describe, expect, it } from 'vitest';
import { loadBuiltinTarget, type TargetSpec } from '../../targets/spec';
import { overlayBuffers } from '../../sim/fpga/buffers';
import { bram36, bufferBlocks, uram } from '../../sim/fpga/resources';
import { DiagnosticError } from '../../compiler/ir/diagnostic';
import { reproFlightllm } from '../../compiler/driver/commands/repro-flightllm';

const byName = (spec: TargetSpec) => Object.fromEntries(overlayBuffers(spec).map((b) => [b.name, b]));

describe('FlightLLM buffers from the .arch', () => {
  it('the attributes are the artifact config.yaml figures (bytes there, bits here)', () => {
    for (const t of ['u280', 'vhk158']) {
      const b = byName(loadBuiltinTarget(t));
      // A_BUFFER_DEPTH 4096, PER_BANK_WIDTH_B 16, MM_PER_CHANNEL_BANK_NUM 16, HBM_CHANNEL_NUM 8
      expect(b.a).toMatchObject({ depth: 4096, widthBits: 128, banksPerChannel: 16, channels: 8, banks: 128, kind: 'uram' });
      // B_BUFFER_DEPTH 4096, MM_BANK_WIDTH_B 32, one bank, one channel
      expect(b.b).toMatchObject({ depth: 4096, widthBits: 256, banks: 1, kind: 'uram' });
      // GLOBAL_BUFFER_DEPTH 512, PER_BANK_WIDTH_B 16, 16 banks x 8 channels: shallower than a URAM, so block RAM
      expect(b.global).toMatchObject({ depth: 512, widthBits: 128, banks: 128, kind: 'bram' });
      expect(b.meta).toMatchObject({ depth: 4096, widthBits: 128, banks: 1, kind: 'uram' });
      expect(b.fsb).toMatchObject({ depth: 4096, widthBits: 8, banks: 1, kind: 'uram' });
      expect(b.bias).toMatchObject({ depth: 4096, widthBits: 512, banks: 1, kind: 'uram' });
      expect(Object.keys(b).sort()).toEqual(['a', 'b', 'bias', 'fsb', 'global', 'meta']);
    }
  });

  it('blocks per bank, by hand', () => {
    // A bank, 128 x 4096: URAM ceil(128/72) = 2 wide, 1 deep = 2; as BRAM36 the 4K x 9 shape takes ceil(128/9) = 15
    // (2K x 18: 8 x 2 = 16; 1K x 36: 4 x 4 = 16; 512 x 72: 2 x 8 = 16)
    expect(uram(128, 4096)).toBe(2);
    expect(bram36(128, 4096)).toBe(15);
    // B, 256 x 4096: ceil(256/72) = 4 URAM
    expect(uram(256, 4096)).toBe(4);
    // global bank, 128 x 512: the 512x72 shape, ceil(128/72) = 2 BRAM36 (1Kx36 would take 4)
    expect(bram36(128, 512)).toBe(2);
    // meta, 128 x 4096: as an A bank, 2 URAM; FSB and bias below
    // FSB, 8 x 4096: 1 URAM; in block RAM one BRAM36 in its 4K x 9 shape
    expect(uram(8, 4096)).toBe(1);
    expect(bram36(8, 4096)).toBe(1);
    // bias, 512 x 4096: ceil(512/72) = 8 URAM; in block RAM 4Kx9 gives ceil(512/9) = 57 (2Kx18: 29 x 2 = 58,
    // 1Kx36: 15 x 4 = 60, 512x72: 8 x 8 = 64)
    expect(uram(512, 4096)).toBe(8);
    expect(bram36(512, 4096)).toBe(57);
  });

  it('a core needs 271 URAM and 256 BRAM36; the u280 (3 cores) 813 and 768, the vhk158 (4 cores) 1,084 and 1,024', () => {
    for (const [t, cores] of [['u280', 3], ['vhk158', 4]] as const) {
      let u = 0;
      let b = 0;
      for (const x of overlayBuffers(loadBuiltinTarget(t))) {
        const r = bufferBlocks({ ...x, banks: x.banks * cores });
        u += r.uram;
        b += r.bram36;
      }
      // per core: A 128 x 2 + B 4 + meta 2 + FSB 1 + bias 8 = 271 URAM; global 128 x 2 = 256 BRAM36
      expect([u, b]).toEqual([271 * cores, 256 * cores]);
    }
  });

  it('repro flightllm: the resource rows beside the paper, shell added (LUT/FF hand-derived in logic.test.ts)', () => {
    const r = reproFlightllm().resources;
    const row = (k: string) => r.u280.rows.find((x) => x.resource === k)!;
    expect(r.u280.cores).toBe(3);
    expect(row('uram')).toMatchObject({ overlay: 813, shell: 0, total: 813, device: 960, paper: 792 });
    expect(row('uram').relError).toBeCloseTo(813 / 792 - 1, 12);
    // 768 + the xdma shell's 195.5
    expect(row('bram36')).toMatchObject({ overlay: 768, shell: 195.5, total: 963.5, device: 2016, paper: 1252 });
    expect(row('lut')).toMatchObject({ shell: 107629, paper: 574000 });
    expect(row('ff')).toMatchObject({ shell: 136086, paper: 943000 });
    expect(r.u280.buffers.find((b) => b.name === 'a')).toEqual({ name: 'a', banksPerCore: 128, widthBits: 128, depth: 4096, ram: 'URAM', blocksPerBank: 2, total: 768 });
    // DSP58: 4 matrix engines of 4096 INT8 MACs, 3 a DSP58 (INT8 dot-product mode): 4 x ceil(4096 / 3) = 4 x 1,366
    expect(r.vhk158).toMatchObject({ cores: 4, uram: 1084, bram36: 1024, dsp58: 5464 });
    expect(r.vhk158).toMatchObject({ totals: { uram: 1301, bram36: 2541, dsp58: 7392 }, fits: true });
    expect(r.vhk158.note).toMatch(/^the XCVH1582's totals from a secondary source/);
  });

  it('a buffer attribute that is missing or has no unit is refused plainly', () => {
    const broken = (edit: (a: Record<string, unknown>, units: Record<string, string>) => void) => {
      const s = structuredClone(loadBuiltinTarget('u280'));
      const u = s.computes.find((c) => c.kind === 'dsp')!;
      edit(u.attrs, (u.attrUnits ??= {}));
      return () => overlayBuffers(s);
    };
    expect(broken((a) => delete a.b_buffer_channels)).toThrow(DiagnosticError);
    expect(broken((a) => delete a.b_buffer_channels)).toThrow(/attr b_buffer_channels is missing/);
    // a bare 16: bits or bytes? refused rather than guessed
    expect(broken((_, units) => delete units.meta_buffer_bank_width)).toThrow(/attr meta_buffer_bank_width = 16 must be a size with its unit, e\.g\. 16 B/);
    expect(broken((a) => delete a.buffer_uram_depth)).toThrow(/attr buffer_uram_depth = undefined must be a positive integer/);
    expect(broken((a) => (a.a_buffer_banks = 2.5))).toThrow(/attr a_buffer_banks = 2.5 must be a positive integer/);
  });
});
