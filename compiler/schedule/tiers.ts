// Tier chains: from a TargetSpec (its memories, innermost SRAM first) or written out by hand.
import type { MemorySpec, TargetSpec } from '../../targets/spec/types';
import { InfeasibleBudgetError } from './errors';
import type { CostKind, OpGraph, Tier, TierChain } from './types';

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

/** Inputs, parameters and outputs have a home: a copy that is there from the start (or must be there at the end). */
export const hasHome = (g: OpGraph, t: number): boolean => g.tensors[t]!.kind !== 'intermediate';

/**
 * The home tier of each tensor. Inputs, parameters and outputs are placed first fit, in tensor order, in the
 * chain's home tier or, when it is full, the next tier out that has room (a 70B model's weights overflow HBM
 * into DDR). Their bytes stay reserved there for the whole schedule. Intermediates get the chain's home tier
 * (unused). Throws InfeasibleBudgetError when some tensor fits in no outer tier.
 */
export function homeTiers(g: OpGraph, chain: TierChain): Int32Array {
  const homes = new Int32Array(g.tensors.length).fill(chain.homeTier);
  const left = chain.tiers.map((t) => t.capacityBytes);
  g.tensors.forEach((t, i) => {
    if (!hasHome(g, i)) return;
    let k = chain.homeTier;
    while (k < chain.tiers.length && left[k]! < t.bytes) k++;
    if (k === chain.tiers.length) {
      const room = chain.tiers
        .slice(chain.homeTier)
        .map((tier, j) => `${tier.name} has ${left[chain.homeTier + j]} bytes left`)
        .join(', ');
      throw new InfeasibleBudgetError(`infeasible: ${t.kind} ${t.name} (${t.bytes} bytes) fits in no memory tier once the inputs, parameters and outputs before it have their place (${room})`, t.name, 0);
    }
    homes[i] = k;
    left[k]! -= t.bytes;
  });
  return homes;
}

/** Bytes each tier holds for homes (inputs, parameters, outputs) throughout the schedule. */
export function reservedHomeBytes(g: OpGraph, chain: TierChain, homes: Int32Array): number[] {
  const out = chain.tiers.map(() => 0);
  g.tensors.forEach((t, i) => {
    if (hasHome(g, i)) out[homes[i]!]! += t.bytes;
  });
  return out;
}
