// Cascade -> WGSL compute kernels plus the host schedule that dispatches them.
import type { Cascade } from '../../ir';
import { emitEinsumKernel, type WgslKernel } from './emit';
import { executionSteps, type Step } from './schedule';

export interface WgslProgram {
  cascade: Cascade;
  /** one kernel per einsum, indexed like cascade.einsums */
  kernels: WgslKernel[];
  steps: Step[];
}

export function compileCascadeToWgsl(c: Cascade): WgslProgram {
  const steps = executionSteps(c);
  const stepVarOf = new Map<number, string>();
  for (const s of steps) if (s.kind === 'loop') for (const m of s.members) stepVarOf.set(m, s.variable);
  const kernels = c.einsums.map((_, i) => emitEinsumKernel(c, i, stepVarOf.get(i)));
  return { cascade: c, kernels, steps };
}

/** All kernels as one annotated text, for `tessera validate wgsl --emit`. */
export function printWgslProgram(p: WgslProgram): string {
  const order = p.steps
    .map((s) => (s.kind === 'einsum' ? p.kernels[s.einsum]!.name : `loop ${s.variable} in 0..${s.steps - 1} { ${s.members.map((m) => p.kernels[m]!.name).join(', ')} }`))
    .join('; ');
  return [`// host schedule: ${order}`, ...p.kernels.map((k) => `// ---- kernel ${k.name}: ${k.invocations} invocations${k.stepVar ? `, step variable ${k.stepVar} from the uniform` : ''}\n${k.code}`)].join('\n');
}

export { emitEinsumKernel, type WgslKernel } from './emit';
export { executionSteps, WgslError, type Step } from './schedule';
export { runWgslProgram, getWebGpuDevice, type WgslRunResult, type WgslRunOptions, type DeviceHandle, type TensorData } from './runner';
export { dtypeTolerance, compareTensors, type TensorComparison } from './tolerance';
