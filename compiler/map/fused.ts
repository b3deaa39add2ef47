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
import { exprAccesses, iterativeVars, partitionInfos, rankSizeLookup, toAffine, type Cascade, type IndexExpr } from '../ir';
import type { HwModel, UnitModel } from './hardware';
import type { EinsumMapping, GroupMapping, Objective } from './mapping';
import { cyclesPerPoint, energyPerPoint, type EinsumWorkload } from './workload';

export interface FusedOutcome {
  group: GroupMapping;
  einsums: EinsumMapping[];
}

interface Op {
  w: EinsumWorkload;
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

/** Producer op of each tensor a member reads; `carried` when it reads the previous iteration (RM[m1] vs RM[m1+1]). */
function dependencies(c: Cascade, ops: Op[], iterVar: string | undefined): void {
  const writerOf = new Map<string, number>();
  ops.forEach((op, k) => writerOf.set(c.einsums[op.w.index]!.output.tensor, k));
  const sizeOf = rankSizeLookup(c.ranks);
  // the shift of an index that is the iterative variable plus a constant (m1 -> 0, m1+1 -> 1)
  const shiftOf = (idx: IndexExpr, v: string): number | undefined => {
    const a = toAffine(idx, sizeOf);
    return a && a.coeffs.size === 1 && a.coeffs.get(v) === 1 ? a.constant : undefined;
  };
  ops.forEach((op) => {
    for (const a of exprAccesses(c.einsums[op.w.index]!.expr)) {
      const k = writerOf.get(a.tensor);
      if (k === undefined) continue;
      let carried = false;
      if (iterVar) {
        const writer = c.einsums[ops[k]!.w.index]!;
        writer.output.indices.forEach((wi, d) => {
          const ws = shiftOf(wi, iterVar);
          const rs = a.indices[d] ? shiftOf(a.indices[d]!, iterVar) : undefined;
          if (ws !== undefined && rs !== undefined && rs < ws) carried = true;
        });
      }
      op.deps.push({ op: k, carried });
    }
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

/** stage(e) = max over producers of stage(d), plus one when a 2D einsum consumes a 1D einsum's result. */
function assignStages(ops: Op[]): void {
  ops.forEach((op) => {
    let s = 0;
    for (const d of op.deps) {
      if (d.carried) continue;
      const src = ops[d.op]!;
      s = Math.max(s, src.stage + (src.unit === 1 && op.unit === 0 ? 1 : 0));
    }
    op.stage = s;
  });
}

// ---------------------------------------------------------------------------------------------
// FuseMax: the 1-pass cascade pipelined over M0 tiles on the 2D and 1D arrays

export function pipelineModel(c: Cascade, ws: EinsumWorkload[], hw: HwModel, _objective: Objective, batch: number): FusedOutcome | { reason: string } {
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
  const M0 = c.ranks.find((r) => r.name.toLowerCase() === m0)!.size;
  const M1 = c.ranks.find((r) => r.name.toLowerCase() === m1)!.size;
  const P = c.ranks.find((r) => r.name.toLowerCase() === rowVar)!.size;
  const P0 = u2.cols;
  const nP0 = Math.ceil(P / P0);
  const sizeOf = (v: string) => c.ranks.find((r) => r.name.toLowerCase() === v)?.size ?? 1;
  const parentRank = part.parent;
  const rowRank = rowVar.toUpperCase();
  // what the group reads from outside: over rows but not keys (Q: state kept per row group in the GLB),
  // over keys but not rows (K, V: streamed one M0 tile at a time); plus the iterative running values
  const iterTensors = new Set(c.einsums.filter((e) => e.init).map((e) => e.output.tensor));
  const groupWs = [...members, ...tailWs];
  const groupWritten = new Set(groupWs.map((w) => c.einsums[w.index]!.output.tensor));
  const external = new Set<string>();
  for (const w of groupWs) for (const t of w.tensors) if (!t.write && !groupWritten.has(t.name) && !iterTensors.has(t.name)) external.add(resolve(t.name));
  let stateBytesPerRow = 0;
  let streamBytesPerTile = 0;
  const perRowInputs: string[] = [];
  const streamed: string[] = [];
  const finals: string[] = [];
  for (const t of c.tensors) {
    const bytes = bytesOf(t.dtype);
    const dimsNames = t.dims.map((d) => d.rank);
    const elems = t.dims.reduce((a, d) => a * d.extent, 1);
    if (external.has(t.name)) {
      if (dimsNames.includes(rowRank) && !dimsNames.includes(parentRank)) {
        stateBytesPerRow += (elems / P) * bytes;
        perRowInputs.push(t.name);
      } else if (dimsNames.includes(parentRank) && !dimsNames.includes(rowRank)) {
        streamBytesPerTile += (elems / sizeOf(parentRank.toLowerCase())) * M0 * bytes;
        streamed.push(t.name);
      }
    } else if (iterTensors.has(t.name)) {
      const iterDim = t.dims.find((d) => d.rank === m1.toUpperCase());
      stateBytesPerRow += (elems / P / (iterDim ? iterDim.extent : 1)) * bytes;
    }
  }
  for (const w of tailWs) finals.push(c.einsums[w.index]!.output.tensor);
  const glb = hw.levels[hw.glb]!;
  const dram = hw.levels[hw.dram]!;
  // P1: the most P0-wide row groups whose state fits next to the double-buffered K/V tiles
  let P1 = 0;
  for (let d = nP0; d >= 1; d--) {
    if (nP0 % d !== 0) continue;
    if (stateBytesPerRow * d * P0 + 2 * streamBytesPerTile <= glb.capacityBytes) {
      P1 = d;
      break;
    }
  }
  if (P1 === 0) return { reason: `the per-row state does not fit ${glb.name} even for one row group` };
  const pTile = P1 * P0;
  const P2 = Math.ceil(P / pTile);
  const mkOp = (w: EinsumWorkload): Op => {
    const unit: 0 | 1 = w.vars.includes(m0) ? 0 : 1;
    const u = unit === 0 ? u2 : u1;
    const cpp = cyclesPerPoint(w, u);
    let other = 1;
    for (let i = 0; i < w.vars.length; i++) {
      const v = w.vars[i]!;
      if (v !== m0 && v !== m1 && v !== rowVar) other *= w.sizes[i]!;
    }
    const hasM0 = w.vars.includes(m0);
    const hasP = w.vars.includes(rowVar);
    // one P tile (P0 columns; a narrower last one costs the same)
    const spatial = unit === 0 ? (hasM0 ? Math.ceil(M0 / u.rows) : 1) * (hasP ? Math.ceil(P0 / u.cols) : 1) : (hasP ? Math.ceil(P0 / u.rows) : 1) * (hasM0 ? M0 : 1);
    return { w, unit, cycles: spatial * other * cpp, deps: [], stage: 0 };
  };
  const ops = members.map(mkOp);
  if (ops.some((o) => !Number.isFinite(o.cycles))) return { reason: 'a unit cannot run one of the einsums' };
  // the final divide runs per P tile right after the recurrence's last M tile, in the same stream
  const tail = tailWs.map(mkOp);
  if (tail.some((o) => !Number.isFinite(o.cycles))) return { reason: 'a unit cannot run one of the einsums' };
  for (const op of tail) op.lastOnly = true;
  const loopOps = [...ops, ...tail];
  dependencies(c, loopOps, m1);
  for (const op of tail) for (const d of op.deps) d.carried = false;
  const instances = batch * P2;
  // the fill: the first tile's operands arrive one after another on the DRAM channel (a Q tile, then
  // the K and V tiles in the order the ops first read them); each op of the first tile waits for its own
  const tileBytes = (name: string): number => {
    const t = c.tensors.find((x) => x.name === name)!;
    const elems = t.dims.reduce((a, d) => a * d.extent, 1);
    return perRowInputs.includes(name) ? (elems / P) * Math.min(P0, P) * bytesOf(t.dtype) : (elems / sizeOf(parentRank.toLowerCase())) * Math.min(M0, sizeOf(parentRank.toLowerCase())) * bytesOf(t.dtype);
  };
  const arrival = new Map<string, number>();
  let channel = 0;
  const readsOf = (op: Op) => op.w.tensors.filter((t) => !t.write).map((t) => resolve(t.name));
  for (const n of perRowInputs) if (ops.some((op) => readsOf(op).includes(n))) arrival.set(n, (channel += transferCycles(tileBytes(n), dram.bytesPerCycle)));
  for (const op of ops) for (const n of readsOf(op)) if (streamed.includes(n) && !arrival.has(n)) arrival.set(n, (channel += transferCycles(tileBytes(n), dram.bytesPerCycle)));
  const firstReady = new Float64Array(ops.length);
  ops.forEach((op, k) => {
    for (const n of readsOf(op)) firstReady[k] = Math.max(firstReady[k]!, arrival.get(n) ?? 0);
  });
  // instances share the units back to back; the schedule is periodic after the first, so three
  // simulated instances give the rest exactly
  const reps = Math.min(instances, 3);
  const ready = Float64Array.from(loopOps, (_, k) => firstReady[k] ?? 0);
  const run = (m1Tiles: number) => listSchedule(loopOps, m1Tiles * P1, [], reps, ready, P1);
  // so is the stream of M tiles inside an instance: past a few, each M tile adds the same cycles to
  // every instance, so long sequences are extended from 5 and 6 simulated M tiles
  let fin: number[];
  if (M1 <= 6) fin = run(M1);
  else {
    const a = run(5);
    const b = run(6);
    fin = b.map((x, r) => x + (M1 - 6) * (x - a[r]!));
  }
  const computeCycles = reps < 3 ? fin[reps - 1]! : fin[1]! + (instances - 2) * (fin[2]! - fin[1]!);
  // DRAM: per-row inputs once, outputs once, streamed K/V once per row group
  let dramRead = 0;
  let dramWrite = 0;
  for (const t of c.tensors) {
    const bytes = bytesOf(t.dtype);
    const elems = t.dims.reduce((a, d) => a * d.extent, 1);
    if (perRowInputs.includes(t.name)) dramRead += elems * bytes;
    else if (streamed.includes(t.name)) dramRead += elems * bytes * P2;
    else if (finals.includes(t.name)) dramWrite += elems * bytes;
  }
  dramRead *= batch;
  dramWrite *= batch;
  // GLB: fills from DRAM, K/V tiles into the 2D array once per tile, per-row state read and written per tile
  const tiles = M1 * P2 * batch;
  const glbRead = tiles * (streamBytesPerTile + stateBytesPerRow * pTile) + dramWrite;
  const glbWrite = tiles * stateBytesPerRow * pTile + dramRead;
  const memCycles = (dramRead + dramWrite) / dram.bytesPerCycle;
  const glbCycles = (glbRead + glbWrite) / glb.bytesPerCycle;
  // the last P tile's output is written after its AV (every other transfer overlaps compute)
  const lastCols = P - (nP0 - 1) * P0;
  let drainCycles = 0;
  for (const n of finals) {
    const t = c.tensors.find((x) => x.name === n)!;
    drainCycles += transferCycles((t.dims.reduce((a, d) => a * d.extent, 1) / P) * lastCols * bytesOf(t.dtype), dram.bytesPerCycle);
  }
  const pipelineCycles = computeCycles + drainCycles;
  const latency = Math.ceil(Math.max(pipelineCycles, memCycles, glbCycles));
  const boundBy = latency === Math.ceil(pipelineCycles) ? 'compute' : memCycles >= glbCycles ? dram.name : glb.name;
  const busy: Record<string, number> = { [u2.name]: 0 };
  busy[u1.name] = busy[u1.name] ?? 0;
  let opEnergy = 0;
  const einsums: EinsumMapping[] = [];
  const groupName = `pipeline(${m1})`;
  for (const op of [...ops, ...tail]) {
    const u = op.unit === 0 ? u2 : u1;
    const isTail = tail.includes(op);
    const reps2 = (isTail ? P2 * batch : tiles) * P1;
    // busy PE-cycles from the points actually visited (a ragged or narrow tile pads cycles, not work)
    const opBusy = op.w.points * batch * cyclesPerPoint(op.w, u);
    busy[u.name] = (busy[u.name] ?? 0) + opBusy;
    const e = op.w.points * batch * energyPerPoint(op.w, u);
    opEnergy += e;
    const spatial = op.unit === 0 ? [{ var: m0, dim: 'rows' as const, factor: Math.min(M0, u.rows) }, { var: rowVar, dim: 'cols' as const, factor: Math.min(pTile, u.cols) }].filter((s) => op.w.vars.includes(s.var)) : op.w.vars.includes(rowVar) ? [{ var: rowVar, dim: 'lanes' as const, factor: Math.min(pTile, u.rows) }] : [];
    einsums.push({
      name: op.w.name,
      index: op.w.index,
      unit: u.name,
      spatial,
      tiles: Object.fromEntries(op.w.vars.map((v, i) => [v, v === m0 ? M0 : v === rowVar ? pTile : v === m1 ? 1 : op.w.sizes[i]!])),
      loopOrder: isTail ? [rowVar] : [rowVar, m1],
      group: groupName,
      cost: { latencyCycles: Math.round(op.cycles * reps2), computeCycles: Math.round(op.cycles * reps2), energyPj: e, busyPeCycles: { [u.name]: opBusy }, traffic: {}, boundBy: 'compute' },
      spatialUtilization: Math.min(1, opBusy / (op.cycles * reps2 * u.pes)),
      explanation: [],
    });
  }
  const leak = (u2.leakPjPerPeCycle * u2.pes + (u1 === u2 ? 0 : u1.leakPjPerPeCycle * u1.pes)) * latency;
  const energy = opEnergy + dramRead * dram.readPjPerByte + dramWrite * dram.writePjPerByte + glbRead * glb.readPjPerByte + glbWrite * glb.writePjPerByte + leak;
  const u2util = busy[u2.name]! / (latency * u2.pes);
  const u1util = u1 === u2 ? 0 : busy[u1.name]! / (latency * u1.pes);
  const explanation = [
    `pipelined 2D+1D binding (FuseMax): ${members.filter((w) => w.vars.includes(m0)).map((w) => w.name).join(', ')} on ${u2.name} (rows <- ${m0}, cols <- ${rowVar}); ${[...members, ...tailWs].filter((w) => !w.vars.includes(m0)).map((w) => w.name).join(', ')} on ${u1.name} (lanes <- ${rowVar})`,
    `tiles: ${part.parent} = ${M1} x ${M0} (${m1} x ${m0}); ${rowRank} = ${P2} x ${P1} x ${P0} (${P1} row group${P1 > 1 ? 's' : ''} of ${Math.min(P0, P)} rows kept in ${glb.name}: ${Math.round(stateBytesPerRow * pTile)} B of state + ${Math.round(2 * streamBytesPerTile)} B of double-buffered ${streamed.join('/')} tiles)`,
    `per ${M0} x ${Math.min(P0, P)} tile (${M1 * nP0} per instance, the ${P1} P tile${P1 > 1 ? 's' : ''} of a row group interleaved in each M tile, program order on each array): ${ops.map((o) => `${o.w.name} ${o.cycles}`).join(', ')} cycles; after the last M tile, per P tile: ${tail.map((o) => `${o.w.name} ${o.cycles}`).join(', ') || 'nothing'}; the first tile waits for ${[...arrival].map(([n, at]) => `${n} (${at})`).join(', ')} from ${dram.name}, the last output tile takes ${drainCycles} cycles to write`,
    `${u2.name} busy ${(u2util * 100).toFixed(1)}% and ${u1.name} busy ${(u1util * 100).toFixed(1)}% of ${latency} cycles; ${boundBy === 'compute' ? 'compute-bound' : `bound by ${boundBy} bandwidth`}`,
  ];
  return {
    group: {
      name: groupName,
      kind: 'pipeline',
      einsums: [...members, ...tailWs].map((w) => w.name),
      params: { M0, M1, P0, P1, P2, batch },
      cost: {
        latencyCycles: latency,
        computeCycles: Math.ceil(pipelineCycles),
        energyPj: energy,
        busyPeCycles: busy,
        traffic: { [dram.name]: { readBytes: dramRead, writeBytes: dramWrite }, [glb.name]: { readBytes: glbRead, writeBytes: glbWrite, fillBytes: dramRead } },
        boundBy,
      },
      explanation,
    },
    einsums,
  };
}

/** Cycles a transfer of `bytes` occupies the off-chip channel (as sim/memory's BandwidthChannel counts them). */
function transferCycles(bytes: number, bytesPerCycle: number): number {
  return bytes > 0 && Number.isFinite(bytesPerCycle) ? Math.ceil(bytes / bytesPerCycle) : 0;
}

function bytesOf(d: string): number {
  return d === 'fp32' || d === 'int32' ? 4 : d.startsWith('fp8') || d === 'int8' ? 1 : d === 'int4' ? 0.5 : 2;
}

// ---------------------------------------------------------------------------------------------
// FLAT: row-block fusion of a cascade with no iterative rank

export function rowblockModel(c: Cascade, ws: EinsumWorkload[], hw: HwModel, objective: Objective, batch: number): FusedOutcome | null {
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
  // the fiber every pass traverses: the largest rank other than the row rank that some einsum reduces
  const fiber = [...new Set(live.flatMap((w) => w.reduced))].sort((a, b) => sizeOfVar(c, b) - sizeOfVar(c, a))[0];
  if (!fiber) return null;
  const P = sizeOfVar(c, rowVar);
  const rowRank = rowVar.toUpperCase();
  const fiberRank = fiber.toUpperCase();
  const glb = hw.levels[hw.glb]!;
  const dram = hw.levels[hw.dram]!;
  const ops0: { w: EinsumWorkload; unit: 0 | 1 }[] = live.map((w) => ({ w, unit: w.contraction ? 0 : 1 }));
  // per-row bytes of intermediates over the fiber, their traffic if spilled, and shared inputs
  const inter = c.tensors.filter((t) => t.role === 'intermediate' && t.dims.some((d) => d.rank === rowRank) && t.dims.some((d) => d.rank === fiberRank));
  const perRowBytes = (names: string[]) => c.tensors.filter((t) => names.includes(t.name)).reduce((a, t) => a + (t.dims.reduce((x, d) => x * d.extent, 1) / P) * bytesOf(t.dtype), 0);
  // Passes (FuseMax's pass analysis): an einsum that iterates the fiber and reads a reduction over
  // the whole fiber must wait for it, so it starts a new traversal. Consumers in the producer's own
  // pass take values as they stream; only tensors read in a later pass must be held for the block
  // (in the GLB, or spilled to DRAM when the block does not fit).
  const producer = new Map<string, number>();
  live.forEach((w, k) => w.tensors.forEach((t) => t.write && producer.set(t.name, k)));
  const pass: number[] = [];
  live.forEach((w, k) => {
    let p = 1;
    for (const t of w.tensors) {
      if (t.write) continue;
      const d = producer.get(t.name);
      if (d === undefined || d >= k) continue;
      p = Math.max(p, pass[d]! + (live[d]!.reduced.includes(fiber) && w.vars.includes(fiber) ? 1 : 0));
    }
    pass.push(p);
  });
  const rowBytes = (name: string) => perRowBytes([name]);
  // per row: bytes written to / read from the GLB by every consumer (units exchange data through
  // the GLB), and bytes that cross a pass boundary (what must be held, or spilled)
  let interWrite = 0;
  let interRead = 0;
  let crossWrite = 0;
  let crossRead = 0;
  let peak = 0;
  const maxPass = Math.max(1, ...pass);
  const crossing: { name: string; from: number; to: number }[] = [];
  for (const t of inter) {
    const d = producer.get(t.name);
    if (d === undefined) continue;
    const consumers = live.map((w, k) => ({ w, k })).filter(({ w }) => w.tensors.some((u) => !u.write && u.name === t.name));
    const b = rowBytes(t.name);
    interWrite += b;
    interRead += b * consumers.length;
    const later = new Set(consumers.map(({ k }) => pass[k]!).filter((q) => q > pass[d]!));
    if (later.size > 0) {
      crossWrite += b;
      crossRead += b * later.size;
      crossing.push({ name: t.name, from: pass[d]!, to: Math.max(...later) });
    }
  }
  for (let k = 1; k < maxPass; k++) peak = Math.max(peak, crossing.filter((x) => x.from <= k && x.to > k).reduce((a, x) => a + rowBytes(x.name), 0));
  const rowInputs = c.tensors.filter((t) => (t.role === 'input' || t.role === 'weight' || t.role === 'kvcache') && t.dims.some((d) => d.rank === rowRank));
  const sharedInputs = c.tensors.filter((t) => (t.role === 'input' || t.role === 'weight' || t.role === 'kvcache') && !t.dims.some((d) => d.rank === rowRank));
  const outputs = c.tensors.filter((t) => t.role === 'output');
  const rowIO = perRowBytes([...rowInputs, ...outputs].map((t) => t.name));
  const sharedBytes = sharedInputs.reduce((a, t) => a + t.dims.reduce((x, d) => x * d.extent, 1) * bytesOf(t.dtype), 0);
  const sharedTile = sharedInputs.reduce((a, t) => a + (t.dims.reduce((x, d) => x * d.extent, 1) / sizeOfVar(c, fiber)) * Math.min(u2.rows, sizeOfVar(c, fiber)) * bytesOf(t.dtype), 0);
  const firstReads = new Set(live[0]!.tensors.filter((t) => !t.write).map((t) => t.name));
  const bytesOfTensor = (t: (typeof c.tensors)[number]) => t.dims.reduce((x, d) => x * d.extent, 1) * bytesOf(t.dtype);
  // the fill: Q and what the first op reads of the shared inputs (K) arrive first, the other shared
  // inputs (V) after them; each op of the first block waits for its own
  const fillCycles = transferCycles([...rowInputs, ...sharedInputs].filter((t) => firstReads.has(t.name)).reduce((a, t) => a + bytesOfTensor(t), 0), dram.bytesPerCycle);
  const laterShared = sharedInputs.filter((t) => !firstReads.has(t.name));
  const laterReady = fillCycles + transferCycles(laterShared.reduce((a, t) => a + bytesOfTensor(t), 0), dram.bytesPerCycle);
  const firstReadyOf = (w: EinsumWorkload): number => (w.tensors.some((t) => !t.write && laterShared.some((x) => x.name === t.name)) ? laterReady : w.tensors.some((t) => !t.write && firstReads.has(t.name)) ? fillCycles : 0);
  const rowOutBytes = perRowBytes(outputs.map((t) => t.name));
  const Rcands = new Set<number>();
  for (let r = 1; r < P; r *= 2) Rcands.add(r);
  for (let k = 1; k * u2.cols < P; k++) Rcands.add(k * u2.cols);
  for (let r = 8; r < Math.min(P, u2.cols); r += 8) Rcands.add(r);
  Rcands.add(P);
  let best: { R: number; val: number; latency: number; energy: number; compute: number; dR: number; dW: number; gR: number; gW: number; spill: number; kvResident: boolean; ops: Op[]; bound: string } | null = null;
  for (const R of [...Rcands].sort((a, b) => a - b)) {
    const ops: Op[] = ops0.map((o) => {
      const u = o.unit === 0 ? u2 : u1;
      const cpp = cyclesPerPoint(o.w, u);
      let other = 1;
      let big = '';
      for (let i = 0; i < o.w.vars.length; i++) {
        const v = o.w.vars[i]!;
        if (v === rowVar) continue;
        if (!big || o.w.sizes[i]! > sizeOfVar(c, big)) big = v;
      }
      for (let i = 0; i < o.w.vars.length; i++) if (o.w.vars[i] !== rowVar && o.w.vars[i] !== big) other *= o.w.sizes[i]!;
      const nBig = big ? sizeOfVar(c, big) : 1;
      const spatial = o.unit === 0 ? Math.ceil(nBig / u.rows) * Math.ceil(R / u.cols) : Math.ceil(nBig / u.rows) * R;
      return { w: o.w, unit: o.unit, cycles: spatial * other * cpp, deps: [], stage: 0 };
    });
    if (ops.some((o) => !Number.isFinite(o.cycles))) return null;
    dependencies(c, ops, undefined);
    // a 2D einsum that consumes 1D results runs one block behind (FLAT overlaps QK(b+1) with AV(b))
    assignStages(ops);
    const blocks = Math.ceil(P / R) * batch;
    const reps = Math.min(blocks, 4);
    // blocks are identical: schedule a few as one stream and extend by the steady-state period
    const firstReady = Float64Array.from(ops, (o) => firstReadyOf(o.w));
    const fin = listSchedule(ops, reps, [], 1, firstReady)[0]!;
    const fin1 = reps > 1 ? listSchedule(ops, reps - 1, [], 1, firstReady)[0]! : 0;
    const compute = reps === 1 ? fin * blocks : fin + (blocks - reps) * (fin - fin1);
    const need = peak * R;
    const kvResident = sharedBytes + need + 2 * rowIO * R <= glb.capacityBytes;
    const avail = glb.capacityBytes - 2 * rowIO * R - (kvResident ? sharedBytes : 2 * sharedTile);
    const spill = need <= 0 ? 0 : 1 - Math.max(0, Math.min(1, avail / need));
    const perInstanceShared = kvResident ? sharedBytes : sharedBytes * Math.ceil(P / R);
    const dR = batch * (rowInputs.reduce((a, t) => a + t.dims.reduce((x, d) => x * d.extent, 1) * bytesOf(t.dtype), 0) + perInstanceShared) + spill * crossRead * P * batch;
    const dW = batch * outputs.reduce((a, t) => a + t.dims.reduce((x, d) => x * d.extent, 1) * bytesOf(t.dtype), 0) + spill * crossWrite * P * batch;
    // every pass reads and writes its block's intermediates in the GLB; each block reads all shared inputs
    const gR = batch * P * interRead + blocks * sharedBytes + dW;
    const gW = batch * P * interWrite + dR;
    const mem = (dR + dW) / dram.bytesPerCycle;
    const glbC = (gR + gW) / glb.bytesPerCycle;
    // the last block's output is written after its AV (the fill is in the schedule: firstReady)
    const lastRows = P - (Math.ceil(P / R) - 1) * R;
    const filled = compute + transferCycles(rowOutBytes * lastRows, dram.bytesPerCycle);
    const latency = Math.ceil(Math.max(filled, mem, glbC));
    const bound = latency === Math.ceil(filled) ? 'compute' : mem >= glbC ? dram.name : glb.name;
    // R is chosen on the steady state: the fill and drain are paid once per run whatever R is (within
    // the last block's write), and choosing by them would trade energy for a handful of cycles
    const steady = Math.ceil(Math.max(compute, mem, glbC));
    let opE = 0;
    for (const o of ops) opE += o.w.points * batch * energyPerPoint(o.w, o.unit === 0 ? u2 : u1);
    const leak = (u2.leakPjPerPeCycle * u2.pes + (u1 === u2 ? 0 : u1.leakPjPerPeCycle * u1.pes)) * latency;
    const energy = opE + dR * dram.readPjPerByte + dW * dram.writePjPerByte + gR * glb.readPjPerByte + gW * glb.writePjPerByte + leak;
    const val = objectiveValue(objective, steady, energy);
    if (!best || val < best.val) best = { R, val, latency, energy, compute: filled, dR, dW, gR, gW, spill, kvResident, ops, bound };
  }
  if (!best) return null;
  const { R, latency, energy, ops } = best;
  const blocks = Math.ceil(P / R) * batch;
  const busy: Record<string, number> = { [u2.name]: 0 };
  busy[u1.name] = busy[u1.name] ?? 0;
  const groupName = `rowblock(${rowVar})`;
  const einsums: EinsumMapping[] = ops.map((op) => {
    const u = op.unit === 0 ? u2 : u1;
    const opBusy = op.w.points * batch * cyclesPerPoint(op.w, u);
    busy[u.name] = (busy[u.name] ?? 0) + opBusy;
    const e = op.w.points * batch * energyPerPoint(op.w, u);
    return {
      name: op.w.name,
      index: op.w.index,
      unit: u.name,
      spatial: op.unit === 0 ? [{ var: fiber, dim: 'rows' as const, factor: Math.min(u.rows, sizeOfVar(c, fiber)) }, { var: rowVar, dim: 'cols' as const, factor: Math.min(u.cols, R) }] : [{ var: fiber, dim: 'lanes' as const, factor: Math.min(u.rows, sizeOfVar(c, fiber)) }],
      tiles: Object.fromEntries(op.w.vars.map((v, i) => [v, v === rowVar ? R : op.w.sizes[i]!])),
      loopOrder: [rowVar],
      group: groupName,
      cost: { latencyCycles: Math.round(op.cycles * blocks), computeCycles: Math.round(op.cycles * blocks), energyPj: e, busyPeCycles: { [u.name]: opBusy }, traffic: {}, boundBy: 'compute' },
      spatialUtilization: Math.min(1, opBusy / (op.cycles * blocks * u.pes)),
      explanation: [],
    };
  });
  const u2util = busy[u2.name]! / (latency * u2.pes);
  const u1util = u1 === u2 ? 0 : busy[u1.name]! / (latency * u1.pes);
  const per2d = ops.filter((o) => o.unit === 0).reduce((a, o) => a + o.cycles, 0);
  const per1d = ops.filter((o) => o.unit === 1).reduce((a, o) => a + o.cycles, 0);
  const explanation = [
    `row-block fusion (FLAT's dataflow): ${ops.filter((o) => o.unit === 0).map((o) => o.w.name).join(', ')} on ${u2.name}; ${ops.filter((o) => o.unit === 1).map((o) => o.w.name).join(', ')} on ${u1.name}; fused over blocks of ${R} rows of ${rowRank} (${blocks} blocks), blocks pipelined`,
    `per block: ${u2.name} ${per2d} cycles, ${u1.name} ${per1d} cycles: the ${per1d > per2d ? `${u1.name} is the bottleneck and ${u2.name} waits ${(((per1d - per2d) / per1d) * 100).toFixed(1)}% of the time` : `${u2.name} is the bottleneck`}`,
    `${maxPass} passes over ${fiberRank} (${ops.map((o) => `${o.w.name}:${pass[live.indexOf(o.w)]}`).join(' ')}); held across passes: ${crossing.map((x) => x.name).join(', ') || 'nothing'}, ${Math.round(peak * R)} B per block in ${glb.name}${best.spill > 0 ? `; ${(best.spill * 100).toFixed(1)}% spills to ${dram.name}` : ''}; ${sharedInputs.map((t) => t.name).join('/')} ${best.kvResident ? 'stay resident' : `re-read from ${dram.name} for every block`}`,
    `${u2.name} busy ${(u2util * 100).toFixed(1)}% and ${u1.name} busy ${(u1util * 100).toFixed(1)}% of ${latency} cycles; ${best.bound === 'compute' ? 'compute-bound' : `bound by ${best.bound} bandwidth`}`,
  ];
  return {
    group: {
      name: groupName,
      kind: 'rowblock',
      einsums: ops.map((o) => o.w.name),
      params: { R, blocks, batch, spillPercent: Math.round(best.spill * 1000) / 10 },
      cost: {
        latencyCycles: latency,
        computeCycles: Math.ceil(best.compute),
        energyPj: energy,
        busyPeCycles: busy,
        traffic: { [dram.name]: { readBytes: best.dR, writeBytes: best.dW }, [glb.name]: { readBytes: best.gR, writeBytes: best.gW, fillBytes: best.dR } },
        boundBy: best.bound,
      },
      explanation,
    },
    einsums,
  };
}

function sizeOfVar(c: Cascade, v: string): number {
  return c.ranks.find((r) => r.name.toLowerCase() === v)?.size ?? 1;
}
