// The fpga engine reads N:M sparsity from the IR (a weight declared sparse(N:M, K), or the W_Q a GEMM's weight
// was dequantised from) and runs the sparse DSP chain over the kept weights only: cycles against hand-derived
// counts from the overlay's modes (MV N64·K16·M1, MM N2·K16·M128, 3 cores on u280). The level-3 chains, fed a
// weight the interpreter pruned, compute what the interpreter computes in the cycles level 2 gives. A pattern
// the chain cannot run (M other than 16, N not 2/4/8/16) is refused with a plain message and exit code 1; a
// target with no sparse datapath says in its warnings that it computes pruned weights dense.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpret, type TensorData } from '../../compiler/interp';
import { parseCascade } from '../../compiler/lang';
import { gemmCyclesKept } from '../../sim/fpga/overlay';
import { runChains } from '../../sim/fpga/overlay-chain';
import { loadTarget } from '../../targets/registry';
import { runCli } from '../helpers/cli';

const gemm = (M: number, K: number, N: number, dt: string, sparse = '') =>
  parseCascade(`rank M = ${M}, N = ${N}, K = ${K}\ninput X[M, K]: ${dt}\nweight W[K, N]: ${dt}${sparse ? ` sparse(${sparse}, K)` : ''}\nY[m, n]: ${dt} = X[m, k] * W[k, n]\noutput Y\n`, 'g.ein').cascade!;

function run(target: string, c: ReturnType<typeof gemm>, fidelity: 'analytic' | 'cycle') {
  const t = loadTarget(target);
  return t.simulate(t.map(c, undefined, {}), { fidelity });
}

describe('the fpga engine runs N:M-pruned weights on the sparse DSP chain', () => {
  it('decode GEMV 1 x 4096 . 4096 x 4096 int8 at 8:16: 22 tiles x (2048/16 + 16) = 3,168 compute cycles (dense: 5,984)', () => {
    const e = run('u280', gemm(1, 4096, 4096, 'int8', '8:16'), 'cycle').einsums[0]!;
    expect(e).toMatchObject({ overlayMode: 'mv', computeCycles: 3168, sparsity: '8:16' });
    // the analytic fidelity runs the same closed form
    expect(run('u280', gemm(1, 4096, 4096, 'int8', '8:16'), 'analytic').latencyCycles).toBe(e.latencyCycles);
    expect(run('u280', gemm(1, 4096, 4096, 'int8'), 'cycle').einsums[0]!).toMatchObject({ computeCycles: 5984 });
    expect(run('u280', gemm(1, 4096, 4096, 'int8'), 'cycle').einsums[0]!.sparsity).toBeUndefined();
  });

  it('a GEMM (256 x 4096 . 4096 x 48, bf16): MM mode 2 x 8 tiles x (4096/16 + 16) = 4,352 dense, 2:16 gives 16 x (512/16 + 16) = 768; without always-on-chip decode the latency drops by the difference', () => {
    const offChip = join(import.meta.dirname, '../fixtures/arch/u280-offchip-decode.arch');
    const dense = run(offChip, gemm(256, 4096, 48, 'bf16'), 'cycle');
    const sparse = run(offChip, gemm(256, 4096, 48, 'bf16', '2:16'), 'cycle');
    expect(dense.einsums[0]!).toMatchObject({ overlayMode: 'mm', computeCycles: 4352 });
    expect(sparse.einsums[0]!).toMatchObject({ overlayMode: 'mm', computeCycles: 768, sparsity: '2:16' });
    // the phases serialise: compute + HBM (an input, a weight and an output: no activation crosses channels, 0.7)
    const hbm = (r: ReturnType<typeof run>) => Math.ceil(((r.traffic.HBM!.readBytes + r.traffic.HBM!.writeBytes) / (32 * 14.375e9 * 0.7)) * 225e6);
    expect(dense.latencyCycles).toBe(4352 + hbm(dense));
    expect(sparse.latencyCycles).toBe(768 + hbm(sparse));
  });

  it('the mapper counts a pruned weight packed (int8 4:16: a quarter of the weights, 8 bits + a 4-bit index each = 0.375 B a weight), so no upper-bound warning', () => {
    const t = loadTarget('u280');
    const m = t.map(gemm(1, 4096, 4096, 'int8', '4:16'), undefined, {});
    const r = t.simulate(m, { fidelity: 'cycle' });
    expect(m.ops[0]!.workload!.tensors.find((u) => u.name === 'W')!.bytesPerElement).toBe(0.375);
    expect(r.traffic.HBM!.readBytes).toBeGreaterThanOrEqual(4096 * 4096 * 0.375);
    expect(r.traffic.HBM!.readBytes).toBeLessThan(4096 * 4096 * 0.375 + 64 * 1024);
    expect(r.warnings.some((w) => w.includes('upper bound'))).toBe(false);
  });

  it('a partial last group: K = 4100 at 8:16 keeps 256 x 8 + min(8, 4) = 2,052, so ceil(2052/16) = 129 steps a tile (vhk158: 4 cores, 16 tiles)', () => {
    const e = run('vhk158', gemm(1, 4100, 4096, 'int8', '8:16'), 'cycle').einsums[0]!;
    expect(e).toMatchObject({ overlayMode: 'mv', computeCycles: 16 * (129 + 16) });
  });

  it('through lower --wbits\' dequantise einsum: the GEMM reads W = W_Q * W_S, and W_Q\'s 8:16 reaches it', () => {
    const c = parseCascade(
      'rank M = 1, N = 4096, K = 4096\nrank K -> KG, KI = 128\ninput X[M, K]: fp16\nweight W_Q[K, N]: int4 sparse(8:16, K)\nweight W_S[KG, N]: fp16\n' +
        'W[kg*KI+ki, n]: fp16 = W_Q[kg*KI+ki, n] * W_S[kg, n]\nY[m, n] = X[m, k] * W[k, n]\noutput Y\n',
    ).cascade!;
    const r = run('u280', c, 'cycle');
    expect(r.einsums.find((e) => e.name === 'Y')!).toMatchObject({ computeCycles: 3168, sparsity: '8:16' });
  });

  it('level 3 on a weight the interpreter pruned: the chains compute the interpreter\'s product in the cycles level 2 gives', () => {
    const [rows, K, cols] = [3, 40, 5];
    const c = parseCascade(`rank M = ${rows}, N = ${cols}, K = ${K}\ninput X[M, K]: int8\nweight W[K, N]: int8 sparse(4:16, K)\nY[m, n]: int32 = X[m, k] * W[k, n]\noutput Y\n`).cascade!;
    // nonzero int8 values (a zero weight would look pruned to the chain's mask)
    const X = Int8Array.from({ length: rows * K }, (_, i) => ((i * 37) % 17) - 8);
    const Wd = Int8Array.from({ length: K * cols }, (_, i) => (((i * 53) % 29) + 1) * (i % 3 ? 1 : -1));
    const t = (shape: number[], d: Int8Array): TensorData => ({ dtype: 'int8', shape, data: Float64Array.from(d) });
    const out = interpret(c, new Map([['X', t([rows, K], X)], ['W', t([K, cols], Wd)]]));
    // the weight as the interpreter pruned it: a cascade that copies W into an intermediate (returned by interpret)
    const copy = parseCascade(`rank N = ${cols}, K = ${K}\nweight W[K, N]: int8 sparse(4:16, K)\nC[k, n]: int8 = W[k, n] * 1\nZ[n] = C[k, n]\noutput Z\n`).cascade!;
    const pruned = interpret(copy, new Map([['W', t([K, cols], Wd)]])).get('C')!.data;
    const W = Int8Array.from(pruned);
    const mask = Uint8Array.from(pruned, (v) => (v !== 0 ? 1 : 0));
    // 4:16 on K = 40: 4 + 4 + min(4, 8) = 12 kept a column
    for (let n = 0; n < cols; n++) expect(Array.from({ length: K }, (_, k) => mask[k * cols + n]).reduce((a, b) => a + b, 0)).toBe(12);
    for (const mode of [{ n: 64, k: 16, m: 1 }, { n: 2, k: 16, m: 128 }, { n: 3, k: 4, m: 2 }]) {
      const l3 = runChains(X, W, mask, rows, K, cols, mode);
      expect(l3.cycles).toBe(gemmCyclesKept(rows, 12, cols, mode));
      expect([...l3.y]).toEqual([...out.get('Y')!.data]);
    }
  });
});

describe('patterns and targets that cannot run sparsity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-sparse-'));
  const file = (pattern: string) => {
    const f = join(dir, `g-${pattern.replace(':', '-')}.ein`);
    writeFileSync(f, `rank M = 1, N = 256, K = 256\ninput X[M, K]: int8\nweight W[K, N]: int8 sparse(${pattern}, K)\nY[m, n]: int32 = X[m, k] * W[k, n]\noutput Y\n`);
    return f;
  };

  for (const [pattern, target, msg] of [
    ['2:4', 'u280', /^error: u280: einsum Y reads W, pruned to 2:4, and N:M sparsity 2:4: the sparse DSP chain selects one of 16 inputs, so M must be 16$/m],
    ['1:8', 'vhk158', /vhk158: einsum Y reads W, pruned to 1:8, .*so M must be 16/],
    ['3:16', 'u280', /u280: einsum Y reads W, pruned to 3:16, and N:M sparsity 3:16: the chain splits into 2, 4, 8 or 16 groups, so N must be one of them/],
  ] as const)
    it(`${pattern} on ${target}: a plain message and exit code 1, at either fidelity`, async () => {
      for (const f of ['analytic', 'cycle']) {
        const r = await runCli(['run', file(pattern), '--target', target, '--fidelity', f]);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(msg);
        expect(r.err).not.toMatch(/\n\s+at /);
      }
    });

  it('4:16 runs on u280; on a target with no sparse datapath the Result warns that the GEMM runs dense', async () => {
    const ok = await runCli(['run', file('4:16'), '--target', 'u280', '--fidelity', 'cycle', '--json']);
    expect(ok.code).toBe(0);
    const u = JSON.parse(ok.out);
    expect(u.einsums[0].sparsity).toBe('4:16');
    expect(u.warnings.join('\n')).not.toMatch(/pruned/);
    const gpu = await runCli(['run', file('2:4'), '--target', 'h100', '--json']);
    expect(gpu.code).toBe(0);
    expect(JSON.parse(gpu.out).warnings).toContain(
      "W is pruned 2:4: no compute unit of h100 states a sparse datapath (attr sparse_nm_m), so its GEMMs run dense here, the zeros' MACs included; the footprint and the traffic count it packed (kept values and a log2(M)-bit index each)",
    );
  });
});
