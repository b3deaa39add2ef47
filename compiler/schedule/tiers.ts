// Tier chains: from a TargetSpec (its memories, innermost SRAM first) or written out by hand.
import type { MemorySpec, TargetSpec } from '../../targets/spec/types';
import type { CostKind, Tier, TierChain } from './types';

const OFFCHIP = new Set(['hbm', 'dram', 'ddr', 'flash']);

/** Cost of one byte moved between SRAM and this memory: seconds (1/bandwidth) or picojoules (read + write). */
export function memoryCostPerByte(m: MemorySpec, kind: CostKind): number {
  if (kind === 'time') return m.bandwidthBytesPerSecond ? 1 / m.bandwidthBytesPerSecond : 1;
  const e = (m.readEnergyPjPerByte ?? 0) + (m.writeEnergyPjPerByte ?? 0);
  return e > 0 ? e / 2 : 1;
}

/**
 * The chain SRAM -> outer memories of a target. Tier 0 is the target's largest on-chip SRAM, with the budget
 * as its capacity (budgets are per graph, as in COSMA); the outer tiers are the target's off-chip memories,
 * nearest (fastest) first. Inputs, parameters and outputs live in the first outer tier.
 */
export function tierChainFromTarget(spec: TargetSpec, sramBudgetBytes: number, costKind: CostKind = 'time'): TierChain {
  const srams = spec.memories.filter((m) => m.kind === 'sram');
  const sram = srams.sort((a, b) => (b.capacityBytes ?? 0) - (a.capacityBytes ?? 0))[0];
  const outer = spec.memories
    .filter((m) => OFFCHIP.has(m.kind))
    .sort((a, b) => (b.bandwidthBytesPerSecond ?? 0) - (a.bandwidthBytesPerSecond ?? 0));
  if (outer.length === 0) throw new Error(`target ${spec.name} has no off-chip memory (hbm, dram, ddr) to spill to`);
  const tiers: Tier[] = [
    { name: sram?.name ?? 'SRAM', capacityBytes: sramBudgetBytes, costPerByte: 0 },
    ...outer.map((m) => ({ name: m.name, capacityBytes: m.capacityBytes ?? Infinity, costPerByte: memoryCostPerByte(m, costKind) })),
  ];
  const lacking = outer.filter((m) => (costKind === 'time' ? !m.bandwidthBytesPerSecond : !((m.readEnergyPjPerByte ?? 0) + (m.writeEnergyPjPerByte ?? 0) > 0)));
  const figure = costKind === 'time' ? 'bandwidth' : 'read or write energy';
  const warnings = lacking.map((m) => `${spec.name}: memory ${m.name} gives no ${figure}, so its transfers cost 1 ${costKind === 'time' ? 's/B' : 'pJ/B'} (a unit cost: the schedule minimises bytes there)`);
  return { tiers, homeTier: 1, costKind, costUnit: costKind === 'time' ? 's/B' : 'pJ/B', ...(warnings.length ? { warnings } : {}) };
}

/** A chain written out by hand (tests, examples): [{name, capacityBytes, costPerByte}], SRAM first. */
export function tierChain(tiers: Tier[], opts: { homeTier?: number; costKind?: CostKind } = {}): TierChain {
  const costKind = opts.costKind ?? 'time';
  return { tiers, homeTier: opts.homeTier ?? 1, costKind, costUnit: costKind === 'time' ? 's/B' : 'pJ/B' };
}

/** The same chain with another SRAM capacity. */
export function withSram(chain: TierChain, sramBytes: number): TierChain {
  return { ...chain, tiers: [{ ...chain.tiers[0]!, capacityBytes: sramBytes }, ...chain.tiers.slice(1)] };
}
