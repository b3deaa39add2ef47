// With a tier schedule, every operand of an operator is in the SRAM tier while it runs (COSMA's model):
// the engines then see the target with its off-chip memories made free (no time, no energy), and the
// schedule's loads and spills are added back per tier by applyPlacement. One rule for every engine and
// both fidelities.
import type { MemorySpec, TargetSpec } from '../../../targets/spec/types';

export const OFFCHIP_KINDS: ReadonlySet<MemorySpec['kind']> = new Set(['hbm', 'dram', 'ddr', 'flash']);

/** A bandwidth no transfer notices (1e30 B/s): finite, so every engine's arithmetic stays ordinary. */
const FREE_BANDWIDTH = 1e30;

export function residentSpec(spec: TargetSpec): TargetSpec {
  return {
    ...spec,
    memories: spec.memories.map((m) => {
      if (!OFFCHIP_KINDS.has(m.kind)) return m;
      const { readEnergyPjPerByte: _r, writeEnergyPjPerByte: _w, latencyCycles: _l, ...rest } = m;
      return { ...rest, bandwidthBytesPerSecond: FREE_BANDWIDTH, attrs: { ...m.attrs } };
    }),
  };
}

export function offChipNames(spec: TargetSpec): Set<string> {
  return new Set(spec.memories.filter((m) => OFFCHIP_KINDS.has(m.kind)).map((m) => m.name));
}
