// `tessera/sim`: the simulators' common core (events, stats, traces, the Result schema) and the engines:
// spatial (systolic arrays, FuseMax/FLAT attention pipelines), memory (channels, SRAM banks) and GPU.
export * from '../sim/core';
export * from '../sim/memory';
export * from '../sim/spatial';
export { simulateCascadeOnGpu, gpuCycleSimulator, defaultCalibration, gpuHardwareFromSpec, type GpuCascadeOptions, type DefaultCalibration } from '../sim/gpu';
