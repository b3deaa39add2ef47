// Graph builders: cascades from layer and model descriptions. See docs/MODELS.md.
export * from './dsl';
export { buildGemm, type GemmOptions } from './gemm';
export { attentionCore, buildAttention, headLayout, type AttentionCoreOptions, type AttentionOptions, type HeadLayout, type Passes } from './attention';
export { activationExpr, layerNorm, linear, mlp, norm, residual, rmsNorm, rope, ropeTables, type Activation, type LayerCtx, type NormKind } from './layers';
export { buildBlock, declarePositions, transformerBlock, ROPE_COS, ROPE_SIN, type BlockConfig, type BlockResult } from './blocks';
export { ConfigError, FAMILIES, parseModelConfig, type Family, type ModelSpec } from './config';
export { blockConfig, buildModel, type LowerOptions, type Phase } from './model';
