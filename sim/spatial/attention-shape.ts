// The one description of a fused attention group (FuseMax's pipelined 2D+1D binding, FLAT's row
// blocks) that the analytic model (compiler/map/fused.ts) and the cycle engines
// (sim/spatial/attention-pipeline.ts) both consume, and the formulas they share: the cycles of one
// tile of an einsum on its unit, the bytes of a tile of an operand, the order of the first tile's
// transfers and the stage of each einsum.
//
// The mapper builds it once per group from the cascade (compiler/map/fused.ts `describePipeline`,
// `describeRowblock`) and stores it as GroupMapping.fused; targets/spatial-cycle.ts hands that same
// object to simulateFusemax / simulateFlat. Pure data and pure functions, no imports: the compiler
// may import it (docs/ARCHITECTURE.md, "Layout") and so may the simulator.

export type FusedUnit = '2d' | '1d';

/** One einsum of the group, as both models run it: per tile (pipeline) or per block (rowblock). */
export interface FusedOp {
  einsum: string;
  /** index of the einsum in the cascade */
  index: number;
  unit: FusedUnit;
  /** a product summed over a rank (QK, AV): what the 2D array is built for */
  contraction: boolean;
  /** cycles per point on its unit: its native ops chained, plus the MACs of each emulated op */
  cyclesPerPoint: number;
  /** the MAC part of those (all of a contraction's; an emulated exponential's) */
  macCyclesPerPoint: number;
  /** the extent bound to the 2D rows or the 1D lanes besides the queries (1: none) */
  spatialExtent: number;
  /** where the queries (P) go: the 2D columns, the 1D lanes, iterated in time, or absent */
  queries: 'cols' | 'lanes' | 'time' | 'none';
  /** product of the extents iterated in time besides the queries */
  timeExtent: number;
  /** producers in `ops`; carried: reads the previous M tile's value (RM[m1] vs RM[m1+1]) */
  deps: { op: number; carried: boolean }[];
  /** window offset: a 2D einsum that consumes a 1D result runs one tile (block) behind */
  stage: number;
  /** pipeline: runs once per P tile after the last M tile (the final divide) */
  tail: boolean;
  /** operands it reads from DRAM (names in `tensors`) */
  reads: string[];
  /** the result it writes to DRAM (a name in `tensors`), if any */
  writes?: string;
}

/** A tensor the group moves to or from DRAM. */
export interface FusedTensor {
  name: string;
  /** Q: over queries, not keys; K, V: over keys, not queries (K: read by the first contraction); out: a result */
  operand: 'Q' | 'K' | 'V' | 'out';
  /** elements per query row (Q, out) or per key (K, V) */
  elemsPerIndex: number;
  bytesPerElement: number;
}

export interface FusedUnits {
  array2d: { name: string; rows: number; cols: number };
  array1d: { name: string; lanes: number };
}

export interface PipelineTiles {
  /** M = M1 x M0 (m1 iterative); P = P2 x P1 x P0 (P0 = the 2D columns, P1 P tiles share each K/V tile) */
  M0: number;
  M1: number;
  P0: number;
  P1: number;
  P2: number;
}

export interface RowblockTiles {
  /** query rows per block, blocks per run (all instances) */
  R: number;
  blocks: number;
}

export interface FusedAttention {
  dataflow: 'pipeline' | 'rowblock';
  /** the cascade's name */
  workload: string;
  /** independent instances (batch x heads) run back to back */
  batch: number;
  /** rank names: the queries (P), the keys (M; pipeline: its tiles m1, m0), the fiber FLAT's passes traverse */
  ranks: { P: string; M: string; m1?: string; m0?: string };
  /** queries, keys (the true length, not M1 x M0), the contracted extent of QK (E) and of the output (F) */
  P: number;
  M: number;
  E: number;
  F: number;
  /** bytes per element in DRAM (the cascade's dtypes) */
  bytes: { Q: number; K: number; V: number; out: number };
  tensors: FusedTensor[];
  units: FusedUnits;
  dram: { name: string; bytesPerCycle: number; latencyCycles: number };
  clockHz: number;
  /** pipeline: what the global buffer holds per query row (Q, running values) and per M tile (K, V) */
  onChip?: { stateBytesPerRow: number; streamBytesPerTile: number };
  /** members in program order (pipeline: the loop, then the tail) */
  ops: FusedOp[];
  tiles: PipelineTiles | RowblockTiles;
}

export type PipelineAttention = FusedAttention & { dataflow: 'pipeline'; tiles: PipelineTiles };
export type RowblockAttention = FusedAttention & { dataflow: 'rowblock'; tiles: RowblockTiles };

export function isPipeline(d: FusedAttention): d is PipelineAttention {
  return d.dataflow === 'pipeline';
}

/** The cycle engines run attention: two contractions on the 2D array, queries in, keys in, a result out. */
export function attentionShapeError(d: FusedAttention): string | null {
  if (d.ops.filter((o) => o.unit === '2d' && o.contraction).length < 2) return 'fewer than two contractions on the 2D array';
  for (const k of ['Q', 'K', 'out'] as const) if (!d.tensors.some((t) => t.operand === k)) return `no ${k} operand`;
  return null;
}

/**
 * Spatial folds of one tile of `op` covering `cols` queries: the bound extent folds over the rows
 * (lanes), the queries over the columns (lanes) or in time. A narrower tile costs the same on the
 * 2D array; in time it costs fewer cycles.
 */
export function opFolds(d: FusedAttention, op: FusedOp, cols: number): number {
  const rows = op.unit === '2d' ? d.units.array2d.rows : d.units.array1d.lanes;
  const spatial = Math.ceil(op.spatialExtent / rows);
  const q = op.queries === 'cols' ? Math.ceil(cols / d.units.array2d.cols) : op.queries === 'lanes' ? Math.ceil(cols / d.units.array1d.lanes) : op.queries === 'time' ? cols : 1;
  return spatial * q * op.timeExtent;
}

/** Cycles of one tile (block) of `op` covering `cols` queries. */
export function opTileCycles(d: FusedAttention, op: FusedOp, cols: number): number {
  return opFolds(d, op, cols) * op.cyclesPerPoint;
}

/** The MAC cycles among those (a contraction; emulated exponentials). */
export function opTileMacCycles(d: FusedAttention, op: FusedOp, cols: number): number {
  return opFolds(d, op, cols) * op.macCyclesPerPoint;
}

/** Bytes of `count` query rows (Q, out) or keys (K, V) of a tensor. */
export function tileBytes(t: FusedTensor, count: number): number {
  return t.elemsPerIndex * count * t.bytesPerElement;
}

export function tensorOf(d: FusedAttention, name: string): FusedTensor {
  const t = d.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`fused attention: no tensor ${name}`);
  return t;
}

/**
 * FuseMax: the first tile's transfers in the order they go out on the DRAM channel: the query
 * tensors one P tile each (those a member reads), then the streamed key tensors one M tile each,
 * in the order the members first read them.
 */
export function pipelineFirstTransfers(d: PipelineAttention): { tensor: FusedTensor; bytes: number }[] {
  const loop = d.ops.filter((o) => !o.tail);
  const out: { tensor: FusedTensor; bytes: number }[] = [];
  const add = (t: FusedTensor, n: number) => out.some((x) => x.tensor === t) || out.push({ tensor: t, bytes: tileBytes(t, n) });
  for (const t of d.tensors) if (t.operand === 'Q' && loop.some((o) => o.reads.includes(t.name))) add(t, Math.min(d.tiles.P0, d.P));
  for (const o of loop) for (const n of o.reads) {
    const t = tensorOf(d, n);
    if (t.operand === 'K' || t.operand === 'V') add(t, Math.min(d.tiles.M0, d.M));
  }
  return out;
}

/**
 * FLAT: a head's transfers: what the first einsum reads (Q and K, whole) in one transfer, then the
 * other key tensors (V) in a second.
 */
export function rowblockTransfers(d: FusedAttention): { tensors: FusedTensor[]; bytes: number }[] {
  const first = new Set(d.ops[0]?.reads ?? []);
  const inputs = d.tensors.filter((t) => t.operand !== 'out');
  const whole = (t: FusedTensor) => tileBytes(t, t.operand === 'Q' ? d.P : d.M);
  const a = inputs.filter((t) => first.has(t.name));
  const b = inputs.filter((t) => !first.has(t.name) && t.operand !== 'Q');
  return [
    { tensors: a, bytes: a.reduce((s, t) => s + whole(t), 0) },
    { tensors: b, bytes: b.reduce((s, t) => s + whole(t), 0) },
  ];
}

/** stage(e) = max over producers of stage(d), plus one when a 2D einsum consumes a 1D einsum's result. */
export function assignStages<T extends { unit: FusedUnit | 0 | 1; deps: { op: number; carried: boolean }[]; stage: number }>(ops: T[]): void {
  const is1d = (u: T['unit']) => u === '1d' || u === 1;
  ops.forEach((op) => {
    let s = 0;
    for (const d of op.deps) {
      if (d.carried) continue;
      const src = ops[d.op]!;
      s = Math.max(s, src.stage + (is1d(src.unit) && !is1d(op.unit) ? 1 : 0));
    }
    op.stage = s;
  });
}

/**
 * The order a window issues the ops in: by stage, then program order. Window w runs iteration
 * w - stage of each op, so a stage-1 op trails by one tile (block): a unit starts the next tile's
 * early ops (FLAT's QK(b+1)) before this tile's late ones (AV(b)). Both models iterate this order.
 */
export function stageOrder(ops: readonly { stage: number }[]): number[] {
  let maxStage = 0;
  for (const o of ops) maxStage = Math.max(maxStage, o.stage);
  const order: number[] = [];
  for (let s = 0; s <= maxStage; s++) for (let k = 0; k < ops.length; k++) if (ops[k]!.stage === s) order.push(k);
  return order;
}

/** Cycles a transfer of `bytes` occupies the off-chip channel (as sim/memory's BandwidthChannel counts them). */
export function transferCycles(bytes: number, bytesPerCycle: number): number {
  return bytes > 0 && Number.isFinite(bytesPerCycle) ? Math.ceil(bytes / bytesPerCycle) : 0;
}
