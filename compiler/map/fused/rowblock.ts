// FLAT (the FuseMax paper's baseline), the mapper's side of the `rowblock` dataflow plug-in: a
// cascade without an iterative rank is fused over blocks of R rows (p): each block's intermediates
// over the whole M fiber are kept in the global buffer for all passes (or the part that does not fit
// spills to DRAM), contractions run on the 2D array, every other einsum on the 1D array, and blocks
// are pipelined (the 2D array runs block b+1's QK before block b's AV). `describeRowblock` builds
// the description; the analytic model chooses R by the objective on a list schedule of blocks
// against the DRAM and GLB bounds; the cycle engine (sim/spatial/attention-pipeline.ts
// simulateFlat) runs the chosen description.
import { exprAccesses, iterativeVars, type Cascade } from '../../ir';
import { assignStages, opTileCycles, rowblockTransfers, tileBytes, transferCycles, type FusedOp, type FusedTensor, type FusedUnit, type RowblockAttention } from '../../../sim/spatial/attention-shape';
import type { HwModel, UnitModel } from '../hardware';
import type { EinsumMapping, Objective } from '../mapping';
import { cyclesPerPoint, energyPerPoint, type EinsumWorkload } from '../workload';
import { bytesOf, dependencies, describeCommon, elems, fusedOp, fusedTensor, groupEnergy, listSchedule, objectiveValue, scheduleOps, sizeOfVar, unitOf, unitPair } from './common';
import type { FusedOutcome } from './plugin';


interface RowblockBinding {
  u2: UnitModel;
  u1: UnitModel;
  live: EinsumWorkload[];
  rowVar: string;
  /** the fiber every pass traverses: the largest rank other than the row rank that some einsum reduces */
  fiber: string;
  /** an attention inside a larger cascade (a model's layer): its operands are what it reads from outside, its results what is read after it */
  chain?: boolean;
  /** the cascade's workloads (a chain's lookups are indexed by them) */
  ws?: EinsumWorkload[];
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

/**
 * The attention chains of a cascade that is more than one attention (a model's layers): from each
 * score contraction (QK: its output keeps a rank v that only one operand, K, carries; neither operand
 * a weight) through the einsums over v and the row rank, up to the contraction that reduces v (AV),
 * closed (every value a member reads from inside the span is a member's). The row rank is the
 * largest output rank of QK that K does not carry (the queries).
 */
function attentionChains(c: Cascade, ws: EinsumWorkload[], hw: HwModel): RowblockBinding[] {
  const pair = unitPair(hw);
  if (!pair || iterativeVars(c).length > 0) return [];
  const { index } = cascadeIndex(c, ws);
  const live = index.live;
  const out: RowblockBinding[] = [];
  for (let k = 0; k < live.length; k++) {
    const chain = chainFrom(c, index, k);
    if (!chain) continue;
    out.push({ u2: pair[0], u1: pair[1], ...chain, chain: true, ws });
    k = live.indexOf(chain.live[chain.live.length - 1]!);
  }
  return out;
}

/** What the chain search and the groups look up, built once per cascade: tensor positions, readers, the contractions reducing each variable. */
interface RowblockIndex {
  tensorAt: Map<string, number>;
  /** cascade einsum indices reading each tensor */
  readers: Map<string, number[]>;
  /** positions in `live` of the contractions reducing each variable */
  reducedBy: Map<string, number[]>;
  live: EinsumWorkload[];
}

const rowblockIndexes = new WeakMap<EinsumWorkload[], RowblockIndex>();

function cascadeIndex(c: Cascade, ws: EinsumWorkload[]): { index: RowblockIndex } {
  let x = rowblockIndexes.get(ws);
  if (!x) {
    const live = ws.filter((w) => !w.view && !w.init);
    x = { tensorAt: new Map(c.tensors.map((t, i) => [t.name, i])), readers: new Map(), reducedBy: new Map(), live };
    c.einsums.forEach((e, i) => {
      for (const n of new Set(exprAccesses(e.expr).map((a) => a.tensor))) (x!.readers.get(n) ?? x!.readers.set(n, []).get(n)!).push(i);
    });
    live.forEach((w, k) => w.contraction && w.reduced.forEach((v) => (x!.reducedBy.get(v) ?? x!.reducedBy.set(v, []).get(v)!).push(k)));
    rowblockIndexes.set(ws, x);
  }
  return { index: x };
}

const roleOf = (c: Cascade, ix: RowblockIndex, name: string) => c.tensors[ix.tensorAt.get(name) ?? -1]?.role;

function chainFrom(c: Cascade, ix: RowblockIndex, k: number): Pick<RowblockBinding, 'live' | 'rowVar' | 'fiber'> | null {
  const live = ix.live;
  const qk = live[k]!;
  if (!qk.contraction) return null;
  const bit = (w: EinsumWorkload, v: string) => 1 << w.vars.indexOf(v);
  const reads = qk.tensors.filter((t) => !t.write);
  for (const v of qk.vars.filter((x) => !qk.reduced.includes(x))) {
    const keySide = reads.filter((t) => (t.mask & bit(qk, v)) !== 0);
    if (keySide.length !== 1 || reads.length !== 2 || reads.some((t) => roleOf(c, ix, t.name) === 'weight')) continue;
    const size = (x: string) => qk.sizes[qk.vars.indexOf(x)]!;
    const rowVar = qk.vars.filter((x) => x !== v && !qk.reduced.includes(x) && (keySide[0]!.mask & bit(qk, x)) === 0).sort((a, b) => size(b) - size(a))[0];
    if (!rowVar) continue;
    // AV: the first later contraction that reduces v over the same rows
    const end = (ix.reducedBy.get(v) ?? []).find((j) => j > k && live[j]!.vars.includes(rowVar) && !live[j]!.reduced.includes(rowVar));
    if (end === undefined) continue;
    const members = [qk];
    for (let j = k + 1; j <= end; j++) {
      const w = live[j]!;
      if (w.vars.includes(v) && w.vars.includes(rowVar) && !w.reduced.includes(rowVar)) members.push(w);
    }
    if (!closed(c, ix, members, k, end)) continue;
    return { live: members, rowVar, fiber: v };
  }
  return null;
}

/** Every value a member reads that an einsum between the chain's ends wrote is a member's; the values V comes from are not weights. */
function closed(c: Cascade, ix: RowblockIndex, members: EinsumWorkload[], k: number, end: number): boolean {
  const live = ix.live;
  const inside = new Map<string, EinsumWorkload>();
  for (let j = k; j <= end; j++) inside.set(c.einsums[live[j]!.index]!.output.tensor, live[j]!);
  const mine = new Set(members);
  for (const w of members) for (const t of w.tensors) if (!t.write && inside.has(t.name) && !mine.has(inside.get(t.name)!)) return false;
  const av = members[members.length - 1]!;
  return av.tensors.every((t) => t.write || roleOf(c, ix, t.name) !== 'weight');
}

/** Row inputs (Q), inputs without the row rank (K, V: shared by every block) and the outputs. */
function rowblockTensors(c: Cascade, b: RowblockBinding): FusedTensor[] {
  const P = sizeOfVar(c, b.rowVar);
  const M = sizeOfVar(c, b.fiber);
  const rowRank = b.rowVar.toUpperCase();
  const id = (n: string) => n;
  const { inputs, results } = b.chain ? chainBoundary(c, b.live, cascadeIndex(c, b.ws!).index) : roleBoundary(c);
  const out: FusedTensor[] = [];
  for (const t of c.tensors) {
    const overRows = t.dims.some((d) => d.rank === rowRank);
    if (inputs.has(t.name)) out.push(overRows ? fusedTensor(t, 'Q', P, b.live[0]!, id) : fusedTensor(t, 'KV', M, b.live[0]!, id));
    else if (results.has(t.name)) out.push(fusedTensor(t, 'out', P, b.live[0]!, id));
  }
  return out;
}

/** A whole cascade: its inputs, weights and KV caches in, its outputs out. */
function roleBoundary(c: Cascade): { inputs: Set<string>; results: Set<string> } {
  const inputs = new Set(c.tensors.filter((t) => t.role === 'input' || t.role === 'weight' || t.role === 'kvcache').map((t) => t.name));
  return { inputs, results: new Set(c.tensors.filter((t) => t.role === 'output').map((t) => t.name)) };
}

/** A chain inside a cascade: what its members read from outside it in, what is read after it (or output) out. */
function chainBoundary(c: Cascade, members: EinsumWorkload[], ix: RowblockIndex): { inputs: Set<string>; results: Set<string> } {
  const written = new Set(members.map((w) => c.einsums[w.index]!.output.tensor));
  const inputs = new Set<string>();
  for (const w of members) for (const t of w.tensors) if (!t.write && !written.has(t.name)) inputs.add(t.name);
  const mine = new Set(members.map((w) => w.index));
  const results = new Set<string>();
  for (const n of written) if ((ix.readers.get(n) ?? []).some((i) => !mine.has(i))) results.add(n);
  for (const o of c.outputs) if (written.has(o)) results.add(o);
  return { inputs, results };
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
export function describeRowblock(c: Cascade, ws: EinsumWorkload[], hw: HwModel, batch: number, R?: number, binding?: RowblockBinding): RowblockAttention | null {
  const b = binding ?? bindRowblock(c, ws, hw);
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
  const { index } = cascadeIndex(c, ws);
  const produced = [...producer.keys()].map((n) => index.tensorAt.get(n)!).sort((a, b) => a - b).map((i) => c.tensors[i]!);
  for (const t of produced.filter((x) => x.role === 'intermediate' && x.dims.some((q) => q.rank === rowRank) && x.dims.some((q) => q.rank === fiber.toUpperCase()))) {
    const q = producer.get(t.name)!;
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
  for (let k = 1; k * cols < P && k <= 4096; k++) r.add(k * cols); // up to 1M rows on 256 columns; never unbounded
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

/**
 * The block size by the objective: every candidate evaluated, or (a layer identical to one already
 * searched: the same ops, bytes, passes, energies and hardware, whatever the names) the remembered R.
 */
function bestBlocks(base: RowblockAttention, passes: Passes, ws: EinsumWorkload[], hw: HwModel, objective: Objective): BlockChoice | null {
  const key = JSON.stringify([
    base.ops.map((o) => [o.unit, o.cyclesPerPoint, o.macCyclesPerPoint, o.spatialExtent, o.queries, o.timeExtent, o.deps, o.stage, o.reads.map((n) => base.tensors.findIndex((t) => t.name === n)), ws[o.index]!.points, energyPerPoint(ws[o.index]!, unitOf(hw, base, o.unit))]),
    base.tensors.map((t) => [t.operand, t.elemsPerIndex, t.bytesPerElement]),
    [base.P, base.M, base.E, base.F, base.batch, base.units, base.dram],
    [passes.pass, passes.interRead, passes.interWrite, passes.crossRead, passes.crossWrite, passes.peak],
    objective,
  ]) + hwKey(hw);
  const at = (R: number) => evalBlocks({ ...base, tiles: { R, blocks: Math.ceil(base.P / R) * base.batch } }, R, passes, ws, hw, objective);
  const known = searchedR.get(key);
  if (known !== undefined) return at(known);
  let best: BlockChoice | null = null;
  for (const R of blockCandidates(base.P, base.units.array2d.cols)) {
    const x = at(R);
    if (!best || x.val < best.val) best = x;
  }
  if (best) {
    if (searchedR.size >= 256) searchedR.delete(searchedR.keys().next().value!);
    searchedR.set(key, best.R);
  }
  return best;
}

/** Block sizes already chosen, by everything the choice depends on (names excluded). */
const searchedR = new Map<string, number>();

/** The hardware's part of bestBlocks' key (its GLB, DRAM and units), written once per hardware model. */
const hwKeys = new WeakMap<HwModel, string>();
function hwKey(hw: HwModel): string {
  let k = hwKeys.get(hw);
  if (k === undefined) hwKeys.set(hw, (k = JSON.stringify([hw.levels[hw.glb], hw.levels[hw.dram], hw.units.map((u) => [u.name, u.pes, u.leakPjPerPeCycle])])));
  return k;
}

/** FLAT's analytic model: the description's blocks, R chosen by the objective on the steady state. */
export function rowblockModel(c: Cascade, ws: EinsumWorkload[], hw: HwModel, objective: Objective, batch: number, binding?: RowblockBinding): FusedOutcome | null {
  const base = describeRowblock(c, ws, hw, batch, undefined, binding);
  if (!base) return null;
  const passes = rowblockPasses(c, base, ws);
  const best = bestBlocks(base, passes, ws, hw, objective);
  if (!best) return null;
  const d: RowblockAttention = { ...base, tiles: { R: best.R, blocks: Math.ceil(base.P / best.R) * batch } };
  const glb = hw.levels[hw.glb]!;
  const dram = hw.levels[hw.dram]!;
  // a whole cascade's group is named by its rows, a chain's (one per layer) by its fiber
  const groupName = `rowblock(${binding?.chain ? d.ranks.M : d.ranks.P})`;
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
    ...(binding?.chain ? { covers: [] } : {}),
  };
}

/**
 * FLAT on a cascade: the whole cascade as one group when it is one attention; otherwise one group
 * per attention chain (every layer of a model), each costed on its own.
 */
export function rowblockGroups(c: Cascade, ws: EinsumWorkload[], hw: HwModel, objective: Objective, batch: number): FusedOutcome[] {
  // the whole cascade as one row-block group is a lone attention's shape (no weights): a model is never one
  // group (a decode step, whose only output is the logits, would otherwise fuse all its layers into one)
  if (!ws.some((w) => w.tensors.some((t) => t.role === 'weight'))) {
    const whole = rowblockModel(c, ws, hw, objective, batch);
    if (whole) return [whole];
  }
  const out: FusedOutcome[] = [];
  for (const b of attentionChains(c, ws, hw)) {
    const r = rowblockModel(c, ws, hw, objective, batch, b);
    if (r) out.push(r);
  }
  return out;
}
