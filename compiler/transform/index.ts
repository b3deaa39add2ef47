// Cascade transforms. Each returns a new, validated cascade with the same interpreter results.
export { partitionRank } from './partition';
export { rewrite3to1Pass, tileNames, type OnePassResult } from './one-pass';
export { fuseElementwise, fusionGroups, type FusionGroup } from './fusion';
export { TransformError } from './rewrite';
