// SCALE-Sim import: .cfg and topology parsing (both forms), im2col mapping, the reports' exact
// SCALE-Sim v2 headers, the Result JSON, determinism, and line-numbered errors with exit code 1.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ResultSchema } from '../../sim/core/result';
import { parseScaleSimConfig, parseTopology } from '../../sim/spatial/scalesim';
import { runCli } from '../helpers/cli';

const cli = (args: string[]) => runCli(args);

const data = join(import.meta.dirname, '../../data/scalesim');
const read = (f: string) => readFileSync(join(data, f), 'utf8');

afterEach(() => {
  process.exitCode = undefined;
});

describe('SCALE-Sim .cfg', () => {
  it('reads google.cfg', () => {
    const { config, diagnostics } = parseScaleSimConfig(read('google.cfg'), 'google.cfg');
    expect(diagnostics).toEqual([]);
    expect(config).toMatchObject({ runName: 'GoogleTPU_v1_ws', arrayHeight: 256, arrayWidth: 256, ifmapSramKb: 6144, filterSramKb: 6144, ofmapSramKb: 2048, dataflow: 'ws', bandwidthWordsPerCycle: 10, memoryBanks: 1, interfaceBandwidth: 'CALC' });
  });

  it('reports every bad line with its line and column', () => {
    const text = '[general]\nrun_name = x\n[architecture_presets]\nArrayHeight:    abc\nArrayWidth: 8\nthis line is wrong\nDataflow : xs\nIfmapSramSzkB: 1\nFilterSramSzkB: 1\n';
    const { config, diagnostics } = parseScaleSimConfig(text, 'bad.cfg');
    expect(config).toBeNull();
    const where = diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.loc!.line}:${d.loc!.col} ${d.code}`);
    expect(where).toEqual(['6:1 cfg-syntax', '3:1 cfg-missing-key', '4:17 cfg-value', '7:12 cfg-value']);
  });
});

describe('SCALE-Sim topologies', () => {
  it('maps conv layers to GEMMs by im2col (M = ofmap pixels, N = filters, K = Fh·Fw·C)', () => {
    const { layers, kind, diagnostics } = parseTopology(read('alexnet.csv'), 'alexnet.csv');
    expect(diagnostics).toEqual([]);
    expect(kind).toBe('conv');
    // Conv1: 227×227, 11×11 filters, stride 4: ofmap ceil((227 − 11 + 4)/4) = 55 → M = 3025
    expect(layers[0]).toMatchObject({ name: 'Conv1', M: 55 * 55, N: 64, K: 11 * 11 * 3 });
    // Conv2: 27×27, 5×5, stride 1: ofmap 23 → M = 529
    expect(layers[1]).toMatchObject({ name: 'Conv2', M: 23 * 23, N: 192, K: 5 * 5 * 64 });
    // FC6: a 6×6 filter over a 6×6 ifmap: one pixel
    expect(layers[5]).toMatchObject({ name: 'FC6', M: 1, N: 4096, K: 6 * 6 * 256 });
    expect(layers).toHaveLength(8);
  });

  it('reads GEMM topologies (M, N, K) with either header spelling', () => {
    const a = parseTopology(read('gpt2.csv'), 'gpt2.csv');
    expect(a.kind).toBe('gemm');
    expect(a.layers[2]).toMatchObject({ name: 'Linear1', M: 1024, N: 4800, K: 1600 });
    const b = parseTopology(read('test_mnk_input.csv'), 'test_mnk_input.csv');
    expect(b.layers).toMatchObject([{ name: 'Test 1', M: 128, N: 64, K: 256 }]);
  });

  it('splits a depthwise (DP) layer into one single-channel layer per channel, like SCALE-Sim', () => {
    const { layers } = parseTopology('Layer name, H, W, Fh, Fw, C, F, S,\nDP1, 8, 8, 3, 3, 4, 1, 1,\n', 'dw.csv');
    expect(layers).toHaveLength(4);
    expect(layers[3]).toMatchObject({ name: 'DP1Channel_3', M: 36, N: 1, K: 9 });
  });

  it('points at the bad cell', () => {
    const { diagnostics } = parseTopology('Layer,M,N,K,\nok,1,2,3,\nbad, 4, x5, 6,\nshort,1,\n', 't.csv');
    expect(diagnostics.map((d) => `${d.loc!.line}:${d.loc!.col} ${d.code}`)).toEqual(['3:9 topo-value', '4:1 topo-columns']);
  });
});

describe('--timing scalesim reproduces SCALE-Sim v2 golden reports', () => {
  // Golden COMPUTE_REPORT lines from the SCALE-Sim v2 repository (scalesim-project/scale-sim-v2):
  //  - rundir-accelergy/output/scale_sim_output_scale_example_run_32x32_os/COMPUTE_REPORT.csv
  //    (configs/scale.cfg, 32×32 os, topologies/conv_nets/test.csv)
  //  - test/golden_trace/COMPUTE_REPORT.csv (scale.cfg switched to ws by test/scripts/function_test.sh,
  //    topologies/conv_nets/alexnet_part.csv)
  // Their IFMAP/FILTER SRAM bandwidths come from the same repository's BANDWIDTH_REPORT.csv.
  async function compat(cfgText: string, topoText: string, runName: string): Promise<{ compute: string; bandwidth: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'scalesim-golden-'));
    writeFileSync(join(dir, 'x.cfg'), cfgText);
    writeFileSync(join(dir, 'x.csv'), topoText);
    const r = await cli(['scalesim', '--config', join(dir, 'x.cfg'), '--topology', join(dir, 'x.csv'), '--outdir', dir, '--timing', 'scalesim']);
    expect(r.code).toBe(0);
    return { compute: readFileSync(join(dir, runName, 'COMPUTE_REPORT.csv'), 'utf8'), bandwidth: readFileSync(join(dir, runName, 'BANDWIDTH_REPORT.csv'), 'utf8') };
  }

  it('os: scale.cfg + test.csv', async () => {
    const { compute, bandwidth } = await compat(read('scale.cfg'), read('test.csv'), 'scale_example_run_32x32_os');
    expect(compute.split('\n')[1]).toBe('0, 21479, 0, 75.42250570324504, 78.125, 75.41899441340782,');
    expect(bandwidth.split('\n')[1]!.split(', ').slice(1, 3)).toEqual(['24.13520182503841', '30.893058336049165']);
  });

  it('ws: scale.cfg (ws) + alexnet_part.csv', async () => {
    const cfg = read('scale.cfg').replace('Dataflow : os', 'Dataflow : ws').replace('run_name = scale_example_run_32x32_os', 'run_name = scale_example_run_32x32_ws');
    const topo = 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nConv1,  224, 224,    11, 11,    3,      96,     4,';
    const { compute } = await compat(cfg, topo, 'scale_example_run_32x32_ws');
    expect(compute.split('\n')[1]).toBe('0, 112283, 0, 91.68309650614964, 94.53125, 90.78000992063485,');
  });
});

describe('tessera scalesim', () => {
  it('writes COMPUTE_REPORT.csv and BANDWIDTH_REPORT.csv with SCALE-Sim v2 headers, and a valid Result', async () => {
    const out = mkdtempSync(join(tmpdir(), 'scalesim-'));
    const r = await cli(['scalesim', '--config', join(data, 'scale.cfg'), '--topology', join(data, 'test_mnk_input.csv'), '--outdir', out]);
    expect(r.code).toBe(0);
    const dir = join(out, 'scale_example_run_32x32_os');
    const compute = readFileSync(join(dir, 'COMPUTE_REPORT.csv'), 'utf8').split('\n');
    expect(compute[0]).toBe('LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,');
    // os on 32×32, M=128 N=64 K=256: 4 × 2 full folds of 256 + 32 + 32 − 2 + 32 = 350 → 2800 cycles;
    // utilization 128·64·256 / (1024 · 2800) = 73.142857… % (floats written as Python writes them)
    expect(compute[1]).toBe('0, 2800, 0, 73.14285714285714, 100.0, 73.14285714285714,');
    const bw = readFileSync(join(dir, 'BANDWIDTH_REPORT.csv'), 'utf8').split('\n');
    expect(bw[0]).toBe('LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,');
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(ResultSchema.safeParse(result).success).toBe(true);
    expect(result.latencyCycles).toBe(2800);
    expect(result.fidelity).toBe('cycle');
  });

  it('--trace writes Chrome trace JSON with the folds and DRAM transfers', async () => {
    const out = mkdtempSync(join(tmpdir(), 'scalesim-'));
    const tracePath = join(out, 'trace.json');
    const r = await cli(['scalesim', '--config', join(data, 'eyeriss.cfg'), '--topology', join(data, 'test.csv'), '--outdir', out, '--trace', tracePath, '--json']);
    expect(r.code).toBe(0);
    const trace = JSON.parse(readFileSync(tracePath, 'utf8'));
    const spans = trace.traceEvents.filter((e: { ph: string }) => e.ph === 'X');
    const result = JSON.parse(r.out);
    // one span per fold on the array track, ending at the layer's last compute cycle
    const folds = spans.filter((e: { name: string }) => e.name.startsWith('Inc5b_3x3 fold'));
    expect(folds).toHaveLength(result.layers[0].folds);
    expect(Math.max(...spans.map((e: { args: { endCycle: number } }) => e.args.endCycle))).toBe(result.latencyCycles);
  });

  it('is deterministic (byte-identical reports and JSON)', async () => {
    const runs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const out = mkdtempSync(join(tmpdir(), 'scalesim-'));
      const r = await cli(['scalesim', '--config', join(data, 'eyeriss.cfg'), '--topology', join(data, 'alexnet.csv'), '--outdir', out, '--json']);
      expect(r.code).toBe(0);
      runs.push(r.out + readFileSync(join(out, 'eyeriss', 'COMPUTE_REPORT.csv'), 'utf8'));
    }
    expect(runs[0]).toBe(runs[1]);
  });

  it('a malformed .cfg exits 1 with file:line:col and no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scalesim-'));
    const cfg = join(dir, 'bad.cfg');
    writeFileSync(cfg, '[architecture_presets]\nArrayHeight: 0\nArrayWidth: 8\nIfmapSramSzkB: 1\nFilterSramSzkB: 1\nOfmapSramSzkB: 1\nDataflow: ws\n');
    const r = await cli(['scalesim', '--config', cfg, '--topology', join(data, 'gpt2.csv'), '--outdir', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${cfg}:2:14: error: 'arrayheight' must be a positive integer, got '0'`);
    expect(r.err).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('a malformed topology CSV exits 1 with file:line:col', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scalesim-'));
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'Layer,M,N,K,\nL0,64,64,64,\nL1,64,-3,64,\n');
    const r = await cli(['scalesim', '--config', join(data, 'scale.cfg'), '--topology', csv, '--outdir', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${csv}:3:7: error: N must be a positive integer, got '-3'`);
  });

  it('an unreadable file is a plain user error', async () => {
    const r = await cli(['scalesim', '--config', '/nonexistent.cfg', '--topology', join(data, 'gpt2.csv')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot read /nonexistent.cfg');
  });
});
