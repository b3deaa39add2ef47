// The examples/quantization walkthrough: each command its README shows prints the expected file, and
// the figures in them agree with counts worked out by hand from LLaMA-2-7B's config.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const expected = (f: string) => readFileSync(join(root, 'examples/quantization', f), 'utf8');
const model = join(root, 'data/models/llama-2-7b.json');

describe('examples/quantization', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-quant-ex-'));

  it('LLaMA-2-7B fp16 decode is refused on u280 (exit 1), naming --wbits 4 --group 128', async () => {
    expect((await runCli(['lower', '--model', model, '--phase', 'decode', '--kv', '2048', '-o', join(dir, 'llama-2-7b-decode.ein')])).code).toBe(0);
    const r = await runCli(['run', 'llama-2-7b-decode.ein', '--target', 'u280'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.err).toBe(expected('expected-u280.txt'));
    // 2·(2·32000·4096 + 32·(4·4096² + 3·4096·11008 + 2·4096) + 4096) B = 13.5 GB = 12.6 GiB
    expect((2 * (2 * 32000 * 4096 + 32 * (4 * 4096 ** 2 + 3 * 4096 * 11008 + 2 * 4096) + 4096)) / 2 ** 30).toBeCloseTo(12.55, 2);
  }, 30_000);

  it('with --wbits 4 --group 128 it fits and runs on u280; without the dequantisation unit (u280-no-dequant.arch) the dequantised weights are written back', async () => {
    const q = join(dir, 'w4.ein');
    expect((await runCli(['lower', '--model', model, '--phase', 'decode', '--kv', '2048', '--wbits', '4', '--group', '128', '-o', q])).code).toBe(0);
    const direct = await runCli(['run', q, '--target', 'u280', '--json']);
    expect(direct.code).toBe(0);
    // with the dequantisation unit only the KV appends and the logits are written (no fp16 weights)
    expect((JSON.parse(direct.out) as { traffic: Record<string, { writeBytes: number }> }).traffic.HBM!.writeBytes).toBeLessThan(1e6);
    const r = await runCli(['run', q, '--target', 'examples/quantization/u280-no-dequant.arch', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { latencySeconds: number; traffic: Record<string, { writeBytes: number }> };
    expect(doc.latencySeconds).toBeGreaterThan(0);
    // the explicit dequantise einsums write every quantised weight once in fp16: 32 layers x
    // (4 x 4096^2 + 3 x 4096 x 11008) x 2 B = 12.95 GB of HBM writes, almost all of them
    const dequantised = 32 * (4 * 4096 ** 2 + 3 * 4096 * 11008) * 2;
    expect(doc.traffic.HBM!.writeBytes).toBeGreaterThanOrEqual(dequantised);
    expect(doc.traffic.HBM!.writeBytes).toBeLessThan(dequantised * 1.001);
  }, 60_000);

  it('decode b = 32, kv = 4096 on a100: the 64 GiB KV cache is refused; with --kv-bits 2 --kv-residual 128 it runs', async () => {
    expect((await runCli(['lower', '--model', model, '--phase', 'decode', '--kv', '4096', '--batch', '32', '-o', join(dir, 'llama-2-7b-b32-kv4096.ein')])).code).toBe(0);
    const r = await runCli(['run', 'llama-2-7b-b32-kv4096.ein', '--target', 'a100'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.err).toBe(expected('expected-a100-kv.txt'));
    expect(2 * 32 * 32 * 4096 * 4096 * 2).toBe(64 * 2 ** 30);
    const q = join(dir, 'kivi.ein');
    expect((await runCli(['lower', '--model', model, '--phase', 'decode', '--kv', '4096', '--batch', '32', '--kv-bits', '2', '--kv-residual', '128', '-o', q])).code).toBe(0);
    const ok = await runCli(['run', q, '--target', 'a100', '--json']);
    expect(ok.code).toBe(0);
    const doc = JSON.parse(ok.out) as { latencySeconds: number; einsums: { name: string }[] };
    expect(doc.latencySeconds).toBeGreaterThan(0);
    // the dequantisation of each cache is an einsum of its own in the report
    expect(doc.einsums.some((e) => e.name === 'L0_KC')).toBe(true);
  }, 60_000);

  it('the tiny LLaMA quantised: the cascade and the notes', async () => {
    const out = join(dir, 'tiny.ein');
    const r = await runCli(['lower', '--model', 'examples/models/tiny-llama.json', '--phase', 'decode', '--kv', '64', '--layers', '1', '--wbits', '4', '--group', '32', '--kv-bits', '2', '--kv-group', '8', '--kv-residual', '16', '-o', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(expected('expected-tiny-w4-kv2.ein'));
    expect(r.err.replace(out, 'examples/quantization/expected-tiny-w4-kv2.ein')).toBe(expected('expected-tiny-notes.txt'));
    expect(r.err).toMatch(/7 quantised to int4/); // q, k, v, o, gate, up, down
  });

  it('fp4 weights multiplied directly are refused on tpu-v1', async () => {
    const r = await runCli(['run', 'examples/quantization/fp4-gemm.ein', '--target', 'tpu-v1']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(expected('expected-bad-fp4.txt'));
  });
});
