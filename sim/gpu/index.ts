// The GPU model: H100/A100 kernels (GEMM, FlashAttention-style attention) with tile and wave
// quantisation, calibrated on native/ measurements; and whole cascades, one kernel per einsum.
import type { Cascade } from '../../compiler/ir';
import type { TargetSpec } from '../../targets/spec/types';
import type { Result } from '../core/result';
import { simulateCascadeOnGpu } from './cascade';
import { defaultCalibration } from './default-calibration';
import { gpuHardwareFromSpec } from './hardware';
import { DEFAULT_PARAMS } from './model';

export * from './hardware';
export * from './model';
export * from './metrics';
export * from './measurements';
export * from './calibrate';
export * from './validate';
export { simulateCascadeOnGpu, type GpuCascadeOptions } from './cascade';
export { defaultCalibration, measurementFilesFor, MEASUREMENTS_DIR, type DefaultCalibration } from './default-calibration';

/**
 * The GPU engine for a Target's fidelity 'cycle' (targets/h100, targets/a100): structurally a
 * CycleSimulator (targets/target.ts). Hardware from the target's .arch; parameters fitted on the
 * newest measurement file for that GPU in native/measurements.
 */
export function gpuCycleSimulator(m: { cascade: Cascade; target: string; workload: string; schedule?: unknown; warnings?: string[]; batch?: number }, spec: TargetSpec, _o: { fidelity: string }): Result {
  const hw = gpuHardwareFromSpec(spec);
  const cal = defaultCalibration(spec.name, hw);
  const warnings = [...(m.warnings ?? []), ...(cal ? cal.warnings : [`no measurements for ${spec.name} in native/measurements: the GPU model runs with uncalibrated default parameters`])];
  return simulateCascadeOnGpu(m.cascade, hw, cal?.params ?? DEFAULT_PARAMS, { target: m.target, workload: m.workload, warnings, schedule: m.schedule, batch: m.batch ?? 1 });
}
