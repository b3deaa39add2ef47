// Unit conversion against values worked out by hand: the spec must hold base units only.
import { describe, expect, it } from 'vitest';
import { parseTarget, type TargetSpec } from '../../targets/spec';

function spec(body: string, clock = '940 MHz'): TargetSpec {
  const text = `target u "units" {\n  clock = ${clock}\n${body}}\n`;
  const r = parseTarget(text, 'u.arch');
  expect(r.diagnostics).toEqual([]);
  return r.spec!;
}

const memWith = (fields: string) => spec(`  memory M : sram { ${fields} }\n  compute C : vector { lanes = 1 }\n  link M -> C\n`).memories[0];
const mem = (fields: string) => memWith(`capacity = 1 KiB; ${fields}`);

describe('.arch units', () => {
  it('frequencies in Hz', () => {
    expect(spec(`  memory M : sram { capacity = 1 B }\n  compute C : vector { lanes = 1 }\n  link M -> C\n`).clockHz).toBe(940_000_000);
    for (const [text, hz] of [
      ['1.41 GHz', 1_410_000_000],
      ['225 MHz', 225_000_000],
      ['32 kHz', 32_000],
      ['7 Hz', 7],
    ] as const)
      expect(spec(`  memory M : sram { capacity = 1 B }\n  compute C : vector { lanes = 1 }\n  link M -> C\n`, text).clockHz).toBe(hz);
  });

  it('sizes in bytes: binary and decimal prefixes, bits', () => {
    const cases: [string, number][] = [
      ['16 MiB', 16_777_216],
      ['24 MiB', 25_165_824],
      ['108 KiB', 110_592],
      ['8 GiB', 8_589_934_592],
      ['1.5 TiB', 1_649_267_441_664],
      ['8 GB', 8_000_000_000],
      ['64 KB', 64_000],
      ['3 MB', 3_000_000],
      ['2 TB', 2_000_000_000_000],
      ['4096 bit', 512],
      ['288 Kibit', 36_864],
      ['520 / 1040 MiB', 524_288],
      ['4096 * 256 * 32 bit', 4_194_304],
      ['(12 + 224 + 24) * 16 bit', 520],
    ];
    for (const [text, bytes] of cases) expect(memWith(`capacity = ${text}`).capacityBytes, text).toBe(bytes);
  });

  it('widths in bits', () => {
    expect(mem('width = 4096 bit').widthBits).toBe(4096);
    expect(mem('width = 64 B').widthBits).toBe(512);
  });

  it('bandwidths in bytes per second', () => {
    const cases: [string, number][] = [
      ['400 GiB/s', 429_496_729_600],
      ['34 GB/s', 34_000_000_000],
      ['1555 GB/s', 1_555_000_000_000],
      ['3.35 TB/s', 3_350_000_000_000],
      ['1 TiB/s', 1_099_511_627_776],
      ['32 * 14.375 GB/s', 460_000_000_000],
      ['8 bit/s', 1],
      ['100 Gbit/s', 12_500_000_000],
      ['5 MiB/s', 5_242_880],
    ];
    for (const [text, bps] of cases) expect(mem(`bandwidth = ${text}`).bandwidthBytesPerSecond, text).toBe(bps);
  });

  it('energies in pJ per byte, including per bit and per access (with the width)', () => {
    expect(mem('energy = 2 pJ/B').readEnergyPjPerByte).toBe(2);
    expect(mem('energy = 3.9 pJ/bit').readEnergyPjPerByte).toBeCloseTo(31.2, 12);
    expect(mem('energy = 500 fJ/B').writeEnergyPjPerByte).toBeCloseTo(0.5, 12);
    expect(mem('energy = 1 nJ/B').readEnergyPjPerByte).toBe(1000);
    // 100 pJ per 64-bit (8-byte) access = 12.5 pJ/B
    const m = mem('width = 64 bit; energy = 100 pJ/access');
    expect(m.readEnergyPjPerByte).toBe(12.5);
    expect(m.writeEnergyPjPerByte).toBe(12.5);
    // 2.6 nJ per 64-bit access = 325 pJ/B
    expect(mem('width = 64 bit; read_energy = 2.6 nJ/access').readEnergyPjPerByte).toBeCloseTo(325, 10);
    const rw = mem('energy = 1 pJ/B; write_energy = 3 pJ/B');
    expect([rw.readEnergyPjPerByte, rw.writeEnergyPjPerByte]).toEqual([1, 3]);
  });

  it('latencies in whole cycles; a time is rounded up at the target clock', () => {
    expect(mem('latency = 12 cycles').latencyCycles).toBe(12);
    expect(mem('latency = 1 cycle').latencyCycles).toBe(1);
    // 10 ns at 940 MHz = 9.4 cycles -> 10
    expect(mem('latency = 10 ns').latencyCycles).toBe(10);
    // 100 ns at 940 MHz = 94 cycles exactly (no spurious round-up from floating point)
    expect(mem('latency = 100 ns').latencyCycles).toBe(94);
  });

  it('MAC energy in pJ and attributes in base units with their unit recorded', () => {
    const s = spec(
      `  attr peak = 989 TFLOP/s\n  attr int8 = 624 TOP/s\n  attr n = 6\n  attr note = "a b"\n  attr fast = true\n  memory M : sram { capacity = 1 KiB; attr chan_bw = 14.375 GB/s }\n  compute C : vector { lanes = 1; mac_energy = 230 fJ; attr tc_area = 0.187 }\n  link M -> C\n`,
    );
    expect(s.attrs).toEqual({ peak: 989e12, int8: 624e12, n: 6, note: 'a b', fast: true });
    expect(s.attrUnits).toEqual({ peak: 'FLOP/s', int8: 'FLOP/s' });
    expect(s.memories[0].attrs).toEqual({ chan_bw: 14_375_000_000 });
    expect(s.memories[0].attrUnits).toEqual({ chan_bw: 'B/s' });
    expect(s.computes[0].macEnergyPj).toBeCloseTo(0.23, 12);
    expect(s.computes[0].attrs).toEqual({ tc_area: 0.187 });
  });

  it('parameters with units, arithmetic on plain parameters, and overrides', () => {
    const text = `target p "params" {\n  param rows = 16\n  param glb = 64 KiB\n  param df = ws\n  clock = 1 GHz\n  memory M : sram { capacity = $glb }\n  compute C : array2d { rows = $rows; cols = $rows * 2; dataflow = $df }\n  link M -> C\n}\n`;
    const a = parseTarget(text, 'p.arch').spec!;
    expect([a.memories[0].capacityBytes, a.computes[0].rows, a.computes[0].cols, a.computes[0].dataflow]).toEqual([65_536, 16, 32, 'ws']);
    expect(a.params).toEqual({ rows: 16, glb: 65_536, df: 'ws' });
    expect(a.paramUnits).toEqual({ glb: 'B' });
    const b = parseTarget(text, 'p.arch', { rows: 128, glb: '2 MiB', df: 'os' }).spec!;
    expect([b.memories[0].capacityBytes, b.computes[0].rows, b.computes[0].cols, b.computes[0].dataflow]).toEqual([2_097_152, 128, 256, 'os']);
  });

  it('memories stay in the order written (outermost first)', () => {
    const s = spec(
      `  memory D : ddr { bandwidth = 1 GB/s }\n  memory H : hbm { bandwidth = 2 GB/s }\n  memory S : sram { capacity = 1 KiB }\n  memory R : regfile { capacity = 64 B }\n  compute C : vector { lanes = 1 }\n  link D -> H -> S -> R -> C\n`,
    );
    expect(s.memories.map((m) => m.name)).toEqual(['D', 'H', 'S', 'R']);
    expect(s.links.map((l) => [l.from, l.to])).toEqual([
      ['D', ['H']],
      ['H', ['S']],
      ['S', ['R']],
      ['R', ['C']],
    ]);
  });
});
