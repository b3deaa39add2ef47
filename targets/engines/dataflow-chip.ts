// The `dataflow` family: dataflow chips with several memory tiers (the SN40L), a whole-cascade engine at
// fidelity cycle: operators pipelined across PCUs/PMUs in sections, tiles streaming between them, and
// each off-chip tier (HBM, DDR) one channel on the timeline (sim/dataflow, targets/dataflow-cycle.ts).
// At fidelity analytic, the mapper's costs with each section's operators overlapped in closed form
// (sim/dataflow/closed-form.ts).
import { dataflowAnalytic, dataflowCycleSimulator, dataflowUnsupported } from '../dataflow-cycle';
import { registerEngine } from './registry';

export const dataflowFamily = registerEngine({
  name: 'dataflow',
  description: 'dataflow chips (SN40L): operators pipelined across PCUs/PMUs in sections, one channel per off-chip tier: sim/dataflow',
  unsupported: dataflowUnsupported,
  ops: [],
  simulate: dataflowCycleSimulator,
  analytic: dataflowAnalytic,
});
