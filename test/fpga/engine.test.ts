// The `fpga` family (targets/engines/fpga.ts) on the built-in FPGA targets: cycles and HBM time against
// hand-derived counts from the overlay's published modes (FlightLLM: N2·K16·M128 and N64·K16·M1 at 225 MHz,
// 32 HBM pseudo-channels at 0.7 efficiency within a channel, 0.35 across) and the targets' .arch figures.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { describe, expect, it } from 'vitest';
import { parseCascade } from '../../compiler/lang';
import { loadTarget } from '../../targets/registry';

const gemm = (M: number, K: number, N: number, dt = 'int8') =>
  parseCascade(`rank M = ${M}, N = ${N}, K = ${K}\ninput X[M, K]: ${dt}\nweight W[K, N]: ${dt}\nY[m, n]: ${dt} = X[m, k] * W[k, n]\noutput Y\n`, 'g.ein').cascade!;

function run(target: string, c: ReturnType<typeof gemm>, fidelity: 'analytic' | 'cycle') {
  const t = loadTarget(target);
  return t.simulate(t.map(c, undefined, {}), { fidelity });
}

const hbmBytes = (r: ReturnType<typeof run>) => r.traffic.HBM!.readBytes + r.traffic.HBM!.writeBytes;

describe('the fpga engine family (FlightLLM overlay)', () => {
  it('a small GEMM on u280 runs in matrix-matrix mode: ceil(64/128) x ceil(16/2) tiles x (ceil(80/16) + 16) = 168 cycles, at both fidelities', () => {
    // 48 output columns over 3 cores: 16 each; matrix-vector mode would take 64 x 1 x 21 = 1344
    for (const f of ['analytic', 'cycle'] as const) {
      const r = run('u280', gemm(64, 80, 48, 'bf16'), f);
      expect(r.latencyCycles).toBe(168);
      expect(r.einsums[0]!.unit).toBe('MPE');
    }
  });

  it('a decode GEMV (1 x 4096 . 4096 x 4096, int8) is HBM-bound: the weights stream at 32 x 14.375 GB/s x 0.7', () => {
    const r = run('u280', gemm(1, 4096, 4096), 'cycle');
    const weights = 4096 * 4096;
    const bytes = hbmBytes(r);
    // the weights once, plus at most the activation vector and the output (read and written once each)
    expect(bytes).toBeGreaterThanOrEqual(weights);
    expect(bytes).toBeLessThanOrEqual(weights + 4 * 4096);
    const memory = Math.ceil((bytes / (32 * 14.375e9 * 0.7)) * 225e6);
    // compute in matrix-vector mode: ceil(ceil(4096/3) / 64) = 22 tiles x (4096/16 + 16) = 5,984 cycles
    expect(memory).toBeGreaterThan(5984);
    expect(r.latencyCycles).toBe(memory);
    expect(r.einsums[0]!).toMatchObject({ overlayMode: 'mv', computeCycles: 5984, hbmCycles: memory });
  });

  it('without always-on-chip decode the phases serialise; a GEMM of an input, a weight and an output moves no activation, so HBM stays in-channel', () => {
    const r = run(join(import.meta.dirname, '../fixtures/arch/u280-offchip-decode.arch'), gemm(1, 4096, 4096), 'cycle');
    // X (4 KiB), W (16 MiB) read and Y (4 KiB) written: weights and the model's inputs/outputs stream at 0.7
    expect(hbmBytes(r)).toBe(4096 * 4096 + 2 * 4096);
    const memory = Math.ceil((hbmBytes(r) / (32 * 14.375e9 * 0.7)) * 225e6);
    expect(r.latencyCycles).toBe(5984 + memory);
  });

  it('vhk158: 4 cores and 32 x 25.6 GB/s', () => {
    const r = run('vhk158', gemm(1, 4096, 4096), 'cycle');
    // compute: ceil(1024 / 64) = 16 tiles x 272 = 4,352 cycles; HBM bound
    expect(r.einsums[0]!).toMatchObject({ overlayMode: 'mv', computeCycles: 4352 });
    expect(r.latencyCycles).toBe(Math.ceil((hbmBytes(r) / (32 * 25.6e9 * 0.7)) * 225e6));
  });

  it('an overlay attribute out of range is refused plainly (exit 1), never a silent default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-fpga-'));
    for (const [line, msg] of [
      ['attr cores = 0', /attr cores = 0 must be a positive integer/],
      ['attr always_on_chip = "yes"', /attr always_on_chip = yes must be true or false/],
    ] as const) {
      const f = join(dir, 'bad.arch');
      writeFileSync(f, `target bad extends u280 "x" {\n  ${line}\n}\n`);
      const r = await runCli(['run', 'examples/gemm/gemm.ein', '--target', f, '--fidelity', 'cycle'], { cwd: join(import.meta.dirname, '../..') });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});
