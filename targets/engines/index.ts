// The built-in engine families and fused dataflows, in the order a spec that names none tries them.
// Adding one: a new file that calls registerEngine / registerDataflow, and one import line here
// (targets/engines/contract.ts says how).
import './gpu';
import './lut';
import './spatial';
import './scalesim';
import './fusemax';
import './flat';
import './dataflow-chip';
import './fpga';

export { registerEngine, engineFamilies, engineFamilyFor } from './registry';
export { registerDataflow, dataflowPlugins, dataflowPlugin, type DataflowPlugin } from './dataflows';
export { composeCycle, cycleRun } from './compose';
export { analyticRun, type EngineContext, type EngineFamily, type OpEngine, type OpRun, type LoweredOp, type OpKind } from './contract';
