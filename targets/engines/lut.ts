// The `lut` family: a GPU whose tensor cores are LUT units (sim/lut/gpu-lut.ts). mpGEMMs (a GEMM with
// a weight of 1-4 or 8 bits) run on the LUT units, each einsum's unit says which; the rest is the GPU
// model's kernel. Like `gpu`, it forms its own kernels, so it is a whole-cascade engine at fidelity
// cycle, and prices each op with the same model at fidelity analytic.
import { gpuEinsumRun } from '../../sim/gpu';
import { lutGpuFromSpec, lutKernel, mpGemmOf, simulateOnLutGpu, type LutGpu } from '../../sim/lut/gpu-lut';
import type { TargetSpec } from '../spec/types';
import type { OpRun } from './contract';
import { registerEngine } from './registry';

const cache = new WeakMap<TargetSpec, LutGpu | string>();
function lutGpu(spec: TargetSpec): LutGpu | string {
  let g = cache.get(spec);
  if (g === undefined) cache.set(spec, (g = lutGpuFromSpec(spec)));
  return g;
}

/** The LUT GPU of a spec; a spec the family refused never reaches here. */
function must(spec: TargetSpec): LutGpu {
  const g = lutGpu(spec);
  if (typeof g === 'string') throw new Error(g);
  return g;
}

export const lutFamily = registerEngine({
  name: 'lut',
  description: 'LUT tensor cores inside a GPU: mpGEMMs on the LUT units (sim/lut), the rest as sim/gpu runs it',
  unsupported: (s) => {
    const g = lutGpu(s);
    return typeof g === 'string' ? g : null;
  },
  ops: [
    {
      name: 'lut-gpu-kernel',
      kinds: ['contraction', 'reduction', 'elementwise'],
      analytic(op, ctx): OpRun {
        const g = must(ctx.spec);
        const c = ctx.mapping.cascade;
        const v = mpGemmOf(c, op.index, g.weightBits);
        if (v) {
          const k = lutKernel(g, v, op.batch);
          return { latencyCycles: Math.round(k.seconds * g.hw.clockHz), energyPj: k.energyPj, busyPeCycles: { [g.unitName]: k.macs }, traffic: k.traffic, unit: g.unitName };
        }
        const r = gpuEinsumRun(c, op.index, g.hw, g.params, op.batch, g.levels);
        return { latencyCycles: r.latencyCycles, energyPj: r.energyPj, busyPeCycles: { SM: r.macs }, traffic: r.traffic, unit: r.unit };
      },
    },
  ],
  simulate: (m, spec, o) => simulateOnLutGpu(m, must(spec), o.fidelity === 'analytic' ? 'analytic' : 'cycle'),
});
