// The GPU model: H100/A100 kernels (GEMM with CTA tiles over M and N, FlashAttention-2/-3) with tile
// and wave quantisation, calibrated on published or measured kernel times; and whole cascades, one
// kernel per einsum, with traffic and energy per level of the .arch hierarchy.
import type { Cascade } from '../../compiler/ir';
import type { TargetSpec } from '../../targets/spec/types';
import type { Fidelity, Result } from '../core/result';
import { simulateCascadeOnGpu, type GpuLevelNames } from './cascade';
import { defaultCalibration } from './default-calibration';
import { gpuHardwareFromSpec, type GpuHardware } from './hardware';
import { DEFAULT_PARAMS, type GpuModelParams } from './params';

export * from './hardware';
export * from './model';
export * from './metrics';
export * from './measurements';
export * from './calibrate';
export * from './validate';
export * from './calibration-file';
export { simulateCascadeOnGpu, gpuEinsumRun, hasEnergyModel, type GpuCascadeOptions, type GpuEinsumRun, type GpuLevelNames } from './cascade';
export { defaultCalibration, committedCalibration, measurementFilesFor, MEASUREMENTS_DIR, CALIBRATION_DIR, type DefaultCalibration } from './default-calibration';

/** The .arch's names for the GPU levels the Result reports (HBM, L2, shared memory, registers). */
export function gpuLevelNames(spec: TargetSpec): GpuLevelNames {
  const hbm = spec.memories.find((m) => m.kind === 'hbm' || m.kind === 'dram')?.name ?? 'HBM';
  const l2 = spec.memories.find((m) => m.kind === 'sram' && /l2/i.test(m.name))?.name;
  const smem = spec.memories.find((m) => m.kind === 'sram' && /smem|shared/i.test(m.name))?.name;
  const rf = spec.memories.find((m) => m.kind === 'regfile')?.name;
  return { hbm, ...(l2 ? { l2 } : {}), ...(smem ? { smem } : {}), ...(rf ? { rf } : {}) };
}

/**
 * The GPU engine (targets/h100, targets/a100, targets/a100-80gb): structurally a CycleSimulator.
 * Hardware from the target's .arch; parameters from the committed calibration for that target.
 * The GPU has one kernel model, so both fidelities run it; the Result carries the fidelity asked for.
 */
export function gpuCycleSimulator(m: { cascade: Cascade; target: string; workload: string; schedule?: unknown; warnings?: string[]; batch?: number }, spec: TargetSpec, o: { fidelity: Fidelity | string }): Result {
  const hw = gpuHardwareFromSpec(spec);
  const cal = defaultCalibration(spec.name, hw);
  const warnings = [...(m.warnings ?? []), ...(cal ? cal.warnings : [`no calibration for ${spec.name} in native/calibration or native/measurements: the GPU model runs with uncalibrated default parameters`])];
  const fidelity: Fidelity = o.fidelity === 'analytic' ? 'analytic' : 'cycle';
  return simulateCascadeOnGpu(m.cascade, hw, cal?.params ?? DEFAULT_PARAMS, { target: m.target, workload: m.workload, warnings, schedule: m.schedule, batch: m.batch ?? 1, fidelity }, gpuLevelNames(spec));
}

const hwCache = new WeakMap<TargetSpec, { hw: GpuHardware; params: GpuModelParams; levels: GpuLevelNames }>();

/** The hardware, calibrated parameters and level names of a GPU spec (cached per spec object). */
export function gpuContext(spec: TargetSpec): { hw: GpuHardware; params: GpuModelParams; levels: GpuLevelNames } {
  let x = hwCache.get(spec);
  if (!x) {
    const hw = gpuHardwareFromSpec(spec);
    x = { hw, params: defaultCalibration(spec.name, hw)?.params ?? DEFAULT_PARAMS, levels: gpuLevelNames(spec) };
    hwCache.set(spec, x);
  }
  return x;
}

/** The same model for fidelity 'analytic' (what the GPU targets' analytic fidelity should run). */
export function gpuAnalyticSimulator(m: Parameters<typeof gpuCycleSimulator>[0], spec: TargetSpec): Result {
  return gpuCycleSimulator(m, spec, { fidelity: 'analytic' });
}
