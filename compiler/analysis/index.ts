// Static analysis of a cascade: operation counts, bytes, intensity, footprint, FuseMax pass counts.
export { analyzeCascade, type CascadeAnalysis, type EinsumAnalysis, type TensorAnalysis } from './analyze';
export { countPasses, passAnalysis, type PassInfo } from './passes';
export { einsumOps, exprOps, OP_KINDS, type OpCounts, type OpKind, type EinsumOps } from './flops';
export { pointCounts, type PointCounts } from './points';
export { gatheredBytes, gatheredElements, indexedWriteElements } from './gathered';
