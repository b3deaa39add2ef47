// The built-in targets: each parses cleanly, round-trips through the printer, cites a source for
// every number, and holds the published figures (checked here against REFERENCES.md and the
// papers, written out by hand).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { archBaseResolver, builtinTargetFiles, loadBuiltinTarget, parseTarget, printTarget, targetsEqual, type TargetSpec } from '../../targets/spec';

const EXPECTED = ['a100', 'eyeriss-like', 'flat', 'fusemax', 'h100', 'lut-tc', 'sn40l', 'systolic', 'tpu-v1', 'u280'];

const mem = (s: TargetSpec, name: string) => s.memories.find((m) => m.name === name)!;
const cmp = (s: TargetSpec, name: string) => s.computes.find((c) => c.name === name)!;

describe('built-in targets', () => {
  it('are every folder targets/NAME/ holding NAME.arch (adding a folder is the whole change), these among them', () => {
    const dir = join(import.meta.dirname, '../../targets');
    const folders = readdirSync(dir).filter((n) => existsSync(join(dir, n, `${n}.arch`))).sort();
    expect(builtinTargetFiles().map((t) => t.name)).toEqual(folders);
    for (const n of EXPECTED) expect(folders).toContain(n);
  });

  for (const { name, path } of builtinTargetFiles()) {
    describe(name, () => {
      const text = readFileSync(path, 'utf8');
      // resolved as the loader resolves it: `extends` finds the base target's file
      const r = parseTarget(text, path, {}, { resolveBase: archBaseResolver });

      it('parses with no diagnostics, named after its folder', () => {
        expect(r.diagnostics).toEqual([]);
        expect(r.spec?.name).toBe(name);
      });

      it('round-trips through the printer', () => {
        const printed = printTarget(r.spec!);
        const again = parseTarget(printed, 'printed.arch');
        expect(again.diagnostics).toEqual([]);
        expect(targetsEqual(again.spec!, r.spec!)).toBe(true);
        expect(printTarget(again.spec!)).toBe(printed);
      });

      it('cites a source for every number it writes', () => {
        const lines = text.split('\n');
        expect(lines[0].startsWith('#')).toBe(true);
        const uncited = lines.filter((l) => !/^\s*#/.test(l) && /=[^#]*\d/.test(l) && !l.includes('#'));
        expect(uncited).toEqual([]);
      });
    });
  }

  it('fusemax: REFERENCES.md FuseMax architecture', () => {
    const s = loadBuiltinTarget('fusemax');
    expect(s.clockHz).toBe(940e6);
    expect(mem(s, 'DRAM').bandwidthBytesPerSecond).toBe(400 * 2 ** 30);
    expect(mem(s, 'GLB').capacityBytes).toBe(16 * 2 ** 20);
    expect(mem(s, 'GLB').banks).toBe(32);
    expect([cmp(s, 'PE2D').rows, cmp(s, 'PE2D').cols, cmp(s, 'PE2D').regs, cmp(s, 'PE1D').lanes]).toEqual([256, 256, 16, 256]);
    expect(s.attrs.exp_macs).toBe(6);
    expect(s.attrs.word_bits).toBe(16);
  });

  it('flat: same array with 1-deep registers and a 32 MiB buffer', () => {
    const s = loadBuiltinTarget('flat');
    expect(mem(s, 'GLB').capacityBytes).toBe(32 * 2 ** 20);
    expect(cmp(s, 'PE2D').regs).toBe(1);
    expect([cmp(s, 'PE2D').rows, cmp(s, 'PE2D').cols, cmp(s, 'PE1D').lanes]).toEqual([256, 256, 256]);
  });

  it('tpu-v1: Jouppi et al. ISCA 2017', () => {
    const s = loadBuiltinTarget('tpu-v1');
    expect(s.clockHz).toBe(700e6);
    const mxu = cmp(s, 'MXU');
    expect([mxu.rows, mxu.cols, mxu.dataflow]).toEqual([256, 256, 'ws']);
    expect(mem(s, 'UB').capacityBytes).toBe(24 * 2 ** 20);
    expect(mem(s, 'DDR3').capacityBytes).toBe(8 * 2 ** 30);
    expect(mem(s, 'DDR3').bandwidthBytesPerSecond).toBe(34e9);
    expect(mem(s, 'ACC').capacityBytes).toBe(4 * 2 ** 20);
    // 256 x 256 MACs x 2 ops x 700 MHz = 91.75 TOP/s, the paper's "92 TeraOps/s"
    expect((256 * 256 * 2 * 700e6) / (s.attrs.peak_int8 as number)).toBeCloseTo(1, 2);
  });

  it('eyeriss-like: 12x14 PEs and a 108 KB global buffer', () => {
    const s = loadBuiltinTarget('eyeriss-like');
    expect([cmp(s, 'PE').rows, cmp(s, 'PE').cols]).toEqual([12, 14]);
    expect(mem(s, 'GLB').capacityBytes).toBe(108 * 1024);
    expect(mem(s, 'SPAD').instances).toBe(168);
    expect(mem(s, 'SPAD').capacityBytes).toBe(520);
    // ISCA 2016 Fig. 1 ratios survive the conversion to pJ/B: DRAM 200x, GLB 6x, RF 1x
    expect(mem(s, 'DRAM').readEnergyPjPerByte! / mem(s, 'SPAD').readEnergyPjPerByte!).toBe(200);
    expect(mem(s, 'GLB').readEnergyPjPerByte! / mem(s, 'SPAD').readEnergyPjPerByte!).toBe(6);
  });

  it('sn40l: three tiers, 520 MiB of PMU SRAM, 1040 PCUs, 638 TFLOP/s', () => {
    const s = loadBuiltinTarget('sn40l');
    expect(s.memories.map((m) => m.kind)).toEqual(['ddr', 'hbm', 'sram']);
    expect(mem(s, 'DDR').capacityBytes).toBe(1.5 * 2 ** 40);
    expect(mem(s, 'HBM').capacityBytes).toBe(64 * 2 ** 30);
    expect(mem(s, 'PMU').capacityBytes! * mem(s, 'PMU').instances!).toBe(520 * 2 ** 20);
    expect(cmp(s, 'PCU').count).toBe(1040);
    expect(s.attrs.peak_bf16).toBe(638e12);
    const modelled = cmp(s, 'PCU').count! * cmp(s, 'PCU').lanes! * 2 * s.clockHz;
    expect(Math.abs(modelled / 638e12 - 1)).toBeLessThan(0.005);
  });

  it('u280: FlightLLM settings and 460 GB/s of HBM in 32 pseudo-channels', () => {
    const s = loadBuiltinTarget('u280');
    expect(s.clockHz).toBe(225e6);
    const hbm = mem(s, 'HBM');
    expect(hbm.capacityBytes).toBe(8 * 2 ** 30);
    expect(hbm.bandwidthBytesPerSecond).toBe(460e9);
    expect([hbm.attrs.pseudo_channels, hbm.attrs.efficiency_in_channel, hbm.attrs.efficiency_cross_channel]).toEqual([32, 0.7, 0.35]);
    const mpe = cmp(s, 'MPE');
    // N2 x K16 x M128 MACs per cycle, built from groups of 2 DSP48s with 2 INT8 MACs each
    expect(mpe.lanes! * mpe.count!).toBe(2 * 16 * 128);
    expect(mpe.lanes).toBe((mpe.attrs.dsps_per_group as number) * (mpe.attrs.macs_per_dsp as number));
  });

  it('lut-tc: Table 1 peaks for 4X and 8X', () => {
    // [LUT] Table 1 at 1.41 GHz: 1248 and 2496 TOPs, one MAC per array element per cycle
    for (const [scale, peak] of [[4, 1248e12], [8, 2496e12]] as const) {
      const s = loadBuiltinTarget('lut-tc', { scale });
      const c = cmp(s, 'LTC');
      expect(Math.abs((c.count! * c.lanes! * 2 * s.clockHz) / peak - 1)).toBeLessThan(0.005);
    }
  });

  it('a100: whitepaper figures (40 GB part)', () => {
    const s = loadBuiltinTarget('a100');
    expect(s.clockHz).toBe(1.41e9);
    expect(cmp(s, 'SM').count).toBe(108);
    expect(mem(s, 'HBM').bandwidthBytesPerSecond).toBe(1.555e12);
    expect(mem(s, 'L2').capacityBytes).toBe(40 * 2 ** 20);
    expect(s.attrs.peak_fp16).toBe(312e12);
    const sm = cmp(s, 'SM');
    expect(Math.abs((sm.lanes! * sm.count! * 2 * s.clockHz) / 312e12 - 1)).toBeLessThan(0.005);
  });

  it('h100: REFERENCES.md figures', () => {
    const s = loadBuiltinTarget('h100');
    expect(cmp(s, 'SM').count).toBe(132);
    expect(mem(s, 'HBM').bandwidthBytesPerSecond).toBe(3.35e12);
    expect(mem(s, 'L2').capacityBytes).toBe(50 * 2 ** 20);
    expect(mem(s, 'SMEM').capacityBytes).toBe(228 * 1024);
    expect(mem(s, 'RF').capacityBytes).toBe(256 * 1024);
    expect([s.attrs.peak_bf16, s.attrs.peak_fp8, s.attrs.peak_tf32]).toEqual([989e12, 1979e12, 495e12]);
    const sm = cmp(s, 'SM');
    expect(Math.abs((sm.lanes! * sm.count! * 2 * (s.attrs.tensor_clock as number)) / 989e12 - 1)).toBeLessThan(0.005);
  });

  it('systolic: SCALE-Sim defaults and overrides', () => {
    const d = loadBuiltinTarget('systolic');
    expect([cmp(d, 'PE').rows, cmp(d, 'PE').cols, cmp(d, 'PE').dataflow, mem(d, 'GLB').capacityBytes]).toEqual([32, 32, 'os', 3 * 64 * 1024]);
    const o = loadBuiltinTarget('systolic', { rows: 128, cols: '64', dataflow: 'ws', glb: '1 MiB', clock: '500 MHz' });
    expect([cmp(o, 'PE').rows, cmp(o, 'PE').cols, cmp(o, 'PE').dataflow, mem(o, 'GLB').capacityBytes, o.clockHz]).toEqual([128, 64, 'ws', 2 ** 20, 5e8]);
    expect(o.params).toMatchObject({ rows: 128, cols: 64, dataflow: 'ws', glb: 2 ** 20 });
  });
});
