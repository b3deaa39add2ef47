// SCALE-Sim as a front end: the .cfg becomes an .arch target (engine scalesim), the topology a cascade
// of GEMM einsums, and the pipeline's Result equals the old direct path (simulateSystolic per layer
// with the SystolicConfig built straight from the .cfg) in cycles, stalls and bytes; `--target` runs a
// topology on any target; bad input exits 1 with a plain message or file:line:col.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { simulateCascade } from '../../compiler/driver/pipeline';
import { printCascade } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';
import { cascadeWorkloads } from '../../compiler/map';
import { ResultSchema } from '../../sim/core/result';
import { layerIdentifiers, parseScaleSimConfig, parseTopology, scaleSimCascade, scaleSimSpec, systolicConfigFromScaleSim, systolicConfigFromSpec, type FoldTiming, type ScaleSimConfig } from '../../sim/spatial/scalesim';
import { simulateSystolic } from '../../sim/spatial/systolic';
import { cycleEngineFor } from '../../targets/engines';
import { loadTargetSpec } from '../../targets/registry';
import { parseTarget, printTarget, targetsEqual } from '../../targets/spec';
import { gemmOf } from '../../targets/spatial-cycle';
import { targetFromSpec } from '../../targets/target';
import { runCli } from '../helpers/cli';

const data = join(import.meta.dirname, '../../data/scalesim');
const read = (f: string) => readFileSync(join(data, f), 'utf8');
const cfgOf = (f: string): ScaleSimConfig => parseScaleSimConfig(read(f), f).config!;
const user = (c: ScaleSimConfig): ScaleSimConfig => ({ ...c, interfaceBandwidth: 'USER' });
const tmp = () => mkdtempSync(join(tmpdir(), 'scalesim-fe-'));

afterEach(() => {
  process.exitCode = undefined;
});

describe('a .cfg becomes a target', () => {
  it('scale.cfg: three 64 KiB SRAMs, a 32×32 os array, 8-bit words, the scalesim engine', () => {
    const s = scaleSimSpec(cfgOf('scale.cfg'));
    expect(s.name).toBe('scale_example_run_32x32_os');
    expect(s.clockHz).toBe(1e9);
    expect(s.attrs).toMatchObject({ word_bits: 8, engine: 'scalesim', fold_timing: 'tessera' });
    expect(s.memories.map((m) => [m.name, m.kind, m.capacityBytes, m.banks])).toEqual([
      ['DRAM', 'dram', undefined, undefined],
      ['IFMAP_SRAM', 'sram', 64 * 1024, 1],
      ['FILTER_SRAM', 'sram', 64 * 1024, 1],
      ['OFMAP_SRAM', 'sram', 64 * 1024, 1],
    ]);
    expect(s.computes).toMatchObject([{ name: 'array', kind: 'array2d', rows: 32, cols: 32, dataflow: 'os' }]);
    // CALC: the bandwidth is the cfg's (10 words/cycle × 1 B × 1 GHz), the engine leaves DRAM unlimited
    expect(s.memories[0]).toMatchObject({ bandwidthBytesPerSecond: 10e9, attrs: { interface_bandwidth: 'calc' } });
    expect(systolicConfigFromSpec(s).memory!.dram.bytesPerCycle).toBe(Infinity);
    const e = cycleEngineFor(s);
    expect(typeof e === 'string' ? e : e.name).toBe('scalesim');
  });

  it('USER bandwidth: Bandwidth words/cycle × 1 byte × clock', () => {
    const s = scaleSimSpec(user(cfgOf('google.cfg')), { clockMhz: 700 });
    expect(s.memories[0]!.bandwidthBytesPerSecond).toBe(10 * 700e6);
    expect(systolicConfigFromSpec(s).memory!.dram.bytesPerCycle).toBe(10);
  });

  it('parses, prints and parses back to the same spec; builds the same SystolicConfig as the .cfg', () => {
    for (const f of ['scale.cfg', 'google.cfg', 'eyeriss.cfg']) {
      for (const c of [cfgOf(f), user(cfgOf(f))]) {
        for (const foldTiming of ['tessera', 'scalesim'] as FoldTiming[]) {
          const s = scaleSimSpec(c, { foldTiming, source: f });
          const back = parseTarget(printTarget(s), 'printed.arch');
          expect(back.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
          expect(targetsEqual(back.spec!, s)).toBe(true);
          expect(systolicConfigFromSpec(s)).toEqual(systolicConfigFromScaleSim(c, foldTiming));
        }
      }
    }
  });

  it('--emit-arch saves it; the saved file is a target (--param works on it)', async () => {
    const dir = tmp();
    const arch = join(dir, 'google.arch');
    const r = await runCli(['scalesim', '--config', join(data, 'google.cfg'), '--topology', join(data, 'test_mnk_input.csv'), '--outdir', dir, '--emit-arch', arch, '--json']);
    expect(r.code).toBe(0);
    expect(targetsEqual(loadTargetSpec(arch), scaleSimSpec(cfgOf('google.cfg'), { source: 'google.cfg' }))).toBe(true);
    expect(loadTargetSpec(arch, { rows: 128, fold_timing: 'scalesim' })).toMatchObject({ attrs: { fold_timing: 'scalesim' }, computes: [{ rows: 128, cols: 256 }] });
  });
});

describe('a topology becomes a cascade', () => {
  it('one int8 GEMM einsum per layer with the topology’s M, N, K (alexnet: im2col)', () => {
    const { layers } = parseTopology(read('alexnet.csv'), 'alexnet.csv');
    const { cascade, einsums } = scaleSimCascade(layers, 'alexnet');
    expect(einsums).toEqual(['Conv1', 'Conv2', 'Conv3', 'Conv4', 'Conv5', 'FC6', 'FC7', 'FC8']);
    expect(cascade.einsums).toHaveLength(8);
    const gemms = cascadeWorkloads(cascade).map((w) => gemmOf(cascade, w));
    // Conv1: ofmap ceil((227 − 11 + 4) / 4) = 55 → M = 3025, N = 64, K = 11·11·3; FC6: 1 × 4096 × 6·6·256
    expect(gemms[0]).toMatchObject({ M: 3025, N: 64, K: 363, batch: 1 });
    expect(gemms[5]).toMatchObject({ M: 1, N: 4096, K: 9216, batch: 1 });
    gemms.forEach((g, i) => expect([g!.M, g!.N, g!.K]).toEqual([layers[i]!.M, layers[i]!.N, layers[i]!.K]));
    expect(new Set(cascade.tensors.map((t) => t.dtype))).toEqual(new Set(['int8']));
    expect(cascade.outputs).toEqual(einsums);
    // a real cascade: printed as .ein text it parses back
    expect(parseCascade(printCascade(cascade)).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('names are identifiers, not reserved words, unique with their operands', () => {
    expect(layerIdentifiers(['Test 1', 'Test-1', 'PW-FF-L1', '1x1', 'exp', 'a', 'a_ifmap', 'DP1Channel_0'])).toEqual(['Test_1', 'Test_1_2', 'PW_FF_L1', 'L1x1', 'exp_2', 'a', 'a_ifmap_2', 'DP1Channel_0']);
  });
});

/** the old direct path: simulateSystolic per layer with the SystolicConfig built from the .cfg */
function direct(c: ScaleSimConfig, topo: string, timing: FoldTiming) {
  const sys = systolicConfigFromScaleSim(c, timing);
  return parseTopology(read(topo), topo).layers.map((l) => simulateSystolic(l, sys));
}

describe('the pipeline path equals the direct path, layer by layer', () => {
  const cases: [string, boolean][] = [
    ['scale.cfg', false],
    ['google.cfg', false],
    ['eyeriss.cfg', true],
    ['scale.cfg', true],
  ];
  for (const [cfgName, isUser] of cases)
    for (const timing of ['tessera', 'scalesim'] as FoldTiming[])
      it(`${cfgName}${isUser ? ' (USER bandwidth)' : ''}, ${timing} timing`, () => {
        const c = isUser ? user(cfgOf(cfgName)) : cfgOf(cfgName);
        const target = targetFromSpec(scaleSimSpec(c, { foldTiming: timing }));
        for (const topo of ['alexnet.csv', 'gpt2.csv', 'test.csv', 'test_mnk_input.csv', 'transformer_partial.csv']) {
          const { cascade } = scaleSimCascade(parseTopology(read(topo), topo).layers, topo);
          const r = simulateCascade(cascade, { target, fidelity: 'cycle' });
          expect(ResultSchema.safeParse(r).success).toBe(true);
          const runs = direct(c, topo, timing);
          expect(r.einsums).toHaveLength(runs.length);
          runs.forEach((run, i) => {
            const e = r.einsums[i] as unknown as Record<string, unknown>;
            expect(e, `${topo} layer ${i}`).toMatchObject({ latencyCycles: run.totalCycles, folds: run.folds, computeCycles: run.computeCycles, stallCycles: run.stallCycles, macs: run.macs, sram: run.sram, dram: run.dram });
          });
          expect(r.latencyCycles).toBe(runs.reduce((s, x) => s + x.totalCycles, 0));
          expect(r.traffic.DRAM!.readBytes).toBe(runs.reduce((s, x) => s + x.dram.ifmapReadBytes + x.dram.filterReadBytes + x.dram.ofmapReadBytes, 0));
        }
      });
});

const USER_ARCH = `# a user's own array: 48 rows x 40 columns, output stationary
target user48x40 "48x40 output-stationary array" {
  param rows = 48
  clock = 500 MHz
  attr word_bits = 8
  memory HBM : dram {
    bandwidth = 8 GB/s
  }
  memory BUF : sram {
    capacity = 256 KiB
    banks = 4
  }
  compute PEs : array2d {
    rows = $rows
    cols = 40
    dataflow = os
    ops = [mul, add]
  }
  link HBM -> BUF -> PEs
}
`;

describe('tessera scalesim --target', () => {
  it('runs a topology on a user .arch (48×40 os) with the target’s own engine', async () => {
    const dir = tmp();
    const arch = join(dir, 'user.arch');
    writeFileSync(arch, USER_ARCH);
    const r = await runCli(['scalesim', '--target', arch, '--topology', join(data, 'test_mnk_input.csv'), '--outdir', dir, '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(ResultSchema.safeParse(result).success).toBe(true);
    expect(result).toMatchObject({ target: 'user48x40', fidelity: 'cycle' });
    const compute = readFileSync(join(dir, 'user48x40', 'COMPUTE_REPORT.csv'), 'utf8').split('\n');
    const [id, total, stalls, overall, mapping] = compute[1]!.split(', ');
    expect(id).toBe('0');
    expect(Number(total)).toBe(result.einsums[0].latencyCycles);
    // os on 48×40: M = 128 on the rows (48, 48, 32), N = 64 on the columns (40, 24): 6 folds,
    // mapping efficiency 128·64 / (3·48 · 2·40) = 71.11…%
    expect(result.layers[0]).toMatchObject({ name: 'Test 1', folds: 6, source: 'derived' });
    expect(Number(mapping)).toBeCloseTo((100 * 128 * 64) / (144 * 80), 10);
    expect(Number(overall)).toBeCloseTo((100 * 128 * 64 * 256) / (48 * 40 * Number(total)), 10);
    // stall cycles: beyond the unlimited-memory fold schedule (folds.ts): 6 folds of K + r + c − 2 + R
    const ideal = 2 * (256 + 48 + 40 - 2 + 48) + 2 * (256 + 48 + 24 - 2 + 48) + (256 + 32 + 40 - 2 + 48) + (256 + 32 + 24 - 2 + 48);
    expect(Number(stalls)).toBe(Math.max(0, Number(total) - ideal));
    const bw = readFileSync(join(dir, 'user48x40', 'BANDWIDTH_REPORT.csv'), 'utf8').split('\n')[1]!.replace(/,$/, '').split(', ');
    // the engine counts off-chip reads per level, not per operand: those two columns say nan
    expect(bw.slice(4, 6)).toEqual(['nan', 'nan']);
    expect(Number(bw[6])).toBeCloseTo(result.einsums[0].traffic.HBM.writeBytes / Number(total), 10);
  });

  it('--param overrides the user target (rows = 64: two row folds)', async () => {
    const dir = tmp();
    const arch = join(dir, 'user.arch');
    writeFileSync(arch, USER_ARCH);
    const r = await runCli(['scalesim', '--target', arch, '--param', 'rows=64', '--topology', join(data, 'test_mnk_input.csv'), '--outdir', dir, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).layers[0].folds).toBe(4);
  });

  it('an emitted .arch as --target gives the --config reports byte for byte', async () => {
    const dir = tmp();
    const arch = join(dir, 'scale.arch');
    const a = await runCli(['scalesim', '--config', join(data, 'scale.cfg'), '--topology', join(data, 'alexnet.csv'), '--outdir', join(dir, 'a'), '--emit-arch', arch, '--timing', 'scalesim', '--json']);
    const b = await runCli(['scalesim', '--target', arch, '--topology', join(data, 'alexnet.csv'), '--outdir', join(dir, 'b'), '--json']);
    expect([a.code, b.code]).toEqual([0, 0]);
    for (const f of ['COMPUTE_REPORT.csv', 'BANDWIDTH_REPORT.csv']) {
      expect(readFileSync(join(dir, 'b', 'scale_example_run_32x32_os', f), 'utf8')).toBe(readFileSync(join(dir, 'a', 'scale_example_run_32x32_os', f), 'utf8'));
    }
  });
});

describe('bad input exits 1 with a plain message or file:line:col', () => {
  const topo = () => join(data, 'test_mnk_input.csv');

  it('a target without an array2d', async () => {
    const dir = tmp();
    const arch = join(dir, 'vec.arch');
    writeFileSync(arch, 'target vec "1D only" {\n  clock = 1 GHz\n  memory DRAM : dram { bandwidth = 10 GB/s }\n  compute V : array1d { lanes = 64 }\n  link DRAM -> V\n}\n');
    const r = await runCli(['scalesim', '--target', arch, '--topology', topo(), '--outdir', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('target vec has no array2d compute unit with rows and cols');
    expect(r.err).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('an .arch with an error points at its line and column', async () => {
    const dir = tmp();
    const arch = join(dir, 'bad.arch');
    writeFileSync(arch, USER_ARCH.replace('rows = $rows', 'rows = -3'));
    const r = await runCli(['scalesim', '--target', arch, '--topology', topo(), '--outdir', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`${arch.replace(/[.]/g, '\\.')}:14:12: error: 'rows' must be greater than zero`));
  });

  it('a bad topology with --target, and a bad .cfg with --config', async () => {
    const dir = tmp();
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'Layer,M,N,K,\nL0,64,0,64,\n');
    writeFileSync(join(dir, 'user.arch'), USER_ARCH);
    const a = await runCli(['scalesim', '--target', join(dir, 'user.arch'), '--topology', csv, '--outdir', dir]);
    expect(a.code).toBe(1);
    expect(a.err).toContain(`${csv}:2:7: error: N must be a positive integer, got '0'`);
    const cfg = join(dir, 'bad.cfg');
    writeFileSync(cfg, '[architecture_presets]\nArrayHeight: 8\nArrayWidth: 8\nIfmapSramSzkB: 1\nFilterSramSzkB: 1\nOfmapSramSzkB: 1\nDataflow: zz\n');
    const b = await runCli(['scalesim', '--config', cfg, '--topology', topo(), '--outdir', dir]);
    expect(b.code).toBe(1);
    expect(b.err).toContain(`${cfg}:7:11: error: unknown dataflow 'zz'`);
  });

  it('flags: both or neither of --config/--target, --timing on another engine, a missing target file', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'user.arch'), USER_ARCH);
    const both = await runCli(['scalesim', '--config', join(data, 'scale.cfg'), '--target', 'systolic', '--topology', topo(), '--outdir', dir]);
    const neither = await runCli(['scalesim', '--topology', topo(), '--outdir', dir]);
    for (const r of [both, neither]) {
      expect(r.code).toBe(1);
      expect(r.err).toContain('give either --config');
    }
    const timing = await runCli(['scalesim', '--target', join(dir, 'user.arch'), '--timing', 'scalesim', '--topology', topo(), '--outdir', dir]);
    expect(timing.code).toBe(1);
    expect(timing.err).toContain('--timing applies to the scalesim engine; user48x40 runs on the spatial engine');
    const missing = await runCli(['scalesim', '--target', join(dir, 'nope.arch'), '--topology', topo(), '--outdir', dir]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no such file');
  });
});
