// The `gpu` family: the GPU model (sim/gpu) forms its own kernels from the cascade (one per einsum,
// FlashAttention for an attention cascade), so it is a whole-cascade engine at fidelity cycle; at
// fidelity analytic the same kernel model prices each op (CTA tiles over M and N, waves, L2/HBM,
// energy per level), replacing the generic mapper's cost, which has no notion of CTA tiles.
import { gpuContext, gpuCycleSimulator, gpuEinsumRun } from '../../sim/gpu';
import type { OpRun } from './contract';
import { registerEngine } from './registry';

export const gpuFamily = registerEngine({
  name: 'gpu',
  description: 'GPU kernels (tiles and waves over SMs, FlashAttention), one kernel per einsum: sim/gpu',
  unsupported: (s) => (s.computes.some((c) => c.kind === 'sm') ? null : 'it needs a compute unit of kind sm'),
  ops: [
    {
      name: 'gpu-kernel',
      kinds: ['contraction', 'reduction', 'elementwise'],
      analytic(op, ctx): OpRun {
        const { hw, params, levels } = gpuContext(ctx.spec);
        const r = gpuEinsumRun(ctx.mapping.cascade, op.index, hw, params, op.batch, levels);
        return { latencyCycles: r.latencyCycles, energyPj: r.energyPj, busyPeCycles: { [op.units[0] ?? 'SM']: r.macs }, traffic: r.traffic, unit: r.unit };
      },
    },
  ],
  simulate: gpuCycleSimulator,
});
