// config.json parsing for every family, clear messages naming the field for bad input, and the
// `tessera lower` command end to end (exit codes 0 and 1).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../compiler/driver/program';
import { ConfigError, parseModelConfig } from '../../compiler/graph';
import { loadCascadeFile } from '../../compiler/lang';

const shared = resolve(import.meta.dirname, '../../data/models');
const text = (f: string) => readFileSync(resolve(shared, f), 'utf8');

describe('parseModelConfig accepts each family’s field names', () => {
  it('llama, mistral, opt, gpt2, bert, t5', () => {
    const l2 = parseModelConfig(text('llama-2-7b.json'));
    expect([l2.hidden, l2.heads, l2.kvHeads, l2.headDim, l2.intermediate, l2.layers, l2.vocab, l2.dtype]).toEqual([4096, 32, 32, 128, 11008, 32, 32000, 'fp16']);
    const m = parseModelConfig(text('mistral-7b.json'));
    expect([m.kvHeads, m.intermediate, m.dtype]).toEqual([8, 14336, 'bf16']);
    const o = parseModelConfig(text('opt-6.7b.json'));
    expect([o.hidden, o.intermediate, o.act, o.norm, o.positions]).toEqual([4096, 16384, 'relu', 'layer', { rows: 2050, offset: 2 }]);
    const g = parseModelConfig(text('gpt2.json'));
    expect([g.hidden, g.heads, g.layers, g.intermediate, g.act]).toEqual([768, 12, 12, 3072, 'gelu_tanh']); // n_inner null -> 4 * n_embd
    const b = parseModelConfig(text('bert-base-uncased.json'));
    expect([b.hidden, b.postNorm, b.causal, b.decode, b.normEps]).toEqual([768, true, false, false, 1e-12]);
    const t = parseModelConfig(text('t5-small.json'));
    expect([t.hidden, t.headDim, t.intermediate, t.heads, t.layers, t.decoderLayers, t.scale]).toEqual([512, 64, 2048, 8, 6, 6, false]);
  });
});

describe('bad config.json: the message names the file and the field', () => {
  const bad = (patch: Record<string, unknown>, drop?: string) => {
    const o = { ...JSON.parse(text('llama-2-7b.json')), ...patch };
    if (drop) delete o[drop];
    return JSON.stringify(o);
  };
  const msg = (t: string) => {
    try {
      parseModelConfig(t, 'llama-2-7b.json');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('no error');
  };
  it('a wrong type', () => {
    expect(msg(bad({ num_attention_heads: '32x' }))).toBe('llama-2-7b.json: field "num_attention_heads": expected a positive integer, got "32x"');
  });
  it('a missing field', () => {
    expect(msg(bad({}, 'hidden_size'))).toBe('llama-2-7b.json: field "hidden_size": expected a positive integer, got nothing (the field is missing)');
  });
  it('a non-positive or fractional size', () => {
    expect(msg(bad({ intermediate_size: 0 }))).toMatch(/field "intermediate_size": expected a positive integer, got 0/);
    expect(msg(bad({ num_hidden_layers: 2.5 }))).toMatch(/field "num_hidden_layers": expected a positive integer, got 2.5/);
  });
  it('inconsistent heads and head dims', () => {
    expect(msg(bad({ hidden_size: 4000 }))).toMatch(/field "hidden_size": the head dim 125 must be even for rotary embeddings/);
    expect(msg(bad({ num_key_value_heads: 5 }))).toMatch(/field "num_key_value_heads": 5 does not divide num_attention_heads = 32/);
    expect(msg(bad({ hidden_size: 4001 }))).toMatch(/field "hidden_size": 4001 is not divisible by num_attention_heads = 32/);
  });
  it('an unsupported model_type lists the supported ones', () => {
    expect(msg(bad({ model_type: 'falcon' }))).toBe('llama-2-7b.json: field "model_type": unsupported model type "falcon"; supported: llama, mistral, mixtral, opt, gpt2, bert, t5');
  });
  it('not JSON', () => {
    expect(msg('{"model_type": "llama",')).toMatch(/^llama-2-7b\.json: not valid JSON/);
  });
});

describe('tessera lower', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-lower-'));
  let err = '';
  const run = async (...args: string[]) => {
    err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      err += String(s);
      return true;
    });
    try {
      return await main(args);
    } finally {
      spy.mockRestore();
    }
  };
  afterEach(() => vi.restoreAllMocks());

  it('writes a .ein that parses back (llama-2-7b, 2 layers, decode)', async () => {
    const out = join(dir, 'l2.ein');
    expect(await run('lower', '--model', resolve(shared, 'llama-2-7b.json'), '--phase', 'decode', '--batch', '1', '--kv', '128', '--layers', '2', '-o', out)).toBe(0);
    const c = loadCascadeFile(out);
    expect(c.tensors.filter((t) => t.role === 'kvcache').map((t) => t.name)).toEqual(['L0_KC', 'L0_VC', 'L1_KC', 'L1_VC']);
  });
  it('a malformed config: the field is named, exit code 1, no stack trace', async () => {
    const f = join(dir, 'llama-2-7b.json');
    writeFileSync(f, text('llama-2-7b.json').replace('"num_attention_heads": 32', '"num_attention_heads": "32x"'));
    expect(await run('lower', '--model', f, '--phase', 'prefill', '--seq', '16')).toBe(1);
    expect(err).toBe('error: llama-2-7b.json: field "num_attention_heads": expected a positive integer, got "32x"\n');
  });
  it('unsupported model type, missing file, bad flags, a phase the model lacks: exit code 1', async () => {
    const f = join(dir, 'falcon.json');
    writeFileSync(f, '{"model_type": "falcon", "hidden_size": 64}');
    expect(await run('lower', '--model', f, '--seq', '4')).toBe(1);
    expect(err).toMatch(/unsupported model type "falcon"; supported: llama, mistral, mixtral, opt, gpt2, bert, t5/);
    expect(await run('lower', '--model', join(dir, 'nope.json'), '--seq', '4')).toBe(1);
    expect(err).toMatch(/cannot read .*nope\.json: ENOENT/);
    expect(await run('lower', '--model', resolve(shared, 'gpt2.json'), '--phase', 'prefill')).toBe(1);
    expect(err).toMatch(/--seq is required/);
    expect(await run('lower', '--model', resolve(shared, 'gpt2.json'), '--seq', '2k')).toBe(1);
    expect(err).toMatch(/--seq must be a positive integer, got "2k"/);
    expect(await run('lower', '--model', resolve(shared, 'gpt2.json'), '--seq', '2048')).toBe(1);
    expect(err).toMatch(/2048 positions exceed the 1024 learned position embeddings/);
    expect(await run('lower', '--model', resolve(shared, 'bert-base-uncased.json'), '--phase', 'decode', '--kv', '8')).toBe(1);
    expect(err).toMatch(/no decode phase/);
    expect(await run('lower', '--model', resolve(shared, 't5-small.json'), '--phase', 'decode', '--kv', '8')).toBe(1);
    expect(err).toMatch(/t5-small: t5 decode cross-attends to the encoder output; give its length with --seq/);
    expect(await run('lower', '--model', resolve(shared, 't5-small.json'), '--phase', 'decode', '--kv', '8', '--seq', '16', '-o', join(dir, 't5.ein'))).toBe(0);
    expect(err).not.toMatch(/at .*\.ts:\d+/);
  });
});
