// The examples/gpu walkthrough: its expected outputs stay true.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../compiler/driver/program';
import { openWebGpu, skipWithoutGpu } from '../codegen/webgpu-env';

describe('examples/gpu', () => {
  let out = '';
  beforeEach(() => {
    out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    process.exitCode = undefined;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('validate gpu on the synthetic file prints expected-validate-synthetic.txt', async () => {
    expect(await main(['validate', 'gpu', '--measurements', 'native/measurements/synthetic-h100-2026-11-22.json'])).toBe(0);
    expect(out).toBe(readFileSync('examples/gpu/expected-validate-synthetic.txt', 'utf8'));
  });

  it('validate gpu on the published H100 files prints expected-validate-published-h100.txt', async () => {
    const P = 'native/measurements/published';
    const files = ['h100-flash-attention-2-fwdbwd.json', 'h100-flash-attention-3-fwd.json', 'h100-vidur-llama2-7b-linear.json'].map((f) => `${P}/${f}`);
    expect(await main(['validate', 'gpu', '--measurements', ...files])).toBe(0);
    expect(out).toBe(readFileSync('examples/gpu/expected-validate-published-h100.txt', 'utf8'));
  });

  it('validate wgsl agrees with the interpreter on both example cascades', async (ctx) => {
    skipWithoutGpu(await openWebGpu(), ctx);
    for (const f of ['gemm-ragged', 'attention-causal-1pass']) {
      expect(await main(['validate', 'wgsl', `examples/gpu/${f}.ein`])).toBe(0);
    }
    const expected = readFileSync('examples/gpu/expected-wgsl.txt', 'utf8').trim().split('\n');
    const lines = out.trim().split('\n');
    expect(lines.length).toBe(expected.length);
    lines.forEach((l, i) => {
      const want = expected[i]!;
      if (want.includes('<adapter>')) expect(l.startsWith(want.replace('<adapter>', ''))).toBe(true);
      else {
        const [, n, err] = /: (\d+) values, max relative error ([\d.e+-]+) .* ok$/.exec(l) ?? [];
        expect(l.split(':')[0]).toBe(want.split(':')[0]);
        expect(Number(n)).toBe(Number(/: (\d+) values/.exec(want)![1]));
        expect(Number(err)).toBeLessThanOrEqual(2e-4);
      }
    });
  });
});
