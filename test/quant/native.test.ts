// Native (weight, activation) pairs: a GEMM reading a sub-byte type directly needs a unit that states the
// pair; `run --target --dtype` takes effect (bytes follow the type) or is refused, never ignored.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unitFor, unitPairs } from '../../compiler/quant';
import { loadTargetSpec } from '../../targets/registry';
import { runCli } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'tessera-native-'));
const fp4 = join(dir, 'fp4.ein');
writeFileSync(fp4, 'rank M = 16, K = 256, N = 64\ninput X[M, K]: fp16\nweight W[K, N]: fp4e2m1\nY[m, n]: fp16 = X[m, k] * W[k, n]\noutput Y\n');
const deq = join(dir, 'deq.ein');
writeFileSync(deq, 'rank M = 16, K = 256, N = 64\nrank K -> KG, KI = 32\ninput X[M, K]: fp16\nweight WQ[K, N]: int4\nweight WS[KG, N]: fp16\nW[kg*KI+ki, n]: fp16 = WQ[kg*KI+ki, n] * WS[kg, n]\nY[m, n]: fp16 = X[m, k] * W[k, n]\noutput Y\n');
const gemm = join(import.meta.dirname, '../../examples/gemm/gemm.ein');

describe('native pairs', () => {
  it('a GEMM on fp4 weights is refused on tpu-v1 (no unit states fp4e2m1 x fp16): plain message, exit 1', async () => {
    const r = await runCli(['run', fp4, '--target', 'tpu-v1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: einsum Y multiplies W \(fp4e2m1\) with X \(fp16\), and no compute unit of tpu-v1 executes fp4e2m1 x fp16/);
    expect(r.err).toMatch(/attr native = \[fp4e2m1_fp16\]/);
  });
  it('the same GEMM behind an explicit dequantise einsum runs, the dequantisation a visible einsum of its own', async () => {
    const r = await runCli(['run', deq, '--target', 'tpu-v1', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { einsums: { name: string }[] };
    expect(doc.einsums.map((e) => e.name)).toEqual(['W', 'Y']);
  });
  it('a unit that states the pair takes it, with its rate', () => {
    const spec = loadTargetSpec('tpu-v1');
    const u = { ...spec.computes[0]!, attrs: { ...spec.computes[0]!.attrs, native: ['fp4e2m1_fp16'], rate_fp4e2m1_fp16: 4 } };
    expect(unitPairs(u)).toEqual([{ unit: u.name, weight: 'fp4e2m1', act: 'fp16', rate: 4 }]);
    expect(unitFor({ ...spec, computes: [u] }, 'fp4e2m1', 'fp16')).toBe(u.name);
    expect(unitFor(spec, 'fp4e2m1', 'fp16')).toBeNull();
    expect(unitPairs({ ...u, attrs: { native: ['int4fp16'] } })).toMatch(/not <weight dtype>_<activation dtype>/);
  });
});

describe('run --target --dtype', () => {
  it('takes effect: int8 operands move a quarter of the fp32 bytes', async () => {
    const traffic = async (d: string) => {
      const r = await runCli(['run', gemm, '--target', 'tpu-v1', '--dtype', d, '--json']);
      expect(r.code).toBe(0);
      const t = (JSON.parse(r.out) as { traffic: Record<string, { readBytes: number }> }).traffic;
      return Object.values(t).reduce((s, x) => s + x.readBytes, 0);
    };
    const [f32, i8] = [await traffic('fp32'), await traffic('int8')];
    expect(i8 * 4).toBe(f32);
  });
  it('a sub-byte --dtype is refused with the flag that quantises the weights', async () => {
    const r = await runCli(['run', gemm, '--target', 'tpu-v1', '--dtype', 'int4']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--dtype int4 would hold every tensor.*lower --wbits 4 --group 128/);
  });
});
