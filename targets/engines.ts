// Cycle-level engines are plug-ins (as Accelergy's estimators are): each says which targets it can
// simulate, and a target's .arch picks one with `attr engine = NAME` (or `none`). Without the
// attribute the first engine that supports the spec is used, so a user's own .arch file gets cycle
// fidelity with no code. Adding an engine is one entry here and its module under sim/.
import { gpuCycleSimulator } from '../sim/gpu';
import { scaleSimCycleSimulator, scaleSimUnsupported } from './scalesim-engine';
import { spatialCycleSimulator } from './spatial-cycle';
import type { CycleSimulator } from './target';
import type { TargetSpec } from './spec/types';

export interface CycleEngine {
  name: string;
  description: string;
  /** null when the engine can simulate this target, else why not */
  unsupported(spec: TargetSpec): string | null;
  simulate: CycleSimulator;
}

export const CYCLE_ENGINES: readonly CycleEngine[] = [
  {
    name: 'gpu',
    description: 'GPU kernels (tiles and waves over SMs, FlashAttention), one kernel per einsum: sim/gpu',
    unsupported: (s) => (s.computes.some((c) => c.kind === 'sm') ? null : 'it needs a compute unit of kind sm'),
    simulate: gpuCycleSimulator,
  },
  {
    name: 'spatial',
    description: 'systolic arrays per fold, FuseMax 2D+1D and FLAT row blocks: sim/spatial',
    unsupported: (s) => (s.computes.some((c) => c.kind === 'array2d' && c.rows && c.cols) ? null : 'it needs a compute unit of kind array2d with rows and cols'),
    simulate: spatialCycleSimulator,
  },
  {
    name: 'scalesim',
    description: 'SCALE-Sim v2 machines (array2d, IFMAP/FILTER/OFMAP_SRAM, DRAM), one simulateSystolic per GEMM, as SCALE-Sim: targets/scalesim-engine.ts',
    unsupported: scaleSimUnsupported,
    simulate: scaleSimCycleSimulator,
  },
];

/** The engine a target simulates its cycle fidelity with; a string says why it has none. */
export function cycleEngineFor(spec: TargetSpec): CycleEngine | string {
  const named = spec.attrs.engine;
  if (named === undefined) return CYCLE_ENGINES.find((e) => e.unsupported(spec) === null) ?? `no cycle-level engine supports ${spec.name} (${CYCLE_ENGINES.map((e) => `${e.name}: ${e.unsupported(spec)}`).join('; ')})`;
  if (named === 'none') return `${spec.name} says \`attr engine = none\``;
  const e = CYCLE_ENGINES.find((x) => x.name === named);
  if (!e) return `${spec.name}: unknown engine '${String(named)}' (engines: ${CYCLE_ENGINES.map((x) => x.name).join(', ')}, none)`;
  const why = e.unsupported(spec);
  return why === null ? e : `engine ${e.name} cannot simulate ${spec.name}: ${why}`;
}
