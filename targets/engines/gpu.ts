// The `gpu` family: the GPU model (sim/gpu) forms its own kernels from the cascade (one per einsum,
// FlashAttention for an attention cascade), so it is a whole-cascade engine, not per-op engines.
import { gpuCycleSimulator } from '../../sim/gpu';
import { registerEngine } from './registry';

export const gpuFamily = registerEngine({
  name: 'gpu',
  description: 'GPU kernels (tiles and waves over SMs, FlashAttention), one kernel per einsum: sim/gpu',
  unsupported: (s) => (s.computes.some((c) => c.kind === 'sm') ? null : 'it needs a compute unit of kind sm'),
  ops: [],
  simulate: gpuCycleSimulator,
});
