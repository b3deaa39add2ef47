// The mapper's side of a fused dataflow plug-in (the whole plug-in, with its cycle model, is
// targets/engines/dataflows.ts). The mapper is handed the dataflows a target's `attr fusion`
// selects and asks each, in order, for the groups it forms; it never names one.
import type { Cascade } from '../../ir';
import type { HwModel } from '../hardware';
import type { EinsumMapping, GroupMapping, Objective } from '../mapping';
import type { EinsumWorkload } from '../workload';

/** One fused group the dataflow formed: its mapping, its members' mappings, and every einsum it absorbs. */
export interface FusedOutcome {
  group: GroupMapping;
  einsums: EinsumMapping[];
  /** cascade indices the group accounts for: its members and the einsums it folds in (inits of its running values) */
  covers?: number[];
  /** parts of the cascade of the same shape the dataflow left unfused, and why (a layer whose state does not fit) */
  unfused?: string[];
}

/** Why a dataflow formed no group; `relevant`: the cascade is of the shape it fuses, so a user should hear why. */
export interface FusedRefusal {
  reason: string;
  relevant: boolean;
}

export interface FusedDataflowModel {
  /** GroupMapping.kind of its groups; the name `attr fusion` selects */
  name: string;
  /** the groups it forms on `c` (disjoint), with their analytic costs; a refusal when none */
  analytic(c: Cascade, ws: EinsumWorkload[], hw: HwModel, objective: Objective, batch: number): FusedOutcome[] | FusedRefusal;
}
