// compiler/map: per-einsum mapping space, analytical cost model, mapper search, fused dataflows.
export * from './mapping';
export { hwModel, type HwModel, type UnitModel, type LevelModel } from './hardware';
export { cascadeWorkloads, einsumWorkload, cyclesPerPoint, type EinsumWorkload } from './workload';
export { EinsumCostModel, tileCandidates, tensorPlacement, PLACE_DRAM, PLACE_GLB, PLACE_HOST } from './cost';
export { searchEinsum, spaceSize, bindings, permutations, rng, type Choice, type SearchOutcome } from './search';
export { mapEinsum } from './map-einsum';
export { mapCascade, type CascadeMapOptions, type FusionPolicy } from './map-cascade';
export { pipelineModel, rowblockModel, describePipeline, describeRowblock, pipelineDataflow, rowblockDataflow, BUILTIN_DATAFLOWS, type FusedDataflowModel, type FusedOutcome } from './fused';
export { analyticResult } from './result';
export { lowerMapping, lowerOps, opKindOf, type LoweredOp, type OpKind } from './lowered';
