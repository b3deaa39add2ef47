// The library entry of the `tessera` package (`import { ... } from 'tessera'`): the main API in one place.
//   parse/load cascades -> lower models -> load targets -> map and simulate -> schedule tensors in tiers.
// Each area also has its own entry with everything it exports: tessera/lang, tessera/ir, tessera/graph,
// tessera/targets, tessera/map, tessera/schedule, tessera/sim, tessera/interp, tessera/analysis,
// tessera/transform, tessera/pipeline. See docs/API.md.
export * from '../compiler/ir';
export { parseCascade, loadCascadeFile, type ParseResult } from '../compiler/lang';
export { buildModel, blockConfig, parseModelConfig, buildGemm, buildAttention, ConfigError, FAMILIES, type Family, type ModelSpec, type LowerOptions, type Phase, type GemmOptions, type AttentionOptions } from '../compiler/graph';
export { listTargets, loadTarget, loadTargetSpec, getTarget, looksLikePath } from '../targets/registry';
export { targetFromSpec, type Target, type Schedule, type SimOptions } from '../targets/target';
export { parseTarget, printTarget, loadTargetFile, loadBuiltinTarget, builtinTargetFiles, type TargetSpec, type Overrides } from '../targets/spec';
export {
  simulateCascade,
  runPipeline,
  resolveTarget,
  mapStage,
  simulateStage,
  formatResult,
  parseFidelity,
  parseObjective,
  parseScheduleKind,
  type PipelineOptions,
  type ScheduledPipelineOptions,
} from '../compiler/driver/pipeline';
export { placeTensors, SCHEDULE_KINDS, type Placement, type PlacementOptions, type ScheduleKind } from '../compiler/driver/stages/placement';
export {
  cascadeToOpGraph,
  tierChainFromTarget,
  runSchedule,
  ilpSchedule,
  baselineSchedule,
  checkSchedule,
  getSolver,
  SOLVER_NAMES,
  type ScheduleRequest,
  type ScheduleReport,
  type SolverName,
} from '../compiler/schedule';
export { FIDELITIES, ResultSchema, type Fidelity, type Result } from '../sim/core/result';
export { OBJECTIVES, type Mapping, type Objective } from '../compiler/map/mapping';
export { mapCascade } from '../compiler/map';
export { interpret, randomInputs, type TensorData } from '../compiler/interp';
export { analyzeCascade, type CascadeAnalysis } from '../compiler/analysis';
