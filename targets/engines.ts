// Cycle-level engines are plug-ins (as Accelergy's estimators are), registered by family in
// targets/engines/ (the contract and how to add one: targets/engines/contract.ts). This module keeps
// the names the rest of Tessera has used: the registered families and the one a spec selects.
import './engines/index';
import { engineFamilies, engineFamilyFor } from './engines/registry';
import type { EngineFamily } from './engines/contract';

export type CycleEngine = EngineFamily;

/** The registered engine families, in the order a spec that names none tries them. */
export const CYCLE_ENGINES: readonly CycleEngine[] = engineFamilies();

/** The engine a target simulates its cycle fidelity with; a string says why it has none. */
export function cycleEngineFor(spec: Parameters<typeof engineFamilyFor>[0]): CycleEngine | string {
  return engineFamilyFor(spec);
}
