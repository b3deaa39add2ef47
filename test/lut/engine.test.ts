// The lut engine family (sim/lut/gpu-lut.ts through targets/engines/lut.ts) on the FFN walkthrough:
// which einsums run on the LUT units, a hand count of one mpGEMM's cycles and bytes, equality with the
// a100 when no weight is low-bit (every kernel is then sim/gpu's), and bad configurations refused
// with a plain message and exit code 1 at both fidelities.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCascadeFile, parseCascade } from '../../compiler/lang';
import { simulateCascade } from '../../compiler/driver/pipeline';
import { ResultSchema, type Result } from '../../sim/core/result';
import { loadTarget } from '../../targets/registry';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const ffn = loadCascadeFile(join(root, 'examples/lut-tc/ffn.ein'));
const run = (target: string, params: Record<string, string>, fidelity: 'cycle' | 'analytic' = 'cycle'): Result =>
  simulateCascade(ffn, { target: loadTarget(target, params), fidelity });

describe('lut engine', () => {
  const w2 = run('lut-tc', { weight_bits: '2' });

  it('puts the weight GEMMs on the LUT units and the rest on the GPU, per einsum', () => {
    ResultSchema.parse(w2);
    const unit = Object.fromEntries(w2.einsums.map((e) => [e.name, e.unit]));
    expect(unit).toEqual({ SS: 'tensor-core', XN: 'cuda-core', G: 'LTC', U: 'LTC', H: 'cuda-core', Y: 'LTC' });
  });

  it('counts the gate projection by hand (1 x 11008 x 4096, W2, 864 units of M2 N64 K4)', () => {
    const g = w2.einsums.find((e) => e.name === 'G') as Result['einsums'][number] & { lut: Record<string, number> };
    // 108 SMs x 4096 lanes / 512 = 864 units; 172 n-tiles < 864, so K (1024 steps) splits floor(864/172) = 5 ways:
    // ceil(172 x 5 / 864) = 1 item of ceil(1024 / 5) = 205 steps; 1 (load) + 204 x 2 + 2 + 1 (add) = 412 cycles
    expect(g.lut.steps).toBe(205);
    expect(g.lut.splitK).toBe(5);
    expect(g.lut.computeCycles).toBe(412);
    // HBM: 2-bit weights 11008 x 4096 / 4, an fp16 scale and zero per 128 weights, tables 1 x 1024 x 8 x 2 B
    expect(g.traffic.HBM!.readBytes).toBe(11008 * 1024 + 11008 * 32 * 4 + 1024 * 8 * 2);
    // the fp16 output, and (fused precompute) the bytes the tables add over the fp16 activations they replace
    expect(g.traffic.HBM!.writeBytes).toBe(11008 * 2 + (1024 * 8 * 2 - 4096 * 2));
  });

  it('fewer weight bits take less time and energy', () => {
    const w1 = run('lut-tc', { weight_bits: '1' }), w4 = run('lut-tc', { weight_bits: '4' });
    expect(w1.latencyCycles).toBeLessThan(w2.latencyCycles);
    expect(w2.latencyCycles).toBeLessThan(w4.latencyCycles);
    expect(w1.energyPj!).toBeLessThan(w2.energyPj!);
    expect(w2.energyPj!).toBeLessThan(w4.energyPj!);
    const a100 = run('a100', {});
    expect(w4.latencyCycles).toBeLessThan(a100.latencyCycles);
  });

  it('with no low-bit weight every einsum is the a100 kernel, cycle for cycle', () => {
    const none = run('lut-tc', {});
    const a100 = run('a100', {});
    expect(none.einsums.map((e) => [e.name, e.latencyCycles])).toEqual(a100.einsums.map((e) => [e.name, e.latencyCycles]));
  });

  it('the analytic fidelity prices the same mpGEMM kernels', () => {
    const an = run('lut-tc', { weight_bits: '2' }, 'analytic');
    expect(an.einsums.find((e) => e.name === 'G')!.latencyCycles).toBe(w2.einsums.find((e) => e.name === 'G')!.latencyCycles);
  });

  it('the same GPU with a bit-serial or a dequantise-then-MAC unit in the LUT units\' place (8 x 4 x 16 DP4 lanes)', () => {
    const tile = { tile_m: '8', tile_n: '4', tile_k: '16' };
    const cyc = (unit: string) => {
      const r = run('lut-tc', { weight_bits: '2', unit, ...tile });
      return (r.einsums.find((e) => e.name === 'G') as unknown as { lut: { steps: number; computeCycles: number } }).lut;
    };
    // 2752 n-tiles over 864 units: ceil(2752 / 864) = 4 items of 4096 / 16 = 256 steps each
    expect(cyc('mac')).toMatchObject({ steps: 1024, computeCycles: 1024 + 1 });
    expect(cyc('bitserial')).toMatchObject({ steps: 1024, computeCycles: 1024 * 2 + 1 });
    const r = run('lut-tc', { weight_bits: '2', unit: 'mac', ...tile }) as Result & { lutUnits: { kind: string; topsPerWatt: number }[] };
    expect(r.lutUnits.map((u) => u.kind)).toEqual(['mac']);
    expect((w2 as Result & { lutUnits: { topsPerWatt: number }[] }).lutUnits[0]!.topsPerWatt).toBeGreaterThan(r.lutUnits[0]!.topsPerWatt);
  });

  it('a weight declared int4 is an mpGEMM by its dtype (no weight_bits), with an int32 output written as such', () => {
    const src = 'rank M = 16, K = 4096, N = 4096\ninput X[M, K]: int8\nweight W[K, N]: int4\nY[m, n]: int32 = X[m, k] * W[k, n]\noutput Y\n';
    const p = parseCascade(src);
    const r = simulateCascade(p.cascade!, { target: loadTarget('lut-tc', {}), fidelity: 'cycle' });
    const y = r.einsums[0] as Result['einsums'][number] & { lut: { wbits: number; steps: number } };
    expect(y.unit).toBe('LTC');
    expect(y.lut.wbits).toBe(4);
    // 8 m-tiles x 64 n-tiles = 512 < 864 units: K split floor(864 / 512) = 1 way; 1 item of 1024 steps
    expect(y.lut.steps).toBe(1024);
    // the int32 output, and the int8 tables (4 x 8 + 2 = 10-bit entries) over the int8 activations they replace
    expect(y.traffic.HBM!.writeBytes).toBe(16 * 4096 * 4 + (16 * 1024 * 8 * 10) / 8 - 16 * 4096);
  });

  it('a weight dequantised by element-wise einsums before the GEMM: the GEMM is an mpGEMM, the dequantisation folds into it', () => {
    const src = 'rank M = 1, K = 4096, N = 4096\ninput X[M, K]: fp16\nweight WQ[K, N]: int4\nweight WS[N]: fp16\nWF[k, n]: fp16 = WQ[k, n]\nWD[k, n] = WF[k, n] * WS[n]\nY[m, n] = X[m, k] * WD[k, n]\noutput Y\n';
    const c = parseCascade(src).cascade!;
    for (const fidelity of ['cycle', 'analytic'] as const) {
      const r = simulateCascade(c, { target: loadTarget('lut-tc', {}), fidelity });
      // (at fidelity analytic the mapper may list the two element-wise einsums as one op)
      for (const e of r.einsums) expect([e.name, e.unit, e.latencyCycles > 0]).toEqual([e.name, 'LTC', e.name === 'Y']);
      expect(r.einsums.map((e) => e.name)).toContain('Y');
    }
    // the 4-bit weights cross HBM once, not as fp16 copies
    const r = simulateCascade(c, { target: loadTarget('lut-tc', {}), fidelity: 'cycle' });
    expect(r.traffic.HBM!.readBytes).toBe(4096 * 4096 / 2 + 4096 * 32 * 4 + 1024 * 8 * 2);
  });

  it('h100-lut-8x runs too, on 132 SMs', () => {
    const h = run('h100-lut-8x', { weight_bits: '2' });
    expect(h.einsums.find((e) => e.name === 'Y')!.unit).toBe('LTC');
    expect(h.explanation?.toString()).toContain('2112 LUT units');
  });

  it.each([
    [['--param', 'weight_bits=5'], /weight_bits = 5 is not supported/],
    [['--param', 'weight_bits=2', '--param', 'tile_k=9'], /tile K = 9 is not supported/],
    [['--param', 'weight_bits=2', '--param', 'group=6'], /quantisation group 6 is not a multiple of the tile's K = 4/],
    [['--param', 'weight_bits=2', '--param', 'group=96'], /einsum G: K = 4096 is not a multiple of the quantisation group 96/],
    [['--param', 'weight_bits=2', '--param', 'unit=mac', '--param', 'tile_m=1', '--param', 'tile_n=1', '--param', 'tile_k=2'], /M N K = 2 is not a multiple of 4/],
    [['--param', 'weight_bits=2', '--param', 'unit=systolic'], /unit_kind = systolic: write lut, bitserial or mac/],
  ])('refuses %j with a plain message and exit code 1', async (args, msg) => {
    for (const fidelity of ['cycle', 'analytic']) {
      const r = await runCli(['run', 'examples/lut-tc/ffn.ein', '--target', 'lut-tc', ...args, '--fidelity', fidelity]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/at .*\.ts:\d+/);
    }
  });
});
