// Bad quantisation flags on `lower`: a plain message and exit 1, never a stack trace or a silent default.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const tiny = ['lower', '--model', 'examples/models/tiny-llama.json', '--phase', 'decode', '--kv', '64'];

describe('lower quantisation flags', () => {
  for (const [args, msg] of [
    [['--wbits', '9'], /--wbits must be an integer from 1 to 8, got 9/],
    [['--wbits', 'four'], /--wbits must be an integer of at least 1, got "four"/],
    [['--group', '64'], /--group needs --wbits or --kv-bits/],
    [['--wbits', '4', '--kv-residual', '16'], /--kv-group and --kv-residual need --kv-bits/],
    [['--kv-bits', '2', '--kv-group', '32', '--kv-residual', '48'], /--kv-residual 48 must be a positive multiple of --kv-group 32/],
    [['--dtype', 'fp4e2m1'], /--dtype fp4e2m1 would hold every tensor, norms and activations too, in 4 bits; for weight-only quantisation write --wbits 4 --group 128/],
  ] as const)
    it(`${args.join(' ')}: ${msg.source.slice(0, 40)}…`, async () => {
      const r = await runCli([...tiny, ...args]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/\n\s+at /);
    });

  it('a KV length that is not a multiple of the residual leaves the caches in their type, and says so', async () => {
    const r = await runCli([...tiny.slice(0, -1), '60', '--kv-bits', '2', '--kv-group', '8', '--kv-residual', '16']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/KV caches left unquantised: L0_KC \(60 tokens: KIVI here needs a multiple of --kv-residual 16, above it\)/);
    expect(r.out).not.toMatch(/_KC_Q/);
  });
});
