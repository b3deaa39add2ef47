// The GPU kernel model: GEMM (gemm.ts) and FlashAttention (attention.ts), with the free parameters
// of params.ts. Hardware facts come from GpuHardware (the .arch file); the few free numbers are
// fitted by calibrate.ts on measurements.
export * from './params';
export * from './gemm';
export * from './attention';
