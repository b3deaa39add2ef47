// FuseMax (Nayak et al., MICRO 2024), the mapper's side of the `pipeline` dataflow plug-in: a
// cascade with an iterative rank m1 (M -> M1, M0) runs as ONE traversal of M. Every einsum over the
// inner tile (m0) is bound to the 2D array (rows <- m0, cols <- p), every einsum over (m1, p) only to
// the 1D array (lanes <- p). Per M0 tile each array runs its einsums in program order; the arrays
// overlap across tiles (tile t+1's QK on the 2D array while the 1D array finishes tile t's running
// sums). Tile-local values (QK, exponentials) live in the PE registers, so the 2D PEs need a
// register file; only K/V tiles stream from DRAM, and the per-row state (Q, running max,
// denominator, numerator) stays in the global buffer for P1 x P0 rows at a time.
//
// Every iterative partition of the cascade is one group (a model's attention in every layer).
// `describePipeline` builds the group's description (sim/spatial/attention-shape.ts FusedAttention),
// the analytic model below times it (a list schedule of its per-tile operations against the DRAM and
// GLB bandwidth bounds) and the mapper stores it as GroupMapping.fused, which the cycle engine
// (sim/spatial/attention-pipeline.ts simulateFusemax) runs.
import { iterativeVars, partitionInfos, type Cascade } from '../../ir';
import { opTileCycles, pipelineFirstTransfers, tileBytes, transferCycles, type FusedAttention, type FusedOp, type FusedTensor, type PipelineAttention } from '../../../sim/spatial/attention-shape';
import type { HwModel, LevelModel, UnitModel } from '../hardware';
import type { EinsumMapping, Objective, SpatialBinding } from '../mapping';
import { cyclesPerPoint, energyPerPoint, type EinsumWorkload } from '../workload';
import { bytesOf, dependencies, describeCommon, elems, fusedOp, fusedTensor, groupEnergy, listSchedule, scheduleOps, sizeOfVar, unitOf, unitPair } from './common';
import type { FusedOutcome } from './plugin';


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
type Partition = ReturnType<typeof partitionInfos>[number];

/** The partitions a pipeline traverses once: M -> M1, M0 with m1 iterative (one per attention layer of a model). */
export function iterativePartitions(c: Cascade): Partition[] {
  let parts = partitionsOf.get(c);
  if (!parts) {
    const iter = iterativeVars(c);
    parts = partitionInfos(c).filter((p) => iter.includes(p.vars[0]!) && p.vars.length === 2);
    partitionsOf.set(c, parts);
  }
  return parts.slice();
}

/** iterativePartitions per cascade (the index and the groups both ask; each caller gets its own list) */
const partitionsOf = new WeakMap<Cascade, Partition[]>();

/**
 * The row rank: the largest output rank of the first contraction besides the tile that its key-side
 * operand (the one over m0) does not carry: the queries (p; s in a model, r for the query heads that
 * share a KV head in decode). Ranks both operands carry (batch, KV heads) run in time. Without such a
 * rank, the largest output rank.
 */
function rowVarOf(first2d: EinsumWorkload, m1: string, m0: string): string | undefined {
  const bit = (v: string) => 1 << first2d.vars.indexOf(v);
  const keySide = first2d.tensors.filter((t) => !t.write && (t.mask & bit(m0)) !== 0);
  const size = (v: string) => first2d.sizes[first2d.vars.indexOf(v)]!;
  const outs = first2d.vars.filter((v) => v !== m0 && v !== m1 && !first2d.reduced.includes(v)).sort((a, b) => size(b) - size(a));
  return outs.find((v) => keySide.every((t) => (t.mask & bit(v)) === 0)) ?? outs[0];
}

/**
 * What every group of a cascade looks up, built in one pass over its einsums (a 32-layer model has
 * 32 groups: scanning the cascade for each would cost the square of its size).
 */
interface CascadeIndex {
  /** the non-init, non-view einsums over each iterative partition's outer variable (m1), program order */
  over: Map<string, EinsumWorkload[]>;
  /** the non-init, non-view einsums that read each tensor, program order */
  readers: Map<string, EinsumWorkload[]>;
  /** views (BK[e, m1, m0] = K[e, m1*M0+m0]) are re-indexings: the tensor each reads */
  viewSource: Map<string, string>;
}

const indexes = new WeakMap<EinsumWorkload[], CascadeIndex>();

function cascadeIndex(c: Cascade, ws: EinsumWorkload[]): CascadeIndex {
  let x = indexes.get(ws);
  if (x) return x;
  x = { over: new Map(), readers: new Map(), viewSource: new Map() };
  for (const p of iterativePartitions(c)) x.over.set(p.vars[0]!, []);
  for (const w of ws) {
    if (w.view) x.viewSource.set(c.einsums[w.index]!.output.tensor, w.tensors.find((t) => !t.write)!.name);
    if (w.view || w.init) continue;
    for (const v of w.vars) x.over.get(v)?.push(w);
    for (const u of w.tensors) {
      if (u.write) continue;
      const list = x.readers.get(u.name);
      if (!list) x.readers.set(u.name, [w]);
      else if (list[list.length - 1] !== w) list.push(w); // a tensor read twice by one einsum counts once
    }
  }
  indexes.set(ws, x);
  return x;
}

/** The members over m1: from the index when m1 is an iterative partition's, else by a scan (a caller's own partition). */
function membersOver(ix: CascadeIndex, ws: EinsumWorkload[], m1: string): EinsumWorkload[] {
  return ix.over.get(m1) ?? ws.filter((w) => !w.view && !w.init && w.vars.includes(m1));
}

function bindPipeline(c: Cascade, ws: EinsumWorkload[], hw: HwModel, part: Partition | undefined = iterativePartitions(c)[0]): PipelineBinding | { reason: string } {
  const pair = unitPair(hw);
  if (!pair) return { reason: 'no 2D array' };
  const [u2, u1] = pair;
  if (!part || part.vars.length !== 2) return { reason: 'the cascade has no iterative partitioned rank (M -> M1, M0 with m1 iterative) to traverse once' };
  const [m1, m0] = part.vars as [string, string];
  const ix = cascadeIndex(c, ws);
  const members = membersOver(ix, ws, m1);
  let lastMember = -Infinity;
  for (const m of members) if (m.index > lastMember) lastMember = m.index;
  const resolve = (n: string): string => (ix.viewSource.has(n) ? resolve(ix.viewSource.get(n)!) : n);
  const written = new Set(members.map((w) => c.einsums[w.index]!.output.tensor));
  // after the loop: einsums that read the recurrence's final values (the divide AV = RNV / RD)
  const tail = new Set<EinsumWorkload>();
  for (const n of written) for (const w of ix.readers.get(n) ?? []) if (w.index > lastMember && !w.vars.includes(m1)) tail.add(w);
  const tailWs = [...tail].sort((a, b) => a.index - b.index);
  const first2d = members.find((w) => w.contraction && w.vars.includes(m0));
  if (!first2d) return { reason: 'no contraction over the inner tile for the 2D array' };
  const rowVar = rowVarOf(first2d, m1, m0);
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
  const groupWs = [...b.members, ...b.tailWs];
  const groupWritten = new Set(groupWs.map((w) => c.einsums[w.index]!.output.tensor));
  // the group's running values: initialised before the loop, rewritten by its members (not another layer's)
  const iterTensors = new Set(initsOf(c, groupWritten).map((i) => c.einsums[i]!.output.tensor));
  const external = new Set<string>();
  for (const w of groupWs) for (const t of w.tensors) if (!t.write && !groupWritten.has(t.name) && !iterTensors.has(t.name)) external.add(b.resolve(t.name));
  const finals = new Set(b.tailWs.map((w) => c.einsums[w.index]!.output.tensor));
  const tensors: FusedTensor[] = [];
  let stateBytesPerRow = 0;
  let streamBytesPerTile = 0;
  const hasDim = (t: Cascade['tensors'][number], r: string) => t.dims.some((d) => d.rank === r);
  for (const t of tensorsNamed(c, [...external, ...iterTensors, ...finals])) {
    if (external.has(t.name)) {
      const overRows = hasDim(t, rowRank);
      const overKeys = hasDim(t, b.parent);
      if (overRows && !overKeys) {
        stateBytesPerRow += (elems(t) / P) * bytesOf(t.dtype);
        tensors.push(fusedTensor(t, 'Q', P, b.first2d, b.resolve));
      } else if (overKeys && !overRows) {
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

const tensorIndexes = new WeakMap<Cascade, Map<string, number>>();

/** The tensors of `c` with these names, in declaration order (the order the description lists them). */
function tensorsNamed(c: Cascade, names: string[]): Cascade['tensors'] {
  let ix = tensorIndexes.get(c);
  if (!ix) {
    ix = new Map(c.tensors.map((t, i) => [t.name, i]));
    tensorIndexes.set(c, ix);
  }
  const at: number[] = [];
  for (const n of names) {
    const i = ix.get(n);
    if (i !== undefined && !at.includes(i)) at.push(i);
  }
  return at.sort((a, b) => a - b).map((i) => c.tensors[i]!);
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
export function describePipeline(c: Cascade, ws: EinsumWorkload[], hw: HwModel, batch: number, part?: Partition): PipelineAttention | { reason: string } {
  const b = bindPipeline(c, ws, hw, part);
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
  // the next layer of a model asks for the same schedule: compared number by number, without the key text
  const n = scheduleInputs(ops, ready, M1, P1, P2, d.batch);
  if (n === lastSchedule.inputs.length && sameInputs(n)) return { computeCycles: lastSchedule.cycles, arrival };
  const key = inputScratch.subarray(0, n).join(','); // the counts among the inputs make the text unambiguous
  let computeCycles = computed.get(key);
  if (computeCycles === undefined) {
    computeCycles = scheduleCycles(ops, ready, d.tiles, d.batch);
    if (computed.size >= 256) computed.delete(computed.keys().next().value!);
    computed.set(key, computeCycles);
  }
  lastSchedule.inputs = inputScratch.slice(0, n);
  lastSchedule.cycles = computeCycles;
  return { computeCycles, arrival };
}

/** The inputs of the schedule computed last, as scheduleInputs writes them, and its cycles. */
const lastSchedule = { inputs: new Float64Array(0), cycles: 0 };
let inputScratch = new Float64Array(256);

/** Writes every input of scheduleCycles (the ops' units, cycles, stages, tails, arrivals and producers, with their counts; the tiles) into the scratch; returns how many. */
function scheduleInputs(ops: ReturnType<typeof scheduleOps>, ready: Float64Array, M1: number, P1: number, P2: number, batch: number): number {
  let n = 0;
  const put = (x: number) => {
    if (n === inputScratch.length) {
      const grown = new Float64Array(n * 2);
      grown.set(inputScratch);
      inputScratch = grown;
    }
    inputScratch[n++] = x;
  };
  put(M1);
  put(P1);
  put(P2);
  put(batch);
  put(ops.length);
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    put(o.unit);
    put(o.cycles);
    put(o.stage);
    put(o.lastOnly ? 1 : 0);
    put(ready[i]!);
    put(o.deps.length);
    for (const d of o.deps) put(d.carried ? -1 - d.op : d.op);
  }
  return n;
}

function sameInputs(n: number): boolean {
  const last = lastSchedule.inputs;
  for (let i = 0; i < n; i++) if (last[i] !== inputScratch[i] && !(last[i] !== last[i] && inputScratch[i] !== inputScratch[i])) return false;
  return true;
}

/**
 * The list schedule of a description's tiles (a pure function of the ops' units, cycles, producers
 * and stages, the first operands' arrivals and the tiles): identical layers of a model share it, so
 * it is remembered by those inputs (names are not among them).
 */
const computed = new Map<string, number>();

function scheduleCycles(ops: ReturnType<typeof scheduleOps>, ready: Float64Array, tiles: PipelineAttention['tiles'], batch: number): number {
  const { M1, P1, P2 } = tiles;
  const instances = batch * P2;
  const reps = Math.min(instances, 3);
  const run = (m1Tiles: number) => listSchedule(ops, m1Tiles * P1, [], reps, ready, P1);
  let fin: number[];
  if (M1 <= 6) fin = run(M1);
  else {
    const a = run(5);
    const b = run(6);
    fin = b.map((x, r) => x + (M1 - 6) * (x - a[r]!));
  }
  return reps < 3 ? fin[reps - 1]! : fin[1]! + (instances - 2) * (fin[2]! - fin[1]!);
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
  const busy: Record<string, number> = {};
  busy[d.units.array2d.name] = 0;
  busy[d.units.array1d.name] = 0;
  const units = { '2d': unitOf(hw, d, '2d'), '1d': unitOf(hw, d, '1d') };
  let opEnergy = 0;
  const einsums = d.ops.map((op): EinsumMapping => {
    const w = ws[op.index]!;
    const u = units[op.unit];
    const cycles = opTileCycles(d, op, P0);
    const reps = (op.tail ? P2 * d.batch : M1 * P2 * d.batch) * P1;
    // busy PE-cycles from the points actually visited (a ragged or narrow tile pads cycles, not work)
    const opBusy = w.points * d.batch * cyclesPerPoint(w, u);
    busy[u.name] = (busy[u.name] ?? 0) + opBusy;
    const e = w.points * d.batch * energyPerPoint(w, u);
    opEnergy += e;
    const spatial: SpatialBinding[] = [];
    if (op.unit === '2d') {
      if (w.vars.includes(m0)) spatial.push({ var: m0, dim: 'rows', factor: Math.min(M0, u.rows) });
      if (w.vars.includes(rowVar)) spatial.push({ var: rowVar, dim: 'cols', factor: Math.min(pTile, u.cols) });
    } else if (w.vars.includes(rowVar)) spatial.push({ var: rowVar, dim: 'lanes', factor: Math.min(pTile, u.rows) });
    const opBusyPe: Record<string, number> = {};
    opBusyPe[u.name] = opBusy;
    return {
      name: w.name,
      index: w.index,
      unit: u.name,
      spatial,
      tiles: opTiles(w, m0, M0, rowVar, pTile, m1),
      loopOrder: op.tail ? [rowVar] : [rowVar, m1],
      group: groupName,
      cost: { latencyCycles: Math.round(cycles * reps), computeCycles: Math.round(cycles * reps), energyPj: e, busyPeCycles: opBusyPe, traffic: {}, boundBy: 'compute' },
      spatialUtilization: Math.min(1, opBusy / (cycles * reps * u.pes)),
      explanation: [],
    };
  });
  return { einsums, busy, opEnergy };
}

/** The tile of each variable of a member: M0 of m0, the row group of the row rank, one m1 step, the rest whole. */
function opTiles(w: EinsumWorkload, m0: string, M0: number, rowVar: string, pTile: number, m1: string): Record<string, number> {
  const tiles: Record<string, number> = {};
  for (let i = 0; i < w.vars.length; i++) {
    const v = w.vars[i]!;
    tiles[v] = v === m0 ? M0 : v === rowVar ? pTile : v === m1 ? 1 : w.sizes[i]!;
  }
  return tiles;
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
export function pipelineModel(c: Cascade, ws: EinsumWorkload[], hw: HwModel, _objective: Objective, batch: number, part?: Partition): FusedOutcome | { reason: string } {
  const d = describePipeline(c, ws, hw, batch, part);
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
    covers: initsOf(c, new Set(d.ops.map((o) => c.einsums[o.index]!.output.tensor))),
  };
}

const initIndexes = new WeakMap<Cascade, Map<string, number[]>>();

/** The inits of the running values among `written` (RM, RD, RNV of this layer): the group accounts for them. */
function initsOf(c: Cascade, written: Set<string>): number[] {
  let m = initIndexes.get(c);
  if (!m) {
    m = new Map();
    c.einsums.forEach((e, i) => e.init && (m!.get(e.output.tensor) ?? m!.set(e.output.tensor, []).get(e.output.tensor)!).push(i));
    initIndexes.set(c, m);
  }
  const out: number[] = [];
  for (const n of written) out.push(...(m.get(n) ?? []));
  return out.sort((a, b) => a - b);
}

/**
 * FuseMax on every iterative partition of the cascade: one group per attention layer of a model.
 * A partition the binding refuses is mapped einsum by einsum; when every one is refused, the first
 * reason is the answer.
 */
export function pipelineGroups(c: Cascade, ws: EinsumWorkload[], hw: HwModel, objective: Objective, batch: number): FusedOutcome[] | { reason: string } {
  const parts = iterativePartitions(c);
  if (parts.length === 0) return { reason: 'the cascade has no iterative partitioned rank (M -> M1, M0 with m1 iterative) to traverse once' };
  const out: FusedOutcome[] = [];
  const refused: string[] = [];
  for (const part of parts) {
    const r = pipelineModel(c, ws, hw, objective, batch, part);
    if ('reason' in r) refused.push(`${part.vars[0]}: ${r.reason}`);
    else out.push(r);
  }
  if (out.length === 0) return { reason: parts.length === 1 ? refused[0]!.slice(refused[0]!.indexOf(': ') + 2) : refused.join('; ') };
  if (refused.length > 0) out[0]!.unfused = refused.map((x) => `pipeline(${x.slice(0, x.indexOf(':'))}) not formed: ${x.slice(x.indexOf(': ') + 2)}`);
  return out;
}
