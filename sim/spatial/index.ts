export * from './folds';
export * from './mac';
export { simulateReference, type GemmOperands, type ReferenceResult } from './reference';
export { simulateSystolic, gemmValues, type SystolicConfig, type SystolicMemoryConfig, type SystolicRun, type SystolicRunOptions } from './systolic';
export { simulateFusemax, simulateFlat, tileCosts, type AttentionRun } from './attention-pipeline';
export * from './attention-shape';
export { systolicResult, runTraffic, type NamedRun } from './result';
export { simulateTiledGemm, type TiledGemmConfig, type TiledGemmRun } from './tiled-gemm';
