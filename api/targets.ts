// `tessera/targets`: the .arch language (parse, print, compare), the built-in targets and the Target
// interface the pipeline maps and simulates on.
export * from '../targets/spec';
export { listTargets, loadTarget, loadTargetSpec, getTarget, looksLikePath } from '../targets/registry';
export { targetFromSpec, fidelityUnavailable, type Target, type Schedule, type SimOptions, type CycleSimulator, type Mapping, type MapOptions, type Objective } from '../targets/target';
export { CYCLE_ENGINES, cycleEngineFor, type CycleEngine } from '../targets/engines';
// engines as plug-ins: the per-op contract, the family registry, fused dataflows (targets/engines/contract.ts)
export { registerEngine, engineFamilies, engineFamilyFor, registerDataflow, dataflowPlugins, dataflowPlugin, composeCycle, analyticRun, type DataflowPlugin, type EngineContext, type EngineFamily, type OpEngine, type OpRun, type LoweredOp, type OpKind } from '../targets/engines/index';
