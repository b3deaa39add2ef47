// What both fused dataflows' analytic models share (compiler/map/fused/pipeline.ts, rowblock.ts):
// the two arrays they bind, the producers of each member, the list scheduler that times the
// description's per-tile operations, and the pieces of a description every dataflow fills in the
// same way (per-op cycles, DRAM tensors, units, DRAM channel) and the group's energy.
import { DTYPE_BITS, DTYPES, exprAccesses, rankSizeLookup, toAffine, type Cascade, type DType, type IndexExpr } from '../../ir';
import { opTileCycles, stageOrder, type FusedAttention, type FusedOp, type FusedTensor, type FusedUnit } from '../../../sim/spatial/attention-shape';
import type { HwModel, UnitModel } from '../hardware';
import type { Objective } from '../mapping';
import { cyclesPerPoint, type EinsumWorkload } from '../workload';

/** A description's einsum as the list scheduler runs it. */
export interface Op {
  unit: 0 | 1; // 0 = 2D array, 1 = 1D array
  cycles: number; // per tile (or per block)
  deps: { op: number; carried: boolean }[];
  stage: number;
  /** runs only in the last `carry` iterations (the final divide after the recurrence's last M tile) */
  lastOnly?: boolean;
}

export function unitPair(hw: HwModel): [UnitModel, UnitModel] | null {
  const u2 = hw.units.find((u) => u.kind === '2d');
  if (!u2) return null;
  const u1 = hw.units.find((u) => u.kind === '1d') ?? u2;
  return [u2, u1];
}

export function objectiveValue(o: Objective, latency: number, energy: number): number {
  return o === 'latency' ? latency + energy * 1e-18 : o === 'energy' ? energy + latency * 1e-12 : latency * energy;
}

/** Producers of each member among `members`; `carried` when it reads the previous iteration (RM[m1] vs RM[m1+1]). */
export function dependencies(c: Cascade, members: EinsumWorkload[], iterVar: string | undefined): { op: number; carried: boolean }[][] {
  const writerOf = new Map<string, number>();
  members.forEach((w, k) => writerOf.set(c.einsums[w.index]!.output.tensor, k));
  let sizeOf: ((r: string) => number | undefined) | undefined;
  // the shift of an index that is the iterative variable plus a constant (m1 -> 0, m1+1 -> 1)
  const shiftOf = (idx: IndexExpr, v: string): number | undefined => {
    if (idx.kind === 'ivar') return idx.name === v ? 0 : undefined; // the common case, without an affine form
    if (idx.kind !== 'ibin') return undefined;
    if (idx.op === '+' && idx.a.kind === 'ivar' && idx.b.kind === 'int') return idx.a.name === v ? idx.b.value : undefined; // m1 + 1, without an affine form
    const a = toAffine(idx, (sizeOf ??= rankSizeLookup(c.ranks)));
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
export function listSchedule(ops: Op[], iters: number, tail: Op[], repeats: number, firstReady?: Float64Array, carry = 1): number[] {
  const n = ops.length;
  let maxStage = 0;
  for (const o of ops) maxStage = Math.max(maxStage, o.stage);
  const ring = maxStage + 1 + carry;
  const hist = new Float64Array(ring * n);
  const free = new Float64Array(2);
  const order = stageOrder(ops);
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
export function scheduleOps(d: FusedAttention, cols: number): Op[] {
  return d.ops.map((op) => ({ unit: op.unit === '2d' ? 0 : 1, cycles: opTileCycles(d, op, cols), deps: op.deps, stage: op.stage, ...(op.tail ? { lastOnly: true } : {}) }));
}

/** The MAC cycles of one point: all of a contraction's, the emulation of an op the unit lacks (exp on the 2D PEs). */
export function macCyclesPerPoint(w: EinsumWorkload, u: UnitModel): number {
  if (w.contraction) return cyclesPerPoint(w, u);
  let e = 0;
  w.ops.forEach((n, k) => n > 0 && !u.native[k] && (e += n * u.emulateCycles[k]!));
  return e;
}

export const elems = (t: Cascade['tensors'][number]) => t.dims.reduce((a, d) => a * d.extent, 1);

const rankSizes = new WeakMap<Cascade, Map<string, number>>();

/** The extent of the rank a variable iterates (1 if none): one lookup table per cascade. */
export function sizeOfVar(c: Cascade, v: string): number {
  let m = rankSizes.get(c);
  if (!m) {
    m = new Map();
    for (const r of c.ranks) if (!m.has(r.name.toLowerCase())) m.set(r.name.toLowerCase(), r.size);
    rankSizes.set(c, m);
  }
  return m.get(v) ?? 1;
}

export function bytesOf(d: string): number {
  return (DTYPES as readonly string[]).includes(d) ? DTYPE_BITS[d as DType] / 8 : 2;
}

/** One member as the description holds it; `reads`: its operands among the DRAM tensors (views resolved). */
export function fusedOp(
  c: Cascade,
  w: EinsumWorkload,
  u: UnitModel,
  unit: FusedUnit,
  shape: Pick<FusedOp, 'spatialExtent' | 'queries' | 'timeExtent'>,
  io: { tensors: FusedTensor[]; resolve: (n: string) => string; tail?: boolean },
): FusedOp {
  const reads: string[] = [];
  for (const t of w.tensors) {
    if (t.write) continue;
    const n = io.resolve(t.name);
    if (!reads.includes(n) && io.tensors.some((x) => x.name === n)) reads.push(n);
  }
  const out = c.einsums[w.index]!.output.tensor;
  const writes = io.tensors.some((t) => t.name === out && t.operand === 'out') ? out : undefined;
  const op: FusedOp = {
    einsum: w.name,
    index: w.index,
    unit,
    contraction: w.contraction,
    cyclesPerPoint: cyclesPerPoint(w, u),
    macCyclesPerPoint: macCyclesPerPoint(w, u),
    spatialExtent: shape.spatialExtent,
    queries: shape.queries,
    timeExtent: shape.timeExtent,
    deps: [],
    stage: 0,
    tail: io.tail ?? false,
    reads,
  };
  if (writes) op.writes = writes;
  return op;
}

/** What every description holds besides its einsums and tiles. */
export function describeCommon(c: Cascade, hw: HwModel, u2: UnitModel, u1: UnitModel, batch: number, tensors: FusedTensor[], first: EinsumWorkload): Omit<FusedAttention, 'dataflow' | 'ranks' | 'P' | 'M' | 'ops' | 'tiles'> {
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
export function fusedTensor(t: Cascade['tensors'][number], operand: 'Q' | 'KV' | 'out', per: number, first: EinsumWorkload, resolve: (n: string) => string): FusedTensor {
  const k = operand === 'KV' ? (first.tensors.some((x) => !x.write && resolve(x.name) === t.name) ? 'K' : 'V') : operand;
  return { name: t.name, operand: k, elemsPerIndex: elems(t) / per, bytesPerElement: bytesOf(t.dtype) };
}

export function unitOf(hw: HwModel, d: FusedAttention, unit: FusedUnit): UnitModel {
  const name = unit === '2d' ? d.units.array2d.name : d.units.array1d.name;
  return hw.units.find((u) => u.name === name)!;
}

/** Energy: ops, DRAM and GLB bytes, leakage of both arrays over the latency. */
export function groupEnergy(hw: HwModel, d: FusedAttention, opEnergy: number, t: { dramRead: number; dramWrite: number; glbRead: number; glbWrite: number }, latency: number): number {
  const u2 = unitOf(hw, d, '2d');
  const u1 = unitOf(hw, d, '1d');
  const glb = hw.levels[hw.glb]!;
  const dram = hw.levels[hw.dram]!;
  const leak = (u2.leakPjPerPeCycle * u2.pes + (u1 === u2 ? 0 : u1.leakPjPerPeCycle * u1.pes)) * latency;
  return opEnergy + t.dramRead * dram.readPjPerByte + t.dramWrite * dram.writePjPerByte + t.glbRead * glb.readPjPerByte + t.glbWrite * glb.writePjPerByte + leak;
}
