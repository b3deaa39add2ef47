// How a cascade is laid out on a dataflow chip as pipelined sections (the SN40L's kernels): plain
// data in, plain data out, so the engine (targets/dataflow-cycle.ts) and the tests share one rule.
//   - operators are taken in execution order; a section holds at most `maxOps` of them (the
//     target's `attr section_ops`: the SN40L fuses a decoder layer into one kernel) and never more
//     than one per PCU (every operator needs at least one PCU and one PMU of its own);
//   - each operator gets PCUs in proportion to its work (PCU-cycles), at least one and never more
//     than its mapping can use; its compute cycles scale by used / given when it gets fewer;
//   - the section is split into T = max(32·S, ⌈2·bytes / PMU capacity⌉) tiles: enough that filling
//     and draining the pipeline is small against its length, and that every operator's
//     double-buffered tile of the bytes it streams fits the PMUs;
//   - an operator's PMUs (one per PCU it gets) hold as many tiles of its loads as fit, at least 2:
//     that is how far ahead of its compute its loads may run.

export interface PlannedOp {
  name: string;
  /** compute cycles with `usedUnits` units (the mapping's binding) */
  computeCycles: number;
  /** units (PCUs) the mapping spreads it over */
  usedUnits: number;
  readBytes: number[];
  writeBytes: number[];
  /** names of the ops whose output it reads */
  inputsFrom: string[];
}

export interface PlannedStage {
  op: number;
  units: number;
  /** tiles of its loads its PMUs hold (>= 2) */
  buffers: number;
  computeCycles: number;
  producers: number[];
}

export interface PlannedSection {
  /** op indices, execution order */
  ops: number[];
  stages: PlannedStage[];
  tiles: number;
}

/**
 * Units for each op: one each, then the rest in proportion to demand (largest remainder), never above
 * an op's cap; what a capped op cannot take goes to the others.
 */
export function shareUnits(demand: readonly number[], caps: readonly number[], total: number): number[] {
  const n = demand.length;
  if (total < n) throw new Error(`${n} operators need at least ${n} units, the section has ${total}`);
  const units = demand.map(() => 1);
  let left = total - n;
  for (let round = 0; round < n && left > 0; round++) {
    const open = [...demand.keys()].filter((i) => units[i]! < caps[i]! && demand[i]! > 0);
    const sum = open.reduce((s, i) => s + demand[i]!, 0);
    if (sum <= 0) break;
    const raw = open.map((i) => (demand[i]! / sum) * left);
    const add = raw.map(Math.floor);
    let rest = left - add.reduce((s, x) => s + x, 0);
    const order = [...open.keys()].sort((a, b) => raw[b]! - add[b]! - (raw[a]! - add[a]!) || a - b);
    for (const j of order) if (rest-- > 0) add[j]!++;
    open.forEach((i, j) => {
      const take = Math.min(add[j]!, caps[i]! - units[i]!);
      units[i] = units[i]! + take;
      left -= take;
    });
  }
  return units;
}

/** Compute cycles of an op given `units` of the `usedUnits` its mapping spreads it over. */
export function cyclesOnShare(op: PlannedOp, units: number): number {
  const used = Math.max(1, op.usedUnits);
  return units >= used ? op.computeCycles : Math.ceil((op.computeCycles * used) / units);
}

/** Tiles of an op's loads that its share of PMUs holds: at least 2, at most the section's tiles. */
export function bufferTiles(op: PlannedOp, units: number, pmuBytesPerUnit: number, tiles: number): number {
  const tileBytes = Math.ceil(op.readBytes.reduce((a, b) => a + b, 0) / tiles);
  if (tileBytes <= 0 || !Number.isFinite(pmuBytesPerUnit)) return tiles;
  return Math.max(2, Math.min(tiles, Math.floor((units * pmuBytesPerUnit) / tileBytes)));
}

export function planSections(ops: readonly PlannedOp[], units: number, pmuBytes: number, maxOps = units): PlannedSection[] {
  const sections: PlannedSection[] = [];
  const per = Math.max(1, Math.min(units, Math.floor(maxOps)));
  for (let first = 0; first < ops.length; first += per) {
    const idx = [...Array(Math.min(per, ops.length - first)).keys()].map((i) => first + i);
    const shares = shareUnits(
      idx.map((i) => ops[i]!.computeCycles * Math.max(1, ops[i]!.usedUnits)),
      idx.map((i) => Math.max(1, ops[i]!.usedUnits)),
      units,
    );
    const pos = new Map(idx.map((i, k) => [ops[i]!.name, k]));
    const bytes = idx.reduce((s, i) => s + ops[i]!.readBytes.reduce((a, b) => a + b, 0) + ops[i]!.writeBytes.reduce((a, b) => a + b, 0), 0);
    const tiles = Math.max(32 * idx.length, Number.isFinite(pmuBytes) && pmuBytes > 0 ? Math.ceil((2 * bytes) / pmuBytes) : 1);
    const perUnit = pmuBytes / units;
    const stages = idx.map((i, k) => ({
      op: i,
      units: shares[k]!,
      buffers: bufferTiles(ops[i]!, shares[k]!, perUnit, tiles),
      computeCycles: cyclesOnShare(ops[i]!, shares[k]!),
      producers: [...new Set(ops[i]!.inputsFrom.map((n) => pos.get(n)).filter((p): p is number => p !== undefined && p < k))],
    }));
    sections.push({ ops: idx, stages, tiles });
  }
  return sections;
}
