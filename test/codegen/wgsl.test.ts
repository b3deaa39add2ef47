import { beforeAll, describe, expect, it } from 'vitest';
import { interpret, randomInputs } from '../../compiler/interp';
import { compareTensors, compileCascadeToWgsl, runWgslProgram, type DeviceHandle } from '../../compiler/codegen/wgsl';
import { parseCascade } from '../../compiler/lang';
import { buildAttention, buildGemm, GraphBuilder, type AttentionOptions } from '../../compiler/graph';
import type { Cascade } from '../../compiler/ir';
import { WGSL_CASES } from './wgsl-cases';
import { openWebGpu, skipWithoutGpu } from './webgpu-env';

let gpu: DeviceHandle;
beforeAll(async () => {
  gpu = await openWebGpu();
});


/** Runs the generated kernels and the interpreter on the same random inputs; every output must agree within its dtype's tolerance. */
async function expectMatchesInterpreter(c: Cascade, seed: number): Promise<void> {
  const inputs = randomInputs(c, seed);
  const ref = interpret(c, inputs);
  const got = await runWgslProgram(compileCascadeToWgsl(c), inputs);
  for (const o of c.outputs) {
    const r = ref.get(o)!;
    const cmp = compareTensors(o, got.tensors.get(o)!.data, r.data, r.dtype);
    expect(cmp.ok, `${o}: max rel error ${cmp.maxRelError} > ${cmp.tolerance} at ${JSON.stringify(cmp.worst)}`).toBe(true);
  }
}
describe('WGSL kernels equal the interpreter', () => {
  it('has at least 20 cases', () => expect(WGSL_CASES.length).toBeGreaterThanOrEqual(20));
  for (const [i, tc] of WGSL_CASES.entries())
    it(tc.name, async (ctx) => {
      const { cascade, diagnostics } = parseCascade(tc.ein, `${tc.name}.ein`);
      expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const c = cascade!;
      skipWithoutGpu(gpu, ctx);
      await expectMatchesInterpreter(c, 100 + i);
    });

  it('catches a wrong kernel (the comparison can fail)', async (ctx) => {
    const { cascade } = parseCascade(WGSL_CASES[1]!.ein);
    const c = cascade!;
    skipWithoutGpu(gpu, ctx);
    const inputs = randomInputs(c, 7);
    const ref = interpret(c, inputs);
    const p = compileCascadeToWgsl(c);
    p.kernels[0]!.code = p.kernels[0]!.code.replace('acc = acc + ', 'acc = acc - ');
    const got = await runWgslProgram(p, inputs);
    expect(compareTensors('Z', got.tensors.get('Z')!.data, ref.get('Z')!.data, 'fp32').ok).toBe(false);
  });

  it('timing mode reports a positive median', async (ctx) => {
    const { cascade } = parseCascade(WGSL_CASES[2]!.ein);
    skipWithoutGpu(gpu, ctx);
    const r = await runWgslProgram(compileCascadeToWgsl(cascade!), randomInputs(cascade!, 1), { timingRuns: 3, warmupRuns: 1 });
    expect(r.medianSeconds).toBeGreaterThan(0);
  });
});

describe('WGSL kernels for cascades from the graph builders', () => {
  const cases: { name: string; build: () => Cascade }[] = [
    { name: 'batched GEMM 3 x 17x9x12 bf16 -> fp32', build: () => buildGemm({ m: 17, n: 9, k: 12, batch: 3, dtype: 'bf16', accDtype: 'fp32' }) },
    { name: 'GQA 4/2 heads, causal, 1-pass, ragged tile', build: () => attentionCascade({ heads: 4, kvHeads: 2, headDim: 8, batch: 1, seq: 21, passes: 1, tile: 8, causal: true }) },
    { name: 'MQA 3-pass, sliding window 5', build: () => attentionCascade({ heads: 2, kvHeads: 1, headDim: 4, batch: 2, seq: 11, passes: 3, causal: true, window: 5 }) },
    { name: 'decode with KV cache, 2-pass', build: () => attentionCascade({ heads: 2, headDim: 8, batch: 2, seq: 1, kvLen: 19, passes: 2, decode: true }) },
  ];
  for (const [i, tc] of cases.entries())
    it(tc.name, async (ctx) => {
      const c = tc.build();
      skipWithoutGpu(gpu, ctx);
      await expectMatchesInterpreter(c, 300 + i);
    });
});

function attentionCascade(o: AttentionOptions): Cascade {
  const g = new GraphBuilder();
  g.output(buildAttention(g, o));
  return g.build();
}
