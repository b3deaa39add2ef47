// The summary's bound of each einsum: the longest of its roofline lower bounds (compute: MACs over PEs,
// one MAC per PE per cycle; each tier: bytes over bandwidth), 'overhead' when even that is under half its cycles, and
// utilisation as the compute bound over its cycles. Oracles: tpu-v1's figures from its .arch (256x256
// MACs, DDR3 34 GB/s at 700 MHz, the paper's Table 2) and the GEMM's MACs counted by hand.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { einsumBounds, formatModelSummary } from '../../compiler/driver/summary';
import { loadCascadeFile } from '../../compiler/lang';
import type { EinsumResult, Result } from '../../sim/core/result';
import { loadTarget } from '../../targets/registry';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const gemm = loadCascadeFile(join(root, 'examples/gemm/gemm.ein')); // Z[64,48] = A[64,80] B[80,48]
const spec = loadTarget('tpu-v1').spec;
const MACS = 64 * 48 * 80;
const COMPUTE_CYCLES = MACS / (256 * 256); // 3.75
const DDR3_B_PER_CYCLE = 34e9 / 700e6; // 48.57

const result = (z: Partial<EinsumResult>): Result => ({
  target: 'tpu-v1', workload: 'gemm', fidelity: 'analytic', latencyCycles: z.latencyCycles ?? 1, latencySeconds: 1e-6, energyPj: null,
  utilization: { MXU: 0.1 }, traffic: {}, einsums: [{ name: 'Z', unit: 'MXU', latencyCycles: 1, energyPj: null, traffic: {}, ...z }], warnings: [],
});

describe('einsum bounds', () => {
  it('names the memory tier whose bytes over its bandwidth is the longest bound', () => {
    const bytes = 10_000; // 205.9 DDR3 cycles against 3.75 compute cycles
    const b = einsumBounds(result({ latencyCycles: 250, traffic: { DDR3: { readBytes: bytes, writeBytes: 0 } } }), gemm, spec).get('Z')!;
    expect(b.bound).toBe('DDR3');
    expect(b.roofShare).toBeCloseTo(bytes / DDR3_B_PER_CYCLE / 250, 12);
    expect(b.utilisation).toBeCloseTo(COMPUTE_CYCLES / 250, 12);
  });

  it('is compute when the MACs take longer than every tier', () => {
    // 100 B of DDR3 = 2.06 cycles < 3.75
    const b = einsumBounds(result({ latencyCycles: 6, traffic: { DDR3: { readBytes: 100, writeBytes: 0 } } }), gemm, spec).get('Z')!;
    expect(b).toEqual({ bound: 'compute', roofShare: COMPUTE_CYCLES / 6, utilisation: COMPUTE_CYCLES / 6 });
  });

  it('is overhead when no bound explains half the cycles', () => {
    const b = einsumBounds(result({ latencyCycles: 1000, traffic: { DDR3: { readBytes: 100, writeBytes: 0 } } }), gemm, spec).get('Z')!;
    expect(b.bound).toBe('overhead');
    expect(b.roofShare).toBeCloseTo(COMPUTE_CYCLES / 1000, 12);
  });

  it('scales the FLOPs by --batch, and leaves out an einsum it cannot count (not in the cascade)', () => {
    expect(einsumBounds(result({ latencyCycles: 10 }), gemm, spec, 2).get('Z')!.utilisation).toBeCloseTo((2 * COMPUTE_CYCLES) / 10, 12);
    expect(einsumBounds(result({ name: 'pipeline(Z)', latencyCycles: 10 }), gemm, spec).size).toBe(0);
  });

  it('the summary prints each top einsum\'s bound and utilisation, and "bound unknown" where there is none', () => {
    const r = result({ latencyCycles: 250, traffic: { DDR3: { readBytes: 10_000, writeBytes: 0 } } });
    r.einsums.push({ name: 'G', unit: 'MXU', latencyCycles: 5, energyPj: null, traffic: {} });
    const s = formatModelSummary(r, { bounds: einsumBounds(r, gemm, spec) });
    expect(s).toMatch(/\n {4}Z .* DDR3-bound +util 1\.5%\n/);
    expect(s).toMatch(/\n {4}G .* bound unknown\n/);
  });
});

describe('run: a whole model\'s summary', () => {
  it('shows the bound of every top einsum and counts the warnings; --verbose lists every einsum', async () => {
    const file = join(root, 'examples/models/tiny-llama-decode-1pass.ein');
    const run = await runCli(['run', file, '--target', 'h100']);
    expect(run.code).toBe(0);
    const top = run.out.split('\n').filter((l) => /^ {4}(L\d+_|LOGITS|XT)\w* +(mlp|attention|head|norms|embedding) /.test(l));
    expect(top).toHaveLength(10);
    for (const l of top) expect(l).toMatch(/ (compute|HBM|L2|SMEM|RF|overhead)-bound +util \d+\.\d%$/);
    const w = /warnings \((\d+), (\d+) distinct\):/.exec(run.out)!;
    const counted = run.out.split('\n').filter((l) => /^ {4}\d+ × /.test(l)).map((l) => Number(/^ {4}(\d+) ×/.exec(l)![1]));
    expect(Number(w[1])).toBeGreaterThan(Number(w[2]));
    expect(counted.length).toBeGreaterThan(0);
    const verbose = await runCli(['run', file, '--target', 'h100', '--verbose']);
    const names = [...readEinsumNames(file)];
    for (const n of names) expect(verbose.out).toContain(n);
  });
});

function readEinsumNames(file: string): string[] {
  return loadCascadeFile(file).einsums.map((e) => e.output.tensor);
}
