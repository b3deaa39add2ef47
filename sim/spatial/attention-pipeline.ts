// Cycle-level models of attention on a 2D array plus a 1D array, at tile granularity:
//
//  - FuseMax (Nayak et al., MICRO 2024): the 1-pass cascade. M is tiled into M1 × M0 (the cascade's
//    M0, rows ← m0) and P into tiles of P0 = the 2D columns (columns ← p), one score per PE; a P or
//    M0 smaller than the array leaves PEs idle but costs the same cycles, a ragged last tile costs a
//    full one. Per M0 tile the 2D array runs QK, LM, SLN, SLD, SLNV and the 1D array (one lane per p)
//    runs RM, PRM, SPD, RD, SPNV, RNV; AV (the final divide) runs on the 1D array once per P tile.
//    Tiles go in the mapper's order P2 × M1 × P1 (P1 P tiles share each K/V tile). Each array
//    runs its einsums in program order, tile after tile, and the two overlap across tiles: the 1D
//    array runs SPNV(g) while the 2D array produces SLNV(g), then RNV(g) while the 2D array runs
//    QK(g+1) (SLNV alternates with QK, SPNV with RNV); SLN(g) waits one cycle for RM(g). This is
//    the schedule whose closed form gives the published 2D utilization (0.890 at BERT 1K).
//  - FLAT (the FuseMax paper's baseline): the 3-pass cascade fused over blocks of R query rows (the
//    mapper's R); QK and AV of a block run on the 2D array, the softmax passes (max, exp, sum,
//    divide) over the block's whole M × R scores on the 1D array; the 2D array runs QK of block j+1
//    before AV of j.
//
// Both engines run the group's description (sim/spatial/attention-shape.ts FusedAttention, built
// by the mapper and stored as GroupMapping.fused): its einsums, the unit of each, their producers
// (carried ones from the previous M tile), their stages and the per-tile cycles of the shared
// formula (opTileCycles), so no einsum or shape is named here. Each einsum is one task per tile on
// an in-order unit, issued in program order; a task starts when its unit is free, its producers
// have finished and its DRAM operands have arrived. Per-point cost (the description's): one cycle
// for the unit's native operations of an einsum (the PE datapath chains them), plus exp_macs
// cycles for each exponential a unit must emulate with MACs (the 2D PEs).
// DRAM (one FIFO channel, the cascade's dtypes): FuseMax streams Q per P tile and K/V per M tile,
// double-buffered; FLAT fetches a head's Q and K before its first QK and V before its first AV,
// the next head's while this one runs; outputs are written after each P tile's (block's) AV.
// Nothing here runs per PE or per cycle.
import { InOrderUnit } from '../core/events';
import { fraction } from '../core/stats';
import type { TraceWriter } from '../core/trace';
import { BandwidthChannel } from '../memory/channel';
import { attentionShapeError, isPipeline, stageOrder, opTileCycles, opTileMacCycles, pipelineFirstTransfers, rowblockTransfers, tensorOf, tileBytes, type FusedAttention, type FusedTensor, type PipelineAttention, type RowblockAttention } from './attention-shape';

export interface AttentionRun {
  design: 'fusemax' | 'flat';
  /** the description the run used (the very object the mapper stored as GroupMapping.fused) */
  description: FusedAttention;
  totalCycles: number;
  latencySeconds: number;
  busy2dCycles: number;
  busy1dCycles: number;
  /** busy 2D-array cycles (every PE active) / total */
  utilization2d: number;
  /** only the MAC work of the 2D array (contractions, emulated exps) / total */
  macUtilization2d: number;
  utilization1d: number;
  tiles: number;
  dramReadBytes: number;
  dramWriteBytes: number;
  dramStallCycles: number;
  /** busy cycles per einsum, summed over tiles */
  einsumCycles: Record<string, number>;
  /** cycles of one full tile (block) per einsum on each unit; tail: FuseMax's per-P-tile final einsums */
  perTile: { unit2d: Record<string, number>; unit1d: Record<string, number>; tail: Record<string, number> };
}

/** An in-order array (sim/core) that also books cycles per einsum and draws its tasks in the trace. */
class Unit extends InOrderUnit {
  constructor(
    name: string,
    private readonly trace?: TraceWriter,
  ) {
    super(name);
  }
  get free(): number {
    return this.freeAt;
  }
  get busy(): number {
    return this.busyCycles;
  }
  run(ready: number, cycles: number, label: string, perEinsum: Record<string, number>, einsum: string): number {
    const { startCycle, endCycle } = this.submit(ready, cycles);
    perEinsum[einsum] = (perEinsum[einsum] ?? 0) + cycles;
    this.trace?.span(this.name, label, startCycle, endCycle);
    return endCycle;
  }
}

/**
 * The DRAM channel of a run: one FIFO channel; reads go out in the order the engine issues them,
 * writes wait in a queue and go out in time order between reads.
 */
class TileStreams {
  private readonly dram: BandwidthChannel;
  private readonly pendingWrites: number[] = []; // [at, bytes] pairs, in issue order
  private lastIssue = 0;
  private lastWriteDone = 0;
  constructor(
    d: FusedAttention,
    private readonly trace?: TraceWriter,
  ) {
    this.dram = new BandwidthChannel({ name: 'DRAM', kind: 'hbm', bytesPerCycle: d.dram.bytesPerCycle, latencyCycles: d.dram.latencyCycles });
  }
  /** Issue a read no earlier than `at` (nor before the previous request: FIFO); returns when its data is in the buffer. */
  read(at: number, bytes: number, label: string): number {
    const issue = Math.max(at, this.lastIssue);
    this.flushWrites(issue);
    this.lastIssue = issue;
    const tr = this.dram.request(issue, bytes, 'read');
    this.trace?.span('DRAM', label, tr.startCycle, tr.doneCycle);
    return tr.doneCycle;
  }
  write(at: number, bytes: number): void {
    this.pendingWrites.push(at, bytes);
  }
  private flushWrites(upTo: number): void {
    let k = 0;
    while (k < this.pendingWrites.length && this.pendingWrites[k]! <= upTo) {
      const at = Math.max(this.pendingWrites[k]!, this.lastIssue);
      this.lastIssue = at;
      const tr = this.dram.request(at, this.pendingWrites[k + 1]!, 'write');
      this.trace?.span('DRAM', 'write', tr.startCycle, tr.doneCycle);
      this.lastWriteDone = Math.max(this.lastWriteDone, tr.doneCycle);
      k += 2;
    }
    if (k > 0) this.pendingWrites.splice(0, k);
  }
  finish(): { lastWriteDone: number; readBytes: number; writeBytes: number } {
    this.flushWrites(Infinity);
    return { lastWriteDone: this.lastWriteDone, readBytes: this.dram.readBytes, writeBytes: this.dram.writeBytes };
  }
}

export interface AttentionRunOptions {
  trace?: TraceWriter;
  /** the run starts at this cycle of the trace (the ops before it in the cascade) */
  traceOffsetCycles?: number;
}

/** The trace with every span shifted by the run's start (the same writer when there is no shift). */
function shifted(o: AttentionRunOptions): TraceWriter | undefined {
  const t = o.trace;
  const off = o.traceOffsetCycles ?? 0;
  if (!t || off === 0) return t;
  const view = Object.create(t) as TraceWriter;
  view.span = (track, name, start, end, args) => t.span(track, name, start + off, end + off, args);
  return view;
}

/** Cycles of one full tile (block) per einsum, by unit; `tail`: the einsums after the last M tile. */
export function tileCosts(d: FusedAttention): AttentionRun['perTile'] {
  const cols = isPipeline(d) ? d.tiles.P0 : (d.tiles as RowblockAttention['tiles']).R;
  const out: AttentionRun['perTile'] = { unit2d: {}, unit1d: {}, tail: {} };
  for (const op of d.ops) (op.tail ? out.tail : op.unit === '2d' ? out.unit2d : out.unit1d)[op.einsum] = opTileCycles(d, op, cols);
  return out;
}

/** The two arrays and the per-einsum ledger of a run. */
function arrays(trace?: TraceWriter): { units: Record<'2d' | '1d', Unit>; per: Record<string, number> } {
  return { units: { '2d': new Unit('2D array', trace), '1d': new Unit('1D array', trace) }, per: {} };
}

/**
 * Runs op `k` of the description on its unit once its producers (`depEnd`) and DRAM operands
 * (`dataAt`) are in; books the wait for DRAM beyond both. Returns its end.
 */
function issue(d: FusedAttention, k: number, cycles: number, depEnd: (dep: { op: number; carried: boolean }) => number, dataAt: (name: string) => number, ctx: { units: Record<'2d' | '1d', Unit>; per: Record<string, number>; wait: number }, label: string): number {
  const op = d.ops[k]!;
  const unit = ctx.units[op.unit];
  let deps = 0;
  for (const dep of op.deps) deps = Math.max(deps, depEnd(dep));
  let data = 0;
  for (const n of op.reads) data = Math.max(data, dataAt(n));
  if (op.reads.length > 0) ctx.wait += Math.max(0, data - Math.max(unit.free, deps));
  return unit.run(Math.max(deps, data), cycles, `${op.einsum} ${label}`, ctx.per, op.einsum);
}

/** FuseMax's tile order (the mapping P2 × M1 × P1): tile k of a head → row group r, M tile m1, P tile p; `last`: the group's last P tile at this m1. */
function decodeTile(d: PipelineAttention, k: number): { m1: number; p: number; j: number; last: boolean } {
  const { M1, P1, P0 } = d.tiles;
  const nP = Math.ceil(d.P / P0);
  const r = Math.floor(k / (M1 * P1));
  const size = Math.min(P1, nP - r * P1);
  const rest = k - r * M1 * P1;
  const j = rest % size;
  return { m1: Math.floor(rest / size), p: r * P1 + j, j, last: j === size - 1 };
}

/**
 * FuseMax's operand streams: the query tensors one P tile at a time (read at the first M tile, kept
 * for the row group), the key tensors (K, V) one M tile at a time into double buffers (tile k's
 * half is refilled once the last reader of tile k−2 in its group has finished).
 */
class PipelineOperands {
  private readonly first: { tensor: FusedTensor; bytes: number }[];
  private readonly arrival = new Map<string, number>();
  private readonly qArrival: Map<string, number>[];
  private readonly release = new Map<string, Float64Array>();
  /** the last loop einsum (program order) that reads each key tensor: its end frees the buffer half */
  readonly lastReader = new Map<string, number>();
  private kv = -1;
  constructor(
    private readonly d: PipelineAttention,
    private readonly dram: TileStreams,
  ) {
    this.first = pipelineFirstTransfers(d);
    this.qArrival = Array.from({ length: d.tiles.P1 }, () => new Map());
    d.ops.forEach((op, k) => {
      if (op.tail) return;
      for (const n of op.reads) if (tensorOf(d, n).operand !== 'Q') this.lastReader.set(n, k);
    });
    for (const n of this.lastReader.keys()) this.release.set(n, new Float64Array(2));
  }
  /** Issue the tile's reads (before its first task): Q at the first M tile, K and V at the group's first P tile. */
  fetch(m1: number, p: number, j: number): void {
    const cols = Math.min(this.d.tiles.P0, this.d.P - p * this.d.tiles.P0);
    const rows = Math.min(this.d.tiles.M0, this.d.M - m1 * this.d.tiles.M0);
    if (m1 === 0) for (const { tensor: t } of this.first) if (t.operand === 'Q') this.qArrival[j]!.set(t.name, this.dram.read(0, tileBytes(t, cols), `${t.name} tile ${p}`));
    if (j !== 0) return;
    this.kv++;
    for (const { tensor: t } of this.first) {
      if (t.operand === 'Q') continue;
      const at = this.kv >= 2 ? this.release.get(t.name)![this.kv & 1]! : 0;
      this.arrival.set(t.name, this.dram.read(at, tileBytes(t, rows), `${t.name} tile ${m1}`));
    }
  }
  at(name: string, j: number): number {
    return this.qArrival[j]!.get(name) ?? this.arrival.get(name) ?? 0;
  }
  /** Op `k` of the group's last P tile ended at `end`: free the halves it was the last reader of. */
  done(k: number, end: number): void {
    for (const [n, r] of this.lastReader) if (r === k) this.release.get(n)![this.kv & 1] = end;
  }
}

export function simulateFusemax(d: FusedAttention, o: AttentionRunOptions = {}): AttentionRun {
  const opts = { trace: shifted(o) };
  if (!isPipeline(d)) throw new Error(`simulateFusemax runs a pipeline group, not a ${d.dataflow} one`);
  const shape = attentionShapeError(d);
  if (shape) throw new Error(`not attention: ${shape}`);
  const { M1, P0, P1 } = d.tiles;
  if (d.units.array1d.name === d.units.array2d.name) throw new Error('FuseMax binding needs a 1D array beside the 2D array');
  if (d.units.array1d.lanes < Math.min(P0, d.P)) throw new Error(`FuseMax binding needs a 1D lane per 2D column (${d.units.array1d.lanes} < ${Math.min(P0, d.P)})`);
  const nP = Math.ceil(d.P / P0); // P tiles per head; the last may be narrower (same cycles)
  const perHead = M1 * nP;
  const G = d.batch * perHead;
  const n = d.ops.length;
  // every tile costs a full one (a P or M0 smaller than the array leaves PEs idle)
  const cycles = d.ops.map((op) => opTileCycles(d, op, P0));
  const ctx = { ...arrays(opts.trace), wait: 0 };
  const dram = new TileStreams(d, opts.trace);
  const operands = new PipelineOperands(d, dram);
  // end of each einsum in this tile, and in the previous M tile of each P tile of the group (carried)
  const cur = new Float64Array(n);
  const prev = new Float64Array(P1 * n);
  const out = d.ops.map((op) => (op.writes ? tensorOf(d, op.writes) : null));
  for (let g = 0; g < G; g++) {
    const { m1, p, j, last } = decodeTile(d, g % perHead);
    operands.fetch(m1, p, j);
    const depEnd = (dep: { op: number; carried: boolean }) => (!dep.carried ? cur[dep.op]! : m1 > 0 ? prev[j * n + dep.op]! : 0);
    const dataAt = (name: string) => operands.at(name, j);
    for (let k = 0; k < n; k++) {
      const op = d.ops[k]!;
      if (op.tail && m1 !== M1 - 1) continue;
      cur[k] = issue(d, k, cycles[k]!, depEnd, dataAt, ctx, String(g));
      if (last) operands.done(k, cur[k]!);
      if (op.tail && out[k]) dram.write(cur[k]!, tileBytes(out[k]!, Math.min(P0, d.P - p * P0)));
    }
    prev.set(cur, j * n);
  }
  let mac2d = 0;
  d.ops.forEach((op) => op.unit === '2d' && (mac2d += opTileMacCycles(d, op, P0) * (op.tail ? d.batch * nP : G)));
  return finishRun('fusemax', d, { ...ctx, dram, tiles: G, mac2dCycles: mac2d, perTile: tileCosts(d) });
}

/** A run's totals once both arrays and DRAM are done: it ends when the last of them does. */
function finishRun(
  design: AttentionRun['design'],
  d: FusedAttention,
  r: { units: Record<'2d' | '1d', Unit>; dram: TileStreams; tiles: number; wait: number; per: Record<string, number>; mac2dCycles: number; perTile: AttentionRun['perTile'] },
): AttentionRun {
  const mem = r.dram.finish();
  const u2 = r.units['2d'];
  const u1 = r.units['1d'];
  const computeEnd = Math.max(u2.free, u1.free);
  const total = Math.max(computeEnd, mem.lastWriteDone);
  return {
    design,
    description: d,
    totalCycles: total,
    latencySeconds: total / d.clockHz,
    busy2dCycles: u2.busy,
    busy1dCycles: u1.busy,
    utilization2d: fraction(u2.busy, total),
    macUtilization2d: fraction(r.mac2dCycles, total),
    utilization1d: fraction(u1.busy, total),
    tiles: r.tiles,
    dramReadBytes: mem.readBytes,
    dramWriteBytes: mem.writeBytes,
    dramStallCycles: total - computeEnd + r.wait,
    einsumCycles: sortKeys(r.per),
    perTile: r.perTile,
  };
}

function sortKeys(r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}

/**
 * FLAT: blocks of R queries, every einsum one task per block on its unit (the description's
 * binding: contractions on the 2D array, one score per PE; the softmax passes on the 1D array with
 * the block's queries in time). A ragged last block is narrower: fewer 1D cycles, the same 2D
 * cycles. Blocks are pipelined by stage: the 2D array runs QK of block j+1 before AV of block j.
 * Per head, what the first einsum reads (Q, K) arrives before it, the other key tensors (V) after
 * them; the next head's are fetched while this one runs (double-buffered: head h's transfers are
 * issued when head h−2 is done); each block's output is written after the einsum that makes it.
 */
export function simulateFlat(d: FusedAttention, o: AttentionRunOptions = {}): AttentionRun {
  const opts = { trace: shifted(o) };
  if (d.dataflow !== 'rowblock') throw new Error(`simulateFlat runs a rowblock group, not a ${d.dataflow} one`);
  const shape = attentionShapeError(d);
  if (shape) throw new Error(`not attention: ${shape}`);
  const rb = d as RowblockAttention;
  const R = rb.tiles.R;
  const blocksPerHead = Math.ceil(d.P / R);
  const G = d.batch * blocksPerHead;
  const colsOf = (j: number) => Math.min(R, d.P - (j % blocksPerHead) * R);
  const full = d.ops.map((op) => opTileCycles(d, op, R));
  const lastCols = colsOf(blocksPerHead - 1);
  const ragged = d.ops.map((op) => opTileCycles(d, op, lastCols));
  const n = d.ops.length;
  let maxStage = 0;
  for (const op of d.ops) maxStage = Math.max(maxStage, op.stage);
  const order = stageOrder(d.ops);
  const finisher = order[order.length - 1]!;
  const ctx = { ...arrays(opts.trace), wait: 0 };
  const dram = new TileStreams(d, opts.trace);
  const transfers = rowblockTransfers(d);
  const arrival = [new Map<string, number>(), new Map<string, number>()];
  const headDone = new Float64Array(2);
  const ring = maxStage + 1;
  const end = new Float64Array(ring * n);
  const out = d.ops.map((op) => (op.writes ? tensorOf(d, op.writes) : null));
  for (let w = 0; w < G + maxStage; w++) {
    for (const k of order) {
      const t = w - d.ops[k]!.stage;
      if (t < 0 || t >= G) continue;
      const head = Math.floor(t / blocksPerHead);
      if (k === order[0] && t % blocksPerHead === 0) {
        const free = head >= 2 ? headDone[head & 1]! : 0;
        for (const x of transfers) if (x.tensors.length > 0) {
          const at = dram.read(free, x.bytes, `${x.tensors.map((y) => y.name).join(', ')} head ${head}`);
          for (const y of x.tensors) arrival[head & 1]!.set(y.name, at);
        }
      }
      const last = t % blocksPerHead === blocksPerHead - 1;
      const c = (last ? ragged : full)[k]!;
      const e = issue(d, k, c, (dep) => end[(t % ring) * n + dep.op]!, (name) => arrival[head & 1]!.get(name) ?? 0, ctx, String(t));
      end[(t % ring) * n + k] = e;
      if (out[k]) dram.write(e, tileBytes(out[k]!, colsOf(t)));
      if (k === finisher && last) headDone[head & 1] = e;
    }
  }
  let mac2d = 0;
  d.ops.forEach((op) => op.unit === '2d' && (mac2d += opTileMacCycles(d, op, R) * (G - d.batch) + opTileMacCycles(d, op, lastCols) * d.batch));
  return finishRun('flat', d, { ...ctx, dram, tiles: G, mac2dCycles: mac2d, perTile: tileCosts(d) });
}
