// Fused mappings of a whole cascade across a 2D array and a 1D array, the two dataflows FuseMax
// (Nayak et al., MICRO 2024) compares:
//
//  - pipeline (FuseMax): a cascade with an iterative rank m1 (M -> M1, M0) runs as ONE traversal of M.
//    Every einsum over the inner tile (m0) is bound to the 2D array (rows <- m0, cols <- p), every
//    einsum over (m1, p) only to the 1D array (lanes <- p). Per M0 tile each array runs its einsums in
//    program order; the arrays overlap across tiles (tile t+1's QK on the 2D array while the 1D array
//    finishes tile t's running sums). Tile-local values (QK, exponentials) live in the PE registers,
//    so the 2D PEs need a register file; only K/V tiles stream from DRAM, and the per-row state
//    (Q, running max, denominator, numerator) stays in the global buffer for P1 x P0 rows at a time.
//  - rowblock (FLAT): a cascade without an iterative rank is fused over blocks of R rows (p): each
//    block's intermediates over the whole M fiber are kept in the global buffer for all passes (or
//    the part that does not fit spills to DRAM), contractions run on the 2D array, every other einsum
//    on the 1D array, and blocks are pipelined (the 2D array runs block b+1's QK before block b's AV).
//
// Latency is an event-driven list schedule of per-tile operations on the two arrays (no closed form),
// compared against the DRAM bandwidth bound (double-buffered transfers overlap compute).
//
// Each dataflow is a plug-in of two parts that share one description (FusedAttention,
// sim/spatial/attention-shape.ts): `describePipeline` / `describeRowblock` build it from the cascade
// (ranks, extents, tiles, dtypes, which unit runs which einsum, producers, stages), the analytic
// models below consume it, the mapper stores it as GroupMapping.fused, and the cycle engines
// (sim/spatial/attention-pipeline.ts) run that same object. Per-tile cycles, tile bytes, the order
// of the first transfers and the stages come from the shared module, never from here.
import { exprAccesses, iterativeVars, partitionInfos, rankSizeLookup, toAffine, type Cascade, type IndexExpr } from '../../ir';
import {
  assignStages,
  opTileCycles,
  pipelineFirstTransfers,
  rowblockTransfers,
  tileBytes,
  transferCycles,
  type FusedAttention,
  type FusedOp,
  type FusedTensor,
  type FusedUnit,
  type PipelineAttention,
  type RowblockAttention,
} from '../../../sim/spatial/attention-shape';
import type { HwModel, LevelModel, UnitModel } from '../hardware';
import type { EinsumMapping, Objective } from '../mapping';
import { cyclesPerPoint, energyPerPoint, type EinsumWorkload } from '../workload';
import type { FusedOutcome } from './plugin';

export type { FusedOutcome } from './plugin';

/** A description's einsum as the list scheduler runs it. */
interface Op {
  unit: 0 | 1; // 0 = 2D array, 1 = 1D array
  cycles: number; // per tile (or per block)
  deps: { op: number; carried: boolean }[];
  stage: number;
  /** runs only in the last `carry` iterations (the final divide after the recurrence's last M tile) */
  lastOnly?: boolean;
}

function unitPair(hw: HwModel): [UnitModel, UnitModel] | null {
  const u2 = hw.units.find((u) => u.kind === '2d');
  if (!u2) return null;
  const u1 = hw.units.find((u) => u.kind === '1d') ?? u2;
  return [u2, u1];
}

function objectiveValue(o: Objective, latency: number, energy: number): number {
  return o === 'latency' ? latency + energy * 1e-18 : o === 'energy' ? energy + latency * 1e-12 : latency * energy;
}

/** Producers of each member among `members`; `carried` when it reads the previous iteration (RM[m1] vs RM[m1+1]). */
function dependencies(c: Cascade, members: EinsumWorkload[], iterVar: string | undefined): { op: number; carried: boolean }[][] {
  const writerOf = new Map<string, number>();
  members.forEach((w, k) => writerOf.set(c.einsums[w.index]!.output.tensor, k));
  const sizeOf = rankSizeLookup(c.ranks);
  // the shift of an index that is the iterative variable plus a constant (m1 -> 0, m1+1 -> 1)
  const shiftOf = (idx: IndexExpr, v: string): number | undefined => {
    const a = toAffine(idx, sizeOf);
    return a && a.coeffs.size === 1 && a.coeffs.get(v) === 1 ? a.constant : undefined;
  };
  return members.map((w) => {
    const deps: { op: number; carried: boolean }[] = [];
    for (const a of exprAccesses(c.einsums[w.index]!.expr)) {
      const k = writerOf.get(a.tensor);
      if (k === undefined) continue;
      let carried = false;
      if (iterVar) {
        c.einsums[members[k]!.index]!.output.indices.forEach((wi, d) => {
          const ws = shiftOf(wi, iterVar);
          const rs = a.indices[d] ? shiftOf(a.indices[d]!, iterVar) : undefined;
          if (ws !== undefined && rs !== undefined && rs < ws) carried = true;
        });
      }
      deps.push({ op: k, carried });
    }
    return deps;
  });
}

/**
 * List-schedules `ops` over `iters` iterations on two in-order units. An op of iteration t waits for
 * its unit and its producers (iteration t, or t-1 when carried). Window w issues iteration w - stage
 * of each op, newest iteration first: a stage-1 op trails by one iteration, so a unit can start the
 * next iteration's early ops (FLAT's QK(b+1)) before this iteration's late ones (AV(b)).
 * `firstReady[k]`: the cycle op k's DRAM operands arrive for the first iteration (the fill).
 * `carry`: how many iterations back a carried dependency reaches (FuseMax interleaves the P1 P tiles
 * of a row group inside each M tile, so RM[m1] of a P tile was written P1 iterations earlier).
 * `tail` ops run once after each repeat's last iteration; repeats are independent instances that
 * share the units (the next one starts while the tail drains). Returns the finish time of each repeat.
 * Plain typed arrays: no allocation per iteration.
 */
function listSchedule(ops: Op[], iters: number, tail: Op[], repeats: number, firstReady?: Float64Array, carry = 1): number[] {
  const n = ops.length;
  let maxStage = 0;
  for (const o of ops) maxStage = Math.max(maxStage, o.stage);
  const ring = maxStage + 1 + carry;
  const hist = new Float64Array(ring * n);
  const free = new Float64Array(2);
  const order: number[] = [];
  for (let s = 0; s <= maxStage; s++) for (let k = 0; k < n; k++) if (ops[k]!.stage === s) order.push(k);
  const finishes: number[] = [];
  const tailFinish = new Float64Array(tail.length);
  for (let r = 0; r < repeats; r++) {
    hist.fill(0);
    for (let w = 0; w < iters + maxStage; w++) {
      for (const k of order) {
        const op = ops[k]!;
        const t = w - op.stage;
        if (t < 0 || t >= iters || (op.lastOnly && t < iters - carry)) continue;
        let start = free[op.unit]!;
        // the very first iteration waits for its operands to arrive from DRAM
        if (firstReady && r === 0 && t < carry && firstReady[k]! > start) start = firstReady[k]!;
        for (const d of op.deps) {
          const want = d.carried ? t - carry : t;
          if (want < 0) continue;
          const f = hist[(want % ring) * n + d.op]!;
          if (f > start) start = f;
        }
        const end = start + op.cycles;
        free[op.unit] = end;
        hist[(t % ring) * n + k] = end;
      }
    }
    const lastMember = Math.max(free[0]!, free[1]!);
    tail.forEach((op, j) => {
      let start = Math.max(free[op.unit]!, lastMember);
      for (const d of op.deps) if (d.op < j) start = Math.max(start, tailFinish[d.op]!);
      const end = start + op.cycles;
      free[op.unit] = end;
      tailFinish[j] = end;
    });
    finishes.push(Math.max(free[0]!, free[1]!));
  }
  return finishes;
}

/** The description's einsums as the list scheduler runs them, one tile (block) covering `cols` queries. */
function scheduleOps(d: FusedAttention, cols: number): Op[] {
  return d.ops.map((op) => ({ unit: op.unit === '2d' ? 0 : 1, cycles: opTileCycles(d, op, cols), deps: op.deps, stage: op.stage, ...(op.tail ? { lastOnly: true } : {}) }));
}

/** The MAC cycles of one point: all of a contraction's, the emulation of an op the unit lacks (exp on the 2D PEs). */
function macCyclesPerPoint(w: EinsumWorkload, u: UnitModel): number {
  if (w.contraction) return cyclesPerPoint(w, u);
  let e = 0;
  w.ops.forEach((n, k) => n > 0 && !u.native[k] && (e += n * u.emulateCycles[k]!));
  return e;
}

const elems = (t: Cascade['tensors'][number]) => t.dims.reduce((a, d) => a * d.extent, 1);

function sizeOfVar(c: Cascade, v: string): number {
  return c.ranks.find((r) => r.name.toLowerCase() === v)?.size ?? 1;
}

function bytesOf(d: string): number {
  return d === 'fp32' || d === 'int32' ? 4 : d.startsWith('fp8') || d === 'int8' ? 1 : d === 'int4' ? 0.5 : 2;
}

/** One member as the description holds it; `reads`: its operands among the DRAM tensors (views resolved). */
function fusedOp(
  c: Cascade,
  w: EinsumWorkload,
  u: UnitModel,
  unit: FusedUnit,
  shape: Pick<FusedOp, 'spatialExtent' | 'queries' | 'timeExtent'>,
  io: { tensors: FusedTensor[]; resolve: (n: string) => string; tail?: boolean },
): FusedOp {
  const names = new Set(io.tensors.map((t) => t.name));
  const reads = [...new Set(w.tensors.filter((t) => !t.write).map((t) => io.resolve(t.name)))].filter((n) => names.has(n));
  const out = c.einsums[w.index]!.output.tensor;
  const writes = io.tensors.some((t) => t.name === out && t.operand === 'out') ? out : undefined;
  return { einsum: w.name, index: w.index, unit, contraction: w.contraction, cyclesPerPoint: cyclesPerPoint(w, u), macCyclesPerPoint: macCyclesPerPoint(w, u), ...shape, deps: [], stage: 0, tail: io.tail ?? false, reads, ...(writes ? { writes } : {}) };
}

/** What every description holds besides its einsums and tiles. */
function describeCommon(c: Cascade, hw: HwModel, u2: UnitModel, u1: UnitModel, batch: number, tensors: FusedTensor[], first: EinsumWorkload): Omit<FusedAttention, 'dataflow' | 'ranks' | 'P' | 'M' | 'ops' | 'tiles'> {
  const dram = hw.levels[hw.dram]!;
  const byOperand = (k: FusedTensor['operand']) => tensors.find((t) => t.operand === k)?.bytesPerElement ?? 0;
  let E = 1;
  first.vars.forEach((v, i) => first.reduced.includes(v) && (E *= first.sizes[i]!));
  return {
    workload: c.name ?? 'attention',
    batch,
    E,
    F: tensors.find((t) => t.operand === 'out')?.elemsPerIndex ?? 1,
    bytes: { Q: byOperand('Q'), K: byOperand('K'), V: byOperand('V'), out: byOperand('out') },
    tensors,
    units: { array2d: { name: u2.name, rows: u2.rows, cols: u2.cols }, array1d: { name: u1.name, lanes: u1.rows } },
    dram: { name: dram.name, bytesPerCycle: dram.bytesPerCycle, latencyCycles: (dram as { latencyCycles?: number }).latencyCycles ?? 0 },
    clockHz: hw.clockHz,
  };
}

/** A DRAM tensor of the group: Q over the queries, K/V over the keys (K: read by `first`), out. */
function fusedTensor(t: Cascade['tensors'][number], operand: 'Q' | 'KV' | 'out', per: number, first: EinsumWorkload, resolve: (n: string) => string): FusedTensor {
  const k = operand === 'KV' ? (first.tensors.some((x) => !x.write && resolve(x.name) === t.name) ? 'K' : 'V') : operand;
  return { name: t.name, operand: k, elemsPerIndex: elems(t) / per, bytesPerElement: bytesOf(t.dtype) };
}

// ---------------------------------------------------------------------------------------------
// FuseMax: the 1-pass cascade pipelined over M0 tiles on the 2D and 1D arrays

interface PipelineBinding {
  u2: UnitModel;
  u1: UnitModel;
  m1: string;
  m0: string;
  rowVar: string;
  /** the partitioned rank (M) */
  parent: string;
  members: EinsumWorkload[];
  tailWs: EinsumWorkload[];
  first2d: EinsumWorkload;
  resolve: (n: string) => string;
}

/** The binding: m1 iterative, the m0 einsums on the 2D array (rows <- m0, cols <- the row rank), the rest on the 1D array. */
function bindPipeline(c: Cascade, ws: EinsumWorkload[], hw: HwModel): PipelineBinding | { reason: string } {
  const pair = unitPair(hw);
  if (!pair) return { reason: 'no 2D array' };
  const [u2, u1] = pair;
  const iter = iterativeVars(c);
  const part = partitionInfos(c).find((p) => iter.includes(p.vars[0]!));
  if (!part || part.vars.length !== 2) return { reason: 'the cascade has no iterative partitioned rank (M -> M1, M0 with m1 iterative) to traverse once' };
  const [m1, m0] = part.vars as [string, string];
  const members = ws.filter((w) => !w.init && !w.view && w.vars.includes(m1));
  const lastMember = Math.max(...members.map((m) => m.index));
  // views (BK[e, m1, m0] = K[e, m1*M0+m0]) are re-indexings: resolve them to the tensor they read
  const viewSource = new Map<string, string>();
  for (const w of ws) if (w.view) viewSource.set(c.einsums[w.index]!.output.tensor, w.tensors.find((t) => !t.write)!.name);
  const resolve = (n: string): string => (viewSource.has(n) ? resolve(viewSource.get(n)!) : n);
  const written = new Set(members.map((w) => c.einsums[w.index]!.output.tensor));
  // after the loop: einsums that read the recurrence's final values (the divide AV = RNV / RD)
  const tailWs = ws.filter((w) => !w.init && !w.view && w.index > lastMember && !w.vars.includes(m1) && w.tensors.some((t) => !t.write && written.has(t.name)));
  const first2d = members.find((w) => w.contraction && w.vars.includes(m0));
  if (!first2d) return { reason: 'no contraction over the inner tile for the 2D array' };
  // the row rank: the largest output rank of the first contraction besides the tile (queries, p)
  const rowVar = first2d.vars
    .filter((v) => v !== m0 && v !== m1 && !first2d.reduced.includes(v))
    .sort((a, b) => first2d.sizes[first2d.vars.indexOf(b)]! - first2d.sizes[first2d.vars.indexOf(a)]!)[0];
  if (!rowVar) return { reason: 'no row rank to bind to the 2D array columns' };
  // tile-local values (those indexed by both m0 and the row variable) live in the 2D PEs' registers
  const tileLocal = members.filter((w) => {
    const need = (1 << w.vars.indexOf(m0)) | (1 << w.vars.indexOf(rowVar));
    return w.vars.includes(m0) && w.vars.includes(rowVar) && w.tensors.some((t) => t.write && (t.mask & need) === need);
  });
  const regsNeeded = tileLocal.length + 1;
  if (u2.regs < regsNeeded) return { reason: `the ${u2.name} PEs have ${u2.regs} register(s); the pipelined binding keeps ${tileLocal.map((w) => w.name).join(', ')} and an operand in each PE (${regsNeeded} registers)` };
  return { u2, u1, m1, m0, rowVar, parent: part.parent, members, tailWs, first2d, resolve };
}

/**
 * What the group reads from outside: over rows but not keys (Q: state kept per row group in the
 * GLB), over keys but not rows (K, V: streamed one M0 tile at a time); plus the iterative running
 * values (state per row) and the tail's results (written once).
 */
function pipelineTensors(c: Cascade, b: PipelineBinding, M0: number): { tensors: FusedTensor[]; stateBytesPerRow: number; streamBytesPerTile: number } {
  const P = sizeOfVar(c, b.rowVar);
  const M = sizeOfVar(c, b.parent.toLowerCase());
  const rowRank = b.rowVar.toUpperCase();
  const iterTensors = new Set(c.einsums.filter((e) => e.init).map((e) => e.output.tensor));
  const groupWs = [...b.members, ...b.tailWs];
  const groupWritten = new Set(groupWs.map((w) => c.einsums[w.index]!.output.tensor));
  const external = new Set<string>();
  for (const w of groupWs) for (const t of w.tensors) if (!t.write && !groupWritten.has(t.name) && !iterTensors.has(t.name)) external.add(b.resolve(t.name));
  const finals = new Set(b.tailWs.map((w) => c.einsums[w.index]!.output.tensor));
  const tensors: FusedTensor[] = [];
  let stateBytesPerRow = 0;
  let streamBytesPerTile = 0;
  for (const t of c.tensors) {
    const dims = t.dims.map((d) => d.rank);
    if (external.has(t.name)) {
      if (dims.includes(rowRank) && !dims.includes(b.parent)) {
        stateBytesPerRow += (elems(t) / P) * bytesOf(t.dtype);
        tensors.push(fusedTensor(t, 'Q', P, b.first2d, b.resolve));
      } else if (dims.includes(b.parent) && !dims.includes(rowRank)) {
        streamBytesPerTile += (elems(t) / M) * M0 * bytesOf(t.dtype);
        tensors.push(fusedTensor(t, 'KV', M, b.first2d, b.resolve));
      }
    } else if (iterTensors.has(t.name)) {
      const iterDim = t.dims.find((d) => d.rank === b.m1.toUpperCase());
      stateBytesPerRow += (elems(t) / P / (iterDim ? iterDim.extent : 1)) * bytesOf(t.dtype);
    } else if (finals.has(t.name)) tensors.push(fusedTensor(t, 'out', P, b.first2d, b.resolve));
  }
  return { tensors, stateBytesPerRow, streamBytesPerTile };
}

/** P1: the most P0-wide row groups whose state fits next to the double-buffered K/V tiles (0: none fits). */
function chooseP1(nP0: number, P0: number, stateBytesPerRow: number, streamBytesPerTile: number, glb: LevelModel): number {
  for (let d = nP0; d >= 1; d--) if (nP0 % d === 0 && stateBytesPerRow * d * P0 + 2 * streamBytesPerTile <= glb.capacityBytes) return d;
  return 0;
}

/** The members on their units (one P0 x M0 tile: a narrower last one costs the same), then the tail. */
function pipelineOps(c: Cascade, b: PipelineBinding, M0: number, tensors: FusedTensor[]): FusedOp[] {
  const mk = (w: EinsumWorkload, tail: boolean): FusedOp => {
    const hasM0 = w.vars.includes(b.m0);
    const hasP = w.vars.includes(b.rowVar);
    let other = 1;
    w.vars.forEach((v, i) => v !== b.m0 && v !== b.m1 && v !== b.rowVar && (other *= w.sizes[i]!));
    const shape: Pick<FusedOp, 'spatialExtent' | 'queries' | 'timeExtent'> = hasM0 ? { spatialExtent: M0, queries: hasP ? 'cols' : 'none', timeExtent: other } : { spatialExtent: 1, queries: hasP ? 'lanes' : 'none', timeExtent: other };
    return fusedOp(c, w, hasM0 ? b.u2 : b.u1, hasM0 ? '2d' : '1d', shape, { tensors, resolve: b.resolve, tail });
  };
  const ops = [...b.members.map((w) => mk(w, false)), ...b.tailWs.map((w) => mk(w, true))];
  const deps = dependencies(c, [...b.members, ...b.tailWs], b.m1);
  // the final divide runs per P tile right after the recurrence's last M tile, in the same stream
  ops.forEach((op, k) => (op.deps = op.tail ? deps[k]!.map((d) => ({ op: d.op, carried: false })) : deps[k]!));
  return ops;
}

/** FuseMax's description of the cascade on `hw`: the binding, tiles (P1 fits the GLB), operands and einsums. */
export function describePipeline(c: Cascade, ws: EinsumWorkload[], hw: HwModel, batch: number): PipelineAttention | { reason: string } {
  const b = bindPipeline(c, ws, hw);
  if ('reason' in b) return b;
  const M0 = sizeOfVar(c, b.m0);
  const M1 = sizeOfVar(c, b.m1);
  const P = sizeOfVar(c, b.rowVar);
  const P0 = b.u2.cols;
  const nP0 = Math.ceil(P / P0);
  const { tensors, stateBytesPerRow, streamBytesPerTile } = pipelineTensors(c, b, M0);
  const glb = hw.levels[hw.glb]!;
  const P1 = chooseP1(nP0, P0, stateBytesPerRow, streamBytesPerTile, glb);
  if (P1 === 0) return { reason: `the per-row state does not fit ${glb.name} even for one row group` };
  const ops = pipelineOps(c, b, M0, tensors);
  if (ops.some((o) => !Number.isFinite(o.cyclesPerPoint))) return { reason: 'a unit cannot run one of the einsums' };
  return {
    dataflow: 'pipeline',
    ...describeCommon(c, hw, b.u2, b.u1, batch, tensors, b.first2d),
    ranks: { P: b.rowVar, M: b.parent.toLowerCase(), m1: b.m1, m0: b.m0 },
    P,
    M: sizeOfVar(c, b.parent.toLowerCase()),
    onChip: { stateBytesPerRow, streamBytesPerTile },
    ops,
    tiles: { M0, M1, P0, P1, P2: Math.ceil(P / (P1 * P0)) },
  };
}

/**
 * Compute cycles of the whole run: the first tile waits for its operands (arriving one after another
 * on the DRAM channel); instances share the units back to back and the schedule is periodic after
 * the first, so three simulated instances give the rest exactly; so is the stream of M tiles inside
 * an instance: past a few, each M tile adds the same cycles to every instance, so long sequences
 * are extended from 5 and 6 simulated M tiles.
 */
function pipelineCompute(d: PipelineAttention): { computeCycles: number; arrival: [string, number][] } {
  const { M1, P0, P1, P2 } = d.tiles;
  const arrival: [string, number][] = [];
  let channel = 0;
  for (const x of pipelineFirstTransfers(d)) arrival.push([x.tensor.name, (channel += transferCycles(x.bytes, d.dram.bytesPerCycle))]);
  const at = new Map(arrival);
  const ops = scheduleOps(d, P0);
  const ready = Float64Array.from(d.ops, (op) => (op.tail ? 0 : Math.max(0, ...op.reads.map((n) => at.get(n) ?? 0))));
  const instances = d.batch * P2;
  const reps = Math.min(instances, 3);
  const run = (m1Tiles: number) => listSchedule(ops, m1Tiles * P1, [], reps, ready, P1);
  let fin: number[];
  if (M1 <= 6) fin = run(M1);
  else {
    const a = run(5);
    const b = run(6);
    fin = b.map((x, r) => x + (M1 - 6) * (x - a[r]!));
  }
  return { computeCycles: reps < 3 ? fin[reps - 1]! : fin[1]! + (instances - 2) * (fin[2]! - fin[1]!), arrival };
}

/** DRAM: per-row inputs once, outputs once, streamed K/V once per row group; GLB: fills, K/V tiles into the 2D array, per-row state per tile. */
function pipelineTraffic(d: PipelineAttention): { dramRead: number; dramWrite: number; glbRead: number; glbWrite: number; drainCycles: number } {
  const { M1, P0, P1, P2 } = d.tiles;
  let dramRead = 0;
  let dramWrite = 0;
  for (const t of d.tensors) {
    if (t.operand === 'Q') dramRead += tileBytes(t, d.P);
    else if (t.operand === 'out') dramWrite += tileBytes(t, d.P);
    else dramRead += tileBytes(t, d.M) * P2;
  }
  dramRead *= d.batch;
  dramWrite *= d.batch;
  const { stateBytesPerRow, streamBytesPerTile } = d.onChip!;
  const tiles = M1 * P2 * d.batch;
  // the last P tile's output is written after its AV (every other transfer overlaps compute)
  const lastCols = d.P - (Math.ceil(d.P / P0) - 1) * P0;
  let drainCycles = 0;
  for (const t of d.tensors) if (t.operand === 'out') drainCycles += transferCycles(tileBytes(t, lastCols), d.dram.bytesPerCycle);
  return {
    dramRead,
    dramWrite,
    glbRead: tiles * (streamBytesPerTile + stateBytesPerRow * P1 * P0) + dramWrite,
    glbWrite: tiles * stateBytesPerRow * P1 * P0 + dramRead,
    drainCycles,
  };
}

/** Per-einsum mappings of the group (their costs are the group's), busy PE-cycles per unit and op energy. */
function pipelineEinsums(d: PipelineAttention, ws: EinsumWorkload[], hw: HwModel, groupName: string): { einsums: EinsumMapping[]; busy: Record<string, number>; opEnergy: number } {
  const { M0, M1, P0, P1, P2 } = d.tiles;
  const { m0, m1, P: rowVar } = d.ranks as Required<FusedAttention['ranks']>;
  const pTile = P1 * P0;
  const busy: Record<string, number> = { [d.units.array2d.name]: 0, [d.units.array1d.name]: 0 };
  let opEnergy = 0;
  const einsums = d.ops.map((op): EinsumMapping => {
    const w = ws[op.index]!;
    const u = unitOf(hw, d, op.unit);
    const cycles = opTileCycles(d, op, P0);
    const reps = (op.tail ? P2 * d.batch : M1 * P2 * d.batch) * P1;
    // busy PE-cycles from the points actually visited (a ragged or narrow tile pads cycles, not work)
    const opBusy = w.points * d.batch * cyclesPerPoint(w, u);
    busy[u.name] = (busy[u.name] ?? 0) + opBusy;
    const e = w.points * d.batch * energyPerPoint(w, u);
    opEnergy += e;
    const spatial = op.unit === '2d' ? [{ var: m0, dim: 'rows' as const, factor: Math.min(M0, u.rows) }, { var: rowVar, dim: 'cols' as const, factor: Math.min(pTile, u.cols) }].filter((s) => w.vars.includes(s.var)) : w.vars.includes(rowVar) ? [{ var: rowVar, dim: 'lanes' as const, factor: Math.min(pTile, u.rows) }] : [];
    return {
      name: w.name,
      index: w.index,
      unit: u.name,
      spatial,
      tiles: Object.fromEntries(w.vars.map((v, i) => [v, v === m0 ? M0 : v === rowVar ? pTile : v === m1 ? 1 : w.sizes[i]!])),
      loopOrder: op.tail ? [rowVar] : [rowVar, m1],
      group: groupName,
      cost: { latencyCycles: Math.round(cycles * reps), computeCycles: Math.round(cycles * reps), energyPj: e, busyPeCycles: { [u.name]: opBusy }, traffic: {}, boundBy: 'compute' },
      spatialUtilization: Math.min(1, opBusy / (cycles * reps * u.pes)),
      explanation: [],
    };
  });
  return { einsums, busy, opEnergy };
}

function unitOf(hw: HwModel, d: FusedAttention, unit: FusedUnit): UnitModel {
  const name = unit === '2d' ? d.units.array2d.name : d.units.array1d.name;
  return hw.units.find((u) => u.name === name)!;
}

/** Energy: ops, DRAM and GLB bytes, leakage of both arrays over the latency. */
function groupEnergy(hw: HwModel, d: FusedAttention, opEnergy: number, t: { dramRead: number; dramWrite: number; glbRead: number; glbWrite: number }, latency: number): number {
  const u2 = unitOf(hw, d, '2d');
  const u1 = unitOf(hw, d, '1d');
  const glb = hw.levels[hw.glb]!;
  const dram = hw.levels[hw.dram]!;
  const leak = (u2.leakPjPerPeCycle * u2.pes + (u1 === u2 ? 0 : u1.leakPjPerPeCycle * u1.pes)) * latency;
  return opEnergy + t.dramRead * dram.readPjPerByte + t.dramWrite * dram.writePjPerByte + t.glbRead * glb.readPjPerByte + t.glbWrite * glb.writePjPerByte + leak;
}

function pipelineExplanation(d: PipelineAttention, hw: HwModel, r: { arrival: [string, number][]; drainCycles: number; latency: number; boundBy: string; busy: Record<string, number> }): string[] {
  const { M0, M1, P0, P1, P2 } = d.tiles;
  const u2 = unitOf(hw, d, '2d');
  const u1 = unitOf(hw, d, '1d');
  const glb = hw.levels[hw.glb]!;
  const { m0, m1, P: rowVar } = d.ranks;
  const on = (f: (o: FusedOp) => boolean) => d.ops.filter(f).map((o) => o.einsum).join(', ');
  const perTile = (f: (o: FusedOp) => boolean) => d.ops.filter(f).map((o) => `${o.einsum} ${opTileCycles(d, o, P0)}`).join(', ');
  const u2util = r.busy[u2.name]! / (r.latency * u2.pes);
  const u1util = u1 === u2 ? 0 : r.busy[u1.name]! / (r.latency * u1.pes);
  const streamed = d.tensors.filter((t) => t.operand === 'K' || t.operand === 'V').map((t) => t.name);
  const { stateBytesPerRow, streamBytesPerTile } = d.onChip!;
  return [
    `pipelined 2D+1D binding (FuseMax): ${on((o) => !o.tail && o.unit === '2d')} on ${u2.name} (rows <- ${m0}, cols <- ${rowVar}); ${on((o) => o.unit === '1d')} on ${u1.name} (lanes <- ${rowVar})`,
    `tiles: ${d.ranks.M.toUpperCase()} = ${M1} x ${M0} (${m1} x ${m0}); ${rowVar.toUpperCase()} = ${P2} x ${P1} x ${P0} (${P1} row group${P1 > 1 ? 's' : ''} of ${Math.min(P0, d.P)} rows kept in ${glb.name}: ${Math.round(stateBytesPerRow * P1 * P0)} B of state + ${Math.round(2 * streamBytesPerTile)} B of double-buffered ${streamed.join('/')} tiles)`,
    `per ${M0} x ${Math.min(P0, d.P)} tile (${M1 * Math.ceil(d.P / P0)} per instance, the ${P1} P tile${P1 > 1 ? 's' : ''} of a row group interleaved in each M tile, program order on each array): ${perTile((o) => !o.tail)} cycles; after the last M tile, per P tile: ${perTile((o) => o.tail) || 'nothing'}; the first tile waits for ${r.arrival.map(([n, at]) => `${n} (${at})`).join(', ')} from ${hw.levels[hw.dram]!.name}, the last output tile takes ${r.drainCycles} cycles to write`,
    `${u2.name} busy ${(u2util * 100).toFixed(1)}% and ${u1.name} busy ${(u1util * 100).toFixed(1)}% of ${r.latency} cycles; ${r.boundBy === 'compute' ? 'compute-bound' : `bound by ${r.boundBy} bandwidth`}`,
  ];
}

/** FuseMax's analytic model: the description's list schedule against the DRAM and GLB bandwidth bounds. */
export function pipelineModel(c: Cascade, ws: EinsumWorkload[], hw: HwModel, _objective: Objective, batch: number): FusedOutcome | { reason: string } {
  const d = describePipeline(c, ws, hw, batch);
  if ('reason' in d) return d;
  const glb = hw.levels[hw.glb]!;
  const dram = hw.levels[hw.dram]!;
  const { computeCycles, arrival } = pipelineCompute(d);
  const t = pipelineTraffic(d);
  const memCycles = (t.dramRead + t.dramWrite) / dram.bytesPerCycle;
  const glbCycles = (t.glbRead + t.glbWrite) / glb.bytesPerCycle;
  const pipelineCycles = computeCycles + t.drainCycles;
  const latency = Math.ceil(Math.max(pipelineCycles, memCycles, glbCycles));
  const boundBy = latency === Math.ceil(pipelineCycles) ? 'compute' : memCycles >= glbCycles ? dram.name : glb.name;
  const groupName = `pipeline(${d.ranks.m1})`;
  const { einsums, busy, opEnergy } = pipelineEinsums(d, ws, hw, groupName);
  const energy = groupEnergy(hw, d, opEnergy, t, latency);
  const { M0, M1, P0, P1, P2 } = d.tiles;
  return {
    group: {
      name: groupName,
      kind: 'pipeline',
      einsums: d.ops.map((o) => o.einsum),
      params: { M0, M1, P0, P1, P2, batch },
      cost: {
        latencyCycles: latency,
        computeCycles: Math.ceil(pipelineCycles),
        energyPj: energy,
        busyPeCycles: busy,
        traffic: { [dram.name]: { readBytes: t.dramRead, writeBytes: t.dramWrite }, [glb.name]: { readBytes: t.glbRead, writeBytes: t.glbWrite, fillBytes: t.dramRead } },
        boundBy,
      },
      explanation: pipelineExplanation(d, hw, { arrival, drainCycles: t.drainCycles, latency, boundBy, busy }),
      fused: d,
    },
    einsums,
  };
}

// ---------------------------------------------------------------------------------------------
// FLAT: row-block fusion of a cascade with no iterative rank

interface RowblockBinding {
  u2: UnitModel;
  u1: UnitModel;
  live: EinsumWorkload[];
  rowVar: string;
  /** the fiber every pass traverses: the largest rank other than the row rank that some einsum reduces */
  fiber: string;
}

function bindRowblock(c: Cascade, ws: EinsumWorkload[], hw: HwModel): RowblockBinding | null {
  const pair = unitPair(hw);
  if (!pair) return null;
  const [u2, u1] = pair;
  if (iterativeVars(c).length > 0) return null;
  const live = ws.filter((w) => !w.view && !w.init);
  if (live.length < 2) return null;
  const outs = c.outputs.map((o) => c.einsums.find((e) => e.output.tensor === o)!).filter(Boolean);
  if (outs.length !== 1) return null;
  const outW = ws[c.einsums.indexOf(outs[0]!)]!;
  const rowVar = outW.vars.find((v) => !outW.reduced.includes(v) && live.every((w) => w.vars.includes(v) && !w.reduced.includes(v)));
  if (!rowVar) return null;
  const fiber = [...new Set(live.flatMap((w) => w.reduced))].sort((a, b) => sizeOfVar(c, b) - sizeOfVar(c, a))[0];
  if (!fiber) return null;
  return { u2, u1, live, rowVar, fiber };
}

/** Row inputs (Q), inputs without the row rank (K, V: shared by every block) and the outputs. */
function rowblockTensors(c: Cascade, b: RowblockBinding): FusedTensor[] {
  const P = sizeOfVar(c, b.rowVar);
  const M = sizeOfVar(c, b.fiber);
  const rowRank = b.rowVar.toUpperCase();
  const id = (n: string) => n;
  const out: FusedTensor[] = [];
  for (const t of c.tensors) {
    const overRows = t.dims.some((d) => d.rank === rowRank);
    if (t.role === 'input' || t.role === 'weight' || t.role === 'kvcache') out.push(overRows ? fusedTensor(t, 'Q', P, b.live[0]!, id) : fusedTensor(t, 'KV', M, b.live[0]!, id));
    else if (t.role === 'output') out.push(fusedTensor(t, 'out', P, b.live[0]!, id));
  }
  return out;
}

/** Contractions on the 2D array (rows <- the largest other rank, cols <- the block's rows), the rest on the 1D array (lanes <- it, rows in time). */
function rowblockOps(c: Cascade, b: RowblockBinding, tensors: FusedTensor[]): FusedOp[] {
  const ops = b.live.map((w) => {
    let big = '';
    for (let i = 0; i < w.vars.length; i++) if (w.vars[i] !== b.rowVar && (!big || w.sizes[i]! > sizeOfVar(c, big))) big = w.vars[i]!;
    let other = 1;
    for (let i = 0; i < w.vars.length; i++) if (w.vars[i] !== b.rowVar && w.vars[i] !== big) other *= w.sizes[i]!;
    const spatialExtent = big ? sizeOfVar(c, big) : 1;
    return w.contraction ? fusedOp(c, w, b.u2, '2d', { spatialExtent, queries: 'cols', timeExtent: other }, { tensors, resolve: (n) => n }) : fusedOp(c, w, b.u1, '1d', { spatialExtent, queries: 'time', timeExtent: other }, { tensors, resolve: (n) => n });
  });
  const deps = dependencies(c, b.live, undefined);
  ops.forEach((op, k) => (op.deps = deps[k]!));
  // a 2D einsum that consumes 1D results runs one block behind (FLAT overlaps QK(b+1) with AV(b))
  assignStages(ops);
  return ops;
}

/** FLAT's description of the cascade on `hw`, for blocks of `R` rows (the analytic model searches R). */
export function describeRowblock(c: Cascade, ws: EinsumWorkload[], hw: HwModel, batch: number, R?: number): RowblockAttention | null {
  const b = bindRowblock(c, ws, hw);
  if (!b) return null;
  const tensors = rowblockTensors(c, b);
  const ops = rowblockOps(c, b, tensors);
  if (ops.some((o) => !Number.isFinite(o.cyclesPerPoint))) return null;
  const P = sizeOfVar(c, b.rowVar);
  const r = R ?? Math.min(P, b.u2.cols);
  return {
    dataflow: 'rowblock',
    ...describeCommon(c, hw, b.u2, b.u1, batch, tensors, b.live.find((w) => w.contraction) ?? b.live[0]!),
    ranks: { P: b.rowVar, M: b.fiber },
    P,
    M: sizeOfVar(c, b.fiber),
    ops,
    tiles: { R: r, blocks: Math.ceil(P / r) * batch },
  };
}

/**
 * Passes (FuseMax's pass analysis): an einsum that iterates the fiber and reads a reduction over
 * the whole fiber must wait for it, so it starts a new traversal. Consumers in the producer's own
 * pass take values as they stream; only tensors read in a later pass must be held for the block
 * (in the GLB, or spilled to DRAM when the block does not fit). Per row: bytes written to / read
 * from the GLB by every consumer (units exchange data through the GLB), bytes that cross a pass
 * boundary, and the most held at once.
 */
function rowblockPasses(c: Cascade, d: RowblockAttention, ws: EinsumWorkload[]) {
  const live = d.ops.map((o) => ws[o.index]!);
  const fiber = d.ranks.M;
  const rowRank = d.ranks.P.toUpperCase();
  const rowBytes = (t: Cascade['tensors'][number]) => (elems(t) / d.P) * bytesOf(t.dtype);
  const producer = new Map<string, number>();
  live.forEach((w, k) => w.tensors.forEach((t) => t.write && producer.set(t.name, k)));
  const pass: number[] = [];
  live.forEach((w, k) => {
    let p = 1;
    for (const t of w.tensors) {
      const q = t.write ? undefined : producer.get(t.name);
      if (q !== undefined && q < k) p = Math.max(p, pass[q]! + (live[q]!.reduced.includes(fiber) && w.vars.includes(fiber) ? 1 : 0));
    }
    pass.push(p);
  });
  const r = { pass, maxPass: Math.max(1, ...pass), interWrite: 0, interRead: 0, crossWrite: 0, crossRead: 0, peak: 0, crossing: [] as { name: string; from: number; to: number; bytes: number }[] };
  for (const t of c.tensors.filter((x) => x.role === 'intermediate' && x.dims.some((q) => q.rank === rowRank) && x.dims.some((q) => q.rank === fiber.toUpperCase()))) {
    const q = producer.get(t.name);
    if (q === undefined) continue;
    const consumers = live.map((w, k) => ({ w, k })).filter(({ w }) => w.tensors.some((u) => !u.write && u.name === t.name));
    const b = rowBytes(t);
    r.interWrite += b;
    r.interRead += b * consumers.length;
    const later = new Set(consumers.map(({ k }) => pass[k]!).filter((x) => x > pass[q]!));
    if (later.size > 0) {
      r.crossWrite += b;
      r.crossRead += b * later.size;
      r.crossing.push({ name: t.name, from: pass[q]!, to: Math.max(...later), bytes: b });
    }
  }
  for (let k = 1; k < r.maxPass; k++) r.peak = Math.max(r.peak, r.crossing.filter((x) => x.from <= k && x.to > k).reduce((a, x) => a + x.bytes, 0));
  return r;
}

type Passes = ReturnType<typeof rowblockPasses>;

interface BlockChoice {
  R: number;
  val: number;
  latency: number;
  energy: number;
  compute: number;
  dR: number;
  dW: number;
  gR: number;
  gW: number;
  spill: number;
  kvResident: boolean;
  bound: string;
}

/** Block sizes to try: powers of two, multiples of the 2D columns, multiples of 8 below them, all rows. */
function blockCandidates(P: number, cols: number): number[] {
  const r = new Set<number>();
  for (let x = 1; x < P; x *= 2) r.add(x);
  for (let k = 1; k * cols < P; k++) r.add(k * cols);
  for (let x = 8; x < Math.min(P, cols); x += 8) r.add(x);
  r.add(P);
  return [...r].sort((a, b) => a - b);
}

/**
 * Compute cycles of blocks of R rows: blocks are identical, so a few are scheduled as one stream
 * and the rest extended by the steady-state period; the first block waits for its operands (Q and
 * K first, V after them: rowblockTransfers).
 */
function rowblockCompute(d: RowblockAttention, R: number): number {
  const ops = scheduleOps(d, R);
  const [fill, later] = rowblockTransfers(d);
  const fillCycles = transferCycles(fill!.bytes, d.dram.bytesPerCycle);
  const laterReady = fillCycles + transferCycles(later!.bytes, d.dram.bytesPerCycle);
  const inFill = new Set(fill!.tensors.map((t) => t.name));
  const inLater = new Set(later!.tensors.map((t) => t.name));
  const firstReady = Float64Array.from(d.ops, (o) => (o.reads.some((n) => inLater.has(n)) ? laterReady : o.reads.some((n) => inFill.has(n)) ? fillCycles : 0));
  const blocks = Math.ceil(d.P / R) * d.batch;
  const reps = Math.min(blocks, 4);
  const fin = listSchedule(ops, reps, [], 1, firstReady)[0]!;
  const fin1 = reps > 1 ? listSchedule(ops, reps - 1, [], 1, firstReady)[0]! : 0;
  return reps === 1 ? fin * blocks : fin + (blocks - reps) * (fin - fin1);
}

/** One block size: latency (compute, DRAM and GLB bounds), traffic with what spills, energy, and the objective. */
function evalBlocks(d: RowblockAttention, R: number, passes: Passes, ws: EinsumWorkload[], hw: HwModel, objective: Objective): BlockChoice {
  const glb = hw.levels[hw.glb]!;
  const dram = hw.levels[hw.dram]!;
  const { P, M, batch } = d;
  const sum = (f: (t: FusedTensor) => boolean, n: number) => d.tensors.filter(f).reduce((a, t) => a + tileBytes(t, n), 0);
  const isShared = (t: FusedTensor) => t.operand === 'K' || t.operand === 'V';
  const rowIO = sum((t) => t.operand === 'Q' || t.operand === 'out', 1);
  const sharedBytes = sum(isShared, M);
  const sharedTile = sum(isShared, Math.min(d.units.array2d.rows, M));
  const compute = rowblockCompute(d, R);
  const blocks = Math.ceil(P / R) * batch;
  const need = passes.peak * R;
  const kvResident = sharedBytes + need + 2 * rowIO * R <= glb.capacityBytes;
  const avail = glb.capacityBytes - 2 * rowIO * R - (kvResident ? sharedBytes : 2 * sharedTile);
  const spill = need <= 0 ? 0 : 1 - Math.max(0, Math.min(1, avail / need));
  const perInstanceShared = kvResident ? sharedBytes : sharedBytes * Math.ceil(P / R);
  const dR = batch * (sum((t) => t.operand === 'Q', P) + perInstanceShared) + spill * passes.crossRead * P * batch;
  const dW = batch * sum((t) => t.operand === 'out', P) + spill * passes.crossWrite * P * batch;
  // every pass reads and writes its block's intermediates in the GLB; each block reads all shared inputs
  const gR = batch * P * passes.interRead + blocks * sharedBytes + dW;
  const gW = batch * P * passes.interWrite + dR;
  const mem = (dR + dW) / dram.bytesPerCycle;
  const glbC = (gR + gW) / glb.bytesPerCycle;
  // the last block's output is written after its AV (the fill is in the schedule: firstReady)
  const lastRows = P - (Math.ceil(P / R) - 1) * R;
  const filled = compute + transferCycles(sum((t) => t.operand === 'out', lastRows), dram.bytesPerCycle);
  const latency = Math.ceil(Math.max(filled, mem, glbC));
  const bound = latency === Math.ceil(filled) ? 'compute' : mem >= glbC ? dram.name : glb.name;
  // R is chosen on the steady state: the fill and drain are paid once per run whatever R is (within
  // the last block's write), and choosing by them would trade energy for a handful of cycles
  const steady = Math.ceil(Math.max(compute, mem, glbC));
  let opE = 0;
  for (const o of d.ops) opE += ws[o.index]!.points * batch * energyPerPoint(ws[o.index]!, unitOf(hw, d, o.unit));
  const energy = groupEnergy(hw, d, opE, { dramRead: dR, dramWrite: dW, glbRead: gR, glbWrite: gW }, latency);
  return { R, val: objectiveValue(objective, steady, energy), latency, energy, compute: filled, dR, dW, gR, gW, spill, kvResident, bound };
}

/** Per-einsum mappings of the group (their costs are the group's) and busy PE-cycles per unit. */
function rowblockEinsums(d: RowblockAttention, ws: EinsumWorkload[], hw: HwModel, groupName: string): { einsums: EinsumMapping[]; busy: Record<string, number> } {
  const { R, blocks } = d.tiles;
  const { P: rowVar, M: fiber } = d.ranks;
  const busy: Record<string, number> = { [d.units.array2d.name]: 0, [d.units.array1d.name]: 0 };
  const einsums = d.ops.map((op): EinsumMapping => {
    const w = ws[op.index]!;
    const u = unitOf(hw, d, op.unit);
    const cycles = opTileCycles(d, op, R);
    const opBusy = w.points * d.batch * cyclesPerPoint(w, u);
    busy[u.name] = (busy[u.name] ?? 0) + opBusy;
    const e = w.points * d.batch * energyPerPoint(w, u);
    const rows = Math.min(u.rows, d.M);
    return {
      name: w.name,
      index: w.index,
      unit: u.name,
      spatial: op.unit === '2d' ? [{ var: fiber, dim: 'rows' as const, factor: rows }, { var: rowVar, dim: 'cols' as const, factor: Math.min(u.cols, R) }] : [{ var: fiber, dim: 'lanes' as const, factor: rows }],
      tiles: Object.fromEntries(w.vars.map((v, i) => [v, v === rowVar ? R : w.sizes[i]!])),
      loopOrder: [rowVar],
      group: groupName,
      cost: { latencyCycles: Math.round(cycles * blocks), computeCycles: Math.round(cycles * blocks), energyPj: e, busyPeCycles: { [u.name]: opBusy }, traffic: {}, boundBy: 'compute' },
      spatialUtilization: Math.min(1, opBusy / (cycles * blocks * u.pes)),
      explanation: [],
    };
  });
  return { einsums, busy };
}

function rowblockExplanation(d: RowblockAttention, hw: HwModel, passes: Passes, best: BlockChoice, busy: Record<string, number>): string[] {
  const { R, blocks } = d.tiles;
  const u2 = unitOf(hw, d, '2d');
  const u1 = unitOf(hw, d, '1d');
  const glb = hw.levels[hw.glb]!;
  const dram = hw.levels[hw.dram]!;
  const on = (unit: FusedUnit) => d.ops.filter((o) => o.unit === unit);
  const per2d = on('2d').reduce((a, o) => a + opTileCycles(d, o, R), 0);
  const per1d = on('1d').reduce((a, o) => a + opTileCycles(d, o, R), 0);
  const u2util = busy[u2.name]! / (best.latency * u2.pes);
  const u1util = u1 === u2 ? 0 : busy[u1.name]! / (best.latency * u1.pes);
  const shared = d.tensors.filter((t) => t.operand === 'K' || t.operand === 'V');
  return [
    `row-block fusion (FLAT's dataflow): ${on('2d').map((o) => o.einsum).join(', ')} on ${u2.name}; ${on('1d').map((o) => o.einsum).join(', ')} on ${u1.name}; fused over blocks of ${R} rows of ${d.ranks.P.toUpperCase()} (${blocks} blocks), blocks pipelined`,
    `per block: ${u2.name} ${per2d} cycles, ${u1.name} ${per1d} cycles: the ${per1d > per2d ? `${u1.name} is the bottleneck and ${u2.name} waits ${(((per1d - per2d) / per1d) * 100).toFixed(1)}% of the time` : `${u2.name} is the bottleneck`}`,
    `${passes.maxPass} passes over ${d.ranks.M.toUpperCase()} (${d.ops.map((o, k) => `${o.einsum}:${passes.pass[k]}`).join(' ')}); held across passes: ${passes.crossing.map((x) => x.name).join(', ') || 'nothing'}, ${Math.round(passes.peak * R)} B per block in ${glb.name}${best.spill > 0 ? `; ${(best.spill * 100).toFixed(1)}% spills to ${dram.name}` : ''}; ${shared.map((t) => t.name).join('/')} ${best.kvResident ? 'stay resident' : `re-read from ${dram.name} for every block`}`,
    `${u2.name} busy ${(u2util * 100).toFixed(1)}% and ${u1.name} busy ${(u1util * 100).toFixed(1)}% of ${best.latency} cycles; ${best.bound === 'compute' ? 'compute-bound' : `bound by ${best.bound} bandwidth`}`,
  ];
}

/** FLAT's analytic model: the description's blocks, R chosen by the objective on the steady state. */
export function rowblockModel(c: Cascade, ws: EinsumWorkload[], hw: HwModel, objective: Objective, batch: number): FusedOutcome | null {
  const base = describeRowblock(c, ws, hw, batch);
  if (!base) return null;
  const passes = rowblockPasses(c, base, ws);
  let best: BlockChoice | null = null;
  for (const R of blockCandidates(base.P, base.units.array2d.cols)) {
    const x = evalBlocks({ ...base, tiles: { R, blocks: Math.ceil(base.P / R) * batch } }, R, passes, ws, hw, objective);
    if (!best || x.val < best.val) best = x;
  }
  if (!best) return null;
  const d: RowblockAttention = { ...base, tiles: { R: best.R, blocks: Math.ceil(base.P / best.R) * batch } };
  const glb = hw.levels[hw.glb]!;
  const dram = hw.levels[hw.dram]!;
  const groupName = `rowblock(${d.ranks.P})`;
  const { einsums, busy } = rowblockEinsums(d, ws, hw, groupName);
  return {
    group: {
      name: groupName,
      kind: 'rowblock',
      einsums: d.ops.map((o) => o.einsum),
      params: { R: best.R, blocks: d.tiles.blocks, batch, spillPercent: Math.round(best.spill * 1000) / 10 },
      cost: {
        latencyCycles: best.latency,
        computeCycles: Math.ceil(best.compute),
        energyPj: best.energy,
        busyPeCycles: busy,
        traffic: { [dram.name]: { readBytes: best.dR, writeBytes: best.dW }, [glb.name]: { readBytes: best.gR, writeBytes: best.gW, fillBytes: best.dR } },
        boundBy: best.bound,
      },
      explanation: rowblockExplanation(d, hw, passes, best, busy),
      fused: d,
    },
    einsums,
  };
}
