// Fused dataflows, the mapper's side: each is a FusedDataflowModel (plugin.ts) the mapper is handed
// by the target (targets/engines/dataflows.ts joins each to its cycle model). The built-in list
// below serves callers without a target (`mapCascade(c, spec, { fusion: 'auto' })`).
import { iterativeVars } from '../../ir';
import { pipelineGroups } from './pipeline';
import { rowblockGroups } from './rowblock';
import type { FusedDataflowModel } from './plugin';

export * from './plugin';
export { describePipeline, iterativePartitions, pipelineGroups, pipelineModel } from './pipeline';
export { describeRowblock, rowblockGroups, rowblockModel } from './rowblock';

/** FuseMax: the 1-pass cascade pipelined over M0 tiles on the 2D and 1D arrays, one group per iterative partition (layer). */
export const pipelineDataflow: FusedDataflowModel = {
  name: 'pipeline',
  analytic(c, ws, hw, objective, batch) {
    const p = pipelineGroups(c, ws, hw, objective, batch);
    return Array.isArray(p) ? p : { reason: `no 2D+1D pipelined binding: ${p.reason}`, relevant: iterativeVars(c).length > 0 };
  },
};

/** FLAT: a cascade without an iterative rank fused over blocks of rows: the whole cascade, or each attention of a model. */
export const rowblockDataflow: FusedDataflowModel = {
  name: 'rowblock',
  analytic(c, ws, hw, objective, batch) {
    const r = rowblockGroups(c, ws, hw, objective, batch);
    return r.length > 0 ? r : { reason: 'the cascade is not a chain of einsums over one row rank; einsums are mapped one by one', relevant: iterativeVars(c).length === 0 };
  },
};

/** The mapper's built-in dataflows, in the order `auto` tries them (targets take theirs from the plug-in registry). */
export const BUILTIN_DATAFLOWS: readonly FusedDataflowModel[] = [pipelineDataflow, rowblockDataflow];
