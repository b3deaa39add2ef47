// The architecture language (.arch): parse, print, compare, and find the built-in targets.
export * from './types';
export { parseTarget, parseParamFlags, type ParseTargetResult, type Overrides, type BaseResolver, type ReadText } from './parse';
export { printTarget } from './print';
export { targetsEqual, canonicalTargetJson } from './equal';
export { UNITS, BASE_UNIT, type Dimension } from './units';
export { builtinTargetFiles, builtinTargetPath, loadBuiltinTarget, loadTargetFile, archBaseResolver, unknownTargetError } from './builtin';
export { targetSummaryLines, computeSummary, memorySummary, humanQuantity } from './summary';
