// The capacity stage against footprints counted by hand from LLaMA-2-7B's config (hidden 4096, 32 layers,
// intermediate 11008, vocab 32000, fp16), and the CLI's refusal (exit 1, plain message, remedies).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lowerFromCli } from '../../compiler/driver/commands/lower';
import { checkCapacity, footprint } from '../../compiler/driver/stages/capacity';
import { loadTargetSpec } from '../../targets/registry';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const model = join(root, 'data/models/llama-2-7b.json');
const D = 4096, I = 11008, V = 32000, L = 32;
// fp16 weights: embedding and LM head, per layer q/k/v/o (D×D), gate/up/down (D×I), two norm gains; final norm
const fp16Weights = 2 * (2 * V * D + L * (4 * D * D + 3 * D * I + 2 * D) + D);

describe('footprints', () => {
  it('LLaMA-2-7B decode, b = 1, kv = 2048, fp16: weights 13.48 GB, KV cache 2·32·2048·4096·2 B = 1 GiB', () => {
    const c = lowerFromCli({ model, phase: 'decode', batch: '1', kv: '2048', passes: '3' });
    const f = footprint(c);
    expect(f.weightsBytes).toBe(fp16Weights);
    expect(fp16Weights / 1e9).toBeCloseTo(13.48, 2);
    expect(f.kvBytes).toBe(2 * L * 2048 * D * 2);
  });
  it('--wbits 4 --group 128: q/k/v/o/gate/up/down at half a byte plus an fp16 scale per 128 inputs; embedding, LM head, norms stay fp16', () => {
    const c = lowerFromCli({ model, phase: 'decode', batch: '1', kv: '2048', passes: '3', wbits: '4', group: '128' });
    const perLayer = 4 * (D * D * 0.5 + (D / 128) * D * 2) + 2 * (D * I * 0.5 + (D / 128) * I * 2) + (I * D * 0.5 + Math.ceil(I / 128) * D * 2) + 2 * D * 2;
    expect(footprint(c).weightsBytes).toBe(2 * V * D * 2 + L * perLayer + D * 2);
  });
  it('decode b = 32, kv = 4096: the fp16 KV cache is 2·32·32·4096·4096·2 B = 68.7 GB; KIVI 2-bit (group 32, residual 128) counted by hand', () => {
    const c = lowerFromCli({ model, phase: 'decode', batch: '32', kv: '4096', passes: '3' });
    expect(footprint(c).kvBytes).toBe(2 * 32 * 32 * 4096 * 4096 * 2);
    expect(footprint(c).kvBytes / 1e9).toBeCloseTo(68.72, 2);
    const q = lowerFromCli({ model, phase: 'decode', batch: '32', kv: '4096', passes: '3', kvBits: '2', kvResidual: '128' });
    // per layer and cache: uint2 codes for every slot (preallocated), an fp16 scale and minimum per group of
    // 32 (keys: 32 tokens of a channel; values: 32 channels of a token), and the 128-token fp16 residual
    const codes = (32 * 4096 * 4096 * 2) / 8, scales = 2 * ((32 * 4096 * 4096) / 32) * 2, residual = 32 * 128 * 4096 * 2;
    expect(footprint(q).kvBytes).toBe(L * 2 * (codes + scales + residual));
  });
});

describe('against the target', () => {
  it('a100 (40 GiB): the fp16 KV cache at b = 32 does not fit, the KIVI one does', () => {
    const spec = loadTargetSpec('a100');
    const c = lowerFromCli({ model, phase: 'decode', batch: '32', kv: '4096', passes: '3' });
    expect(() => checkCapacity(c, spec)).toThrow(/KV cache 64 GiB[\s\S]*the target holds 40 GiB[\s\S]*fits with lower --kv-bits 2 --kv-residual 128/);
    const q = lowerFromCli({ model, phase: 'decode', batch: '32', kv: '4096', passes: '3', kvBits: '2', kvResidual: '128' });
    expect(checkCapacity(q, spec).footprint.totalBytes).toBeLessThan(40 * 2 ** 30);
  });

  it('u280 (8 GiB HBM): fp16 LLaMA-2-7B is refused by the CLI, exit 1, naming --wbits 4; int4 weights fit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-cap-'));
    const out = join(dir, 'l.ein');
    expect((await runCli(['lower', '--model', model, '--seq', '16', '-o', out])).code).toBe(0);
    const r = await runCli(['run', out, '--target', 'u280']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/does not fit on u280: it needs 12\.6 GiB \(weights 12\.6 GiB/);
    expect(r.err).toMatch(/the target holds 8 GiB \(HBM 8 GiB\)/);
    expect(r.err).toMatch(/fits with lower --wbits 4 --group 128: 3\.\d+ GiB/);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    const q = lowerFromCli({ model, phase: 'prefill', batch: '1', seq: '16', passes: '3', wbits: '4', group: '128' });
    expect(checkCapacity(q, loadTargetSpec('u280')).checked).toBe(true);
  }, 30_000);
});
