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
// Each einsum is one task per tile on an in-order unit; a task starts when its unit is free and
// its producers have finished. Per-point cost: one cycle for the unit's native operations of an
// einsum (the PE datapath chains them), plus exp_macs cycles for each exponential a unit must
// emulate with MACs (the 2D PEs).
// DRAM (one FIFO channel, the cascade's dtypes): FuseMax streams Q per P tile and K/V per M tile,
// double-buffered; FLAT fetches a head's Q and K before its first QK and V before its first AV,
// the next head's while this one runs; outputs are written after each P tile's (block's) AV.
// Nothing here runs per PE or per cycle.
import { InOrderUnit } from '../core/events';
import { fraction } from '../core/stats';
import type { TraceWriter } from '../core/trace';
import { BandwidthChannel } from '../memory/channel';

export interface AttentionPoint {
  /** e.g. "BERT-Base, seq 1024" */
  name: string;
  batch: number;
  heads: number;
  /** keys (M) and queries (P) */
  seqM: number;
  seqP: number;
  E: number;
  F: number;
  rows2d: number;
  cols2d: number;
  lanes1d: number;
  clockHz: number;
  /** MACs one exponential costs where the unit has no exp (the 2D PEs) */
  expMacs: number;
  /** whether the 1D array has a native exp unit */
  exp1dNative: boolean;
  wordBytes: number;
  dramBytesPerCycle: number;
  dramLatencyCycles: number;
  /** FuseMax: the M tile (the cascade's M0; default the 2D rows). A ragged last tile costs a full one. */
  M0?: number;
  /** FuseMax: P tiles per row group (the mapper's P1): each K/V tile streams once per group; default all of a head's */
  pGroup?: number;
  /** FLAT: query rows per block (the mapper's R); default min(2D columns, P) */
  block?: number;
  /** bytes per element of Q, K, V and the output in DRAM (the cascade's dtypes); default wordBytes */
  bytes?: { Q: number; K: number; V: number; out: number };
}

export interface AttentionRun {
  design: 'fusemax' | 'flat';
  totalCycles: number;
  latencySeconds: number;
  busy2dCycles: number;
  busy1dCycles: number;
  /** busy 2D-array cycles (every PE active) / total */
  utilization2d: number;
  /** only the MAC work of the 2D array (QK, SLNV/AV, emulated exps) / total */
  macUtilization2d: number;
  utilization1d: number;
  tiles: number;
  dramReadBytes: number;
  dramWriteBytes: number;
  dramStallCycles: number;
  /** busy cycles per einsum, summed over tiles */
  einsumCycles: Record<string, number>;
  perTile: { unit2d: Record<string, number>; unit1d: Record<string, number> };
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

/** Per-tile task costs of the 1-pass cascade (cycles on its unit). */
export function fusemaxTileCosts(pt: AttentionPoint): { unit2d: Record<string, number>; unit1d: Record<string, number>; tail1d: Record<string, number> } {
  const exp1d = pt.exp1dNative ? 1 : pt.expMacs;
  // one (m0, p0) score per PE; an M tile taller than the array folds over the rows
  const folds = Math.ceil((pt.M0 ?? pt.rows2d) / pt.rows2d);
  return {
    unit2d: { QK: pt.E * folds, LM: folds, SLN: (1 + pt.expMacs) * folds, SLD: folds, SLNV: pt.F * folds },
    // one p0 per lane; PRM = exp(RM[m1] − RM[m1+1]) chains sub → exp
    unit1d: { RM: 1, PRM: pt.exp1dNative ? 1 : 1 + exp1d, SPD: 1, RD: 1, SPNV: pt.F, RNV: pt.F },
    tail1d: { AV: pt.F },
  };
}

const elemBytes = (pt: AttentionPoint) => pt.bytes ?? { Q: pt.wordBytes, K: pt.wordBytes, V: pt.wordBytes, out: pt.wordBytes };

/**
 * FuseMax's DRAM streams, in the order the tiles first need them, on one FIFO channel: Q one P tile
 * at a time (kept for its row group), K and V one M tile at a time, double-buffered (tile k's
 * buffer is refilled when tile k−2 is released), AV written after each P tile. Writes wait in a
 * queue and go out in time order between reads.
 */
class TileStreams {
  private readonly dram: BandwidthChannel;
  private readonly pendingWrites: number[] = []; // [at, bytes] pairs, in issue order
  private lastIssue = 0;
  private lastWriteDone = 0;
  constructor(
    pt: AttentionPoint,
    private readonly trace?: TraceWriter,
  ) {
    this.dram = new BandwidthChannel({ name: 'DRAM', kind: 'hbm', bytesPerCycle: pt.dramBytesPerCycle, latencyCycles: pt.dramLatencyCycles });
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

export function simulateFusemax(pt: AttentionPoint, opts: { trace?: TraceWriter } = {}): AttentionRun {
  const M0 = pt.M0 ?? pt.rows2d;
  const P0 = pt.cols2d;
  if (pt.lanes1d < Math.min(P0, pt.seqP)) throw new Error(`FuseMax binding needs a 1D lane per 2D column (${pt.lanes1d} < ${Math.min(P0, pt.seqP)})`);
  const M1 = Math.ceil(pt.seqM / M0);
  const nP = Math.ceil(pt.seqP / P0); // P tiles per head; the last may be narrower (same cycles)
  const P1 = Math.max(1, Math.min(nP, pt.pGroup ?? nP));
  const perHead = M1 * nP;
  const heads = pt.batch * pt.heads;
  const G = heads * perHead;
  const cost = fusemaxTileCosts(pt);
  const c2 = cost.unit2d;
  const c1 = cost.unit1d;
  // a reduction over m0 is charged one cycle per point on the 2D array; like the skew of QK inside a
  // tile, the latency of its tree is not modelled (the analytic model and the published 0.890 ignore
  // it too), so a 2D → 1D or 1D → 2D hand-off costs no extra cycles
  const u2 = new Unit('2D array', opts.trace);
  const u1 = new Unit('1D array', opts.trace);
  const per: Record<string, number> = {};
  const b = elemBytes(pt);
  const cols = (p: number) => Math.min(P0, pt.seqP - p * P0);
  const rowsOf = (m1: number) => Math.min(M0, pt.seqM - m1 * M0);
  const dram = new TileStreams(pt, opts.trace);

  // Tile order (the mapping P2 × M1 × P1): per head, per row group of P1 P tiles, per M tile, per
  // P tile of the group. Tile g of a head: k = g mod perHead → (group r, M tile m1, P tile p).
  const tileM1 = new Int32Array(2);
  const tileP = new Int32Array(2);
  const tileLast = new Uint8Array(2); // last P tile of its group at this m1: releases the K/V buffer
  const decode = (g: number): void => {
    const k = g % perHead;
    const r = Math.floor(k / (M1 * P1));
    const size = Math.min(P1, nP - r * P1);
    const rest = k - r * M1 * P1;
    const j = rest % size;
    tileM1[g & 1] = Math.floor(rest / size);
    tileP[g & 1] = r * P1 + j;
    tileLast[g & 1] = j === size - 1 ? 1 : 0;
  };
  // carried running values per P tile of the group (RM, RD, RNV of the previous M tile)
  const rmPrev = new Float64Array(P1);
  const rdPrev = new Float64Array(P1);
  const rnvPrev = new Float64Array(P1);
  const lmOf = new Float64Array(2);
  const rmOf = new Float64Array(2);
  const prmOf = new Float64Array(2);
  const vReady = new Float64Array(2);
  // K and V tiles are double-buffered separately: K tile k refills the half K tile k−2 freed when its
  // last QK ended, V tile k the half V tile k−2 freed when its last SLNV ended
  let kvIndex = -1;
  const kRelease = new Float64Array(2);
  const vRelease = new Float64Array(2);
  const tileKV = new Int32Array(2);
  let kReady = 0;
  let vReadyTile = 0;
  const qReady = new Float64Array(P1);
  let fetchWait = 0;

  const front = (g: number): void => {
    decode(g);
    const m1 = tileM1[g & 1]!;
    const p = tileP[g & 1]!;
    const j = p % P1;
    if (m1 === 0) qReady[j] = dram.read(0, pt.E * cols(p) * b.Q, `Q tile ${p}`);
    if (j === 0) {
      // first P tile of the group at this m1: stream the M tile's K and V into their free halves
      kvIndex++;
      const slot = kvIndex & 1;
      kReady = dram.read(kvIndex >= 2 ? kRelease[slot]! : 0, pt.E * rowsOf(m1) * b.K, `K tile ${m1}`);
      vReadyTile = dram.read(kvIndex >= 2 ? vRelease[slot]! : 0, pt.F * rowsOf(m1) * b.V, `V tile ${m1}`);
    }
    tileKV[g & 1] = kvIndex;
    vReady[g & 1] = vReadyTile;
    const ready = Math.max(qReady[j]!, kReady);
    fetchWait += Math.max(0, ready - u2.free);
    const qk = u2.run(ready, c2.QK!, `QK ${g}`, per, 'QK');
    if (tileLast[g & 1] === 1) kRelease[kvIndex & 1] = qk;
    lmOf[g & 1] = u2.run(qk, c2.LM!, `LM ${g}`, per, 'LM');
  };
  const head1d = (g: number): void => {
    const m1 = tileM1[g & 1]!;
    const j = tileP[g & 1]! % P1;
    const rm = u1.run(Math.max(lmOf[g & 1]!, m1 > 0 ? rmPrev[j]! : 0), c1.RM!, `RM ${g}`, per, 'RM');
    const prm = u1.run(rm, c1.PRM!, `PRM ${g}`, per, 'PRM');
    rmOf[g & 1] = rm;
    prmOf[g & 1] = prm;
    rmPrev[j] = rm;
  };

  for (let g = 0; g < G; g++) {
    front(g);
    head1d(g);
    const m1 = tileM1[g & 1]!;
    const p = tileP[g & 1]!;
    const j = p % P1;
    const releases = tileLast[g & 1] === 1;
    const kv = tileKV[g & 1]!;
    const vAt = vReady[g & 1]!;
    // 2D back half of tile g: waits for the running max RM(g) from the 1D array (one cycle)
    const sln = u2.run(rmOf[g & 1]!, c2.SLN!, `SLN ${g}`, per, 'SLN');
    const sld = u2.run(sln, c2.SLD!, `SLD ${g}`, per, 'SLD');
    fetchWait += Math.max(0, vAt - u2.free);
    const slnv = u2.run(Math.max(sld, vAt), c2.SLNV!, `SLNV ${g}`, per, 'SLNV');
    if (releases) vRelease[kv & 1] = slnv;
    // 1D: this tile's sums; SPNV overlaps SLNV, RNV the next tile's QK
    const prm = prmOf[g & 1]!;
    const spd = u1.run(Math.max(prm, m1 > 0 ? rdPrev[j]! : 0), c1.SPD!, `SPD ${g}`, per, 'SPD');
    const rd = u1.run(Math.max(spd, sld), c1.RD!, `RD ${g}`, per, 'RD');
    const spnv = u1.run(Math.max(prm, m1 > 0 ? rnvPrev[j]! : 0), c1.SPNV!, `SPNV ${g}`, per, 'SPNV');
    const rnv = u1.run(Math.max(spnv, slnv), c1.RNV!, `RNV ${g}`, per, 'RNV');
    rdPrev[j] = rd;
    rnvPrev[j] = rnv;
    if (m1 === M1 - 1) {
      const av = u1.run(Math.max(rd, rnv), cost.tail1d.AV!, `AV ${g}`, per, 'AV');
      dram.write(av, pt.F * cols(p) * b.out);
    }
  }
  const mac2dCycles = (c2.QK! + c2.SLNV! + pt.expMacs * Math.ceil(M0 / pt.rows2d)) * G;
  return finishRun('fusemax', pt, { u2, u1, dram, tiles: G, fetchWait, per, mac2dCycles, perTile: { unit2d: c2, unit1d: c1 } });
}

/** A run's totals once both arrays and DRAM are done: it ends when the last of them does. */
function finishRun(
  design: AttentionRun['design'],
  pt: AttentionPoint,
  r: { u2: Unit; u1: Unit; dram: TileStreams; tiles: number; fetchWait: number; per: Record<string, number>; mac2dCycles: number; perTile: AttentionRun['perTile'] },
): AttentionRun {
  const mem = r.dram.finish();
  const computeEnd = Math.max(r.u2.free, r.u1.free);
  const total = Math.max(computeEnd, mem.lastWriteDone);
  return {
    design,
    totalCycles: total,
    latencySeconds: total / pt.clockHz,
    busy2dCycles: r.u2.busy,
    busy1dCycles: r.u1.busy,
    utilization2d: fraction(r.u2.busy, total),
    macUtilization2d: fraction(r.mac2dCycles, total),
    utilization1d: fraction(r.u1.busy, total),
    tiles: r.tiles,
    dramReadBytes: mem.readBytes,
    dramWriteBytes: mem.writeBytes,
    dramStallCycles: total - computeEnd + r.fetchWait,
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
 * FLAT: per block of R queries (lanes ← m, columns ← p): QK and AV on the 2D array, one score per PE
 * (E or F MACs each, an M taller than the rows folds), and four softmax passes on the 1D array, each
 * lane taking one m for the block's queries in turn. `blockCols`: the block's queries (a ragged last
 * block is narrower: fewer 1D cycles, the same 2D cycles).
 */
export function flatBlockCosts(pt: AttentionPoint, blockCols?: number): { unit2d: Record<string, number>; unit1d: Record<string, number> } {
  const R = pt.block ?? Math.min(pt.cols2d, pt.seqP);
  const q = blockCols ?? R;
  const folds2d = Math.ceil(pt.seqM / pt.rows2d) * Math.ceil(q / pt.cols2d);
  const lane = (ops: number): number => Math.ceil(pt.seqM / pt.lanes1d) * q * ops;
  const exp1d = pt.exp1dNative ? 1 : pt.expMacs;
  return {
    unit2d: { QK: folds2d * pt.E, AV: folds2d * pt.F },
    // GM max, SN = exp(QK − GM) (sub → exp chained), SD sum, A divide: one pass each over the scores
    unit1d: { GM: lane(1), SN: lane(pt.exp1dNative ? 1 : 1 + exp1d), SD: lane(1), A: lane(1) },
  };
}

export function simulateFlat(pt: AttentionPoint, opts: { trace?: TraceWriter } = {}): AttentionRun {
  const R = pt.block ?? Math.min(pt.cols2d, pt.seqP);
  const blocksPerHead = Math.ceil(pt.seqP / R);
  const heads = pt.batch * pt.heads;
  const G = heads * blocksPerHead;
  const colsOf = (j: number) => Math.min(R, pt.seqP - (j % blocksPerHead) * R);
  const full = flatBlockCosts(pt);
  const lastCols = colsOf(blocksPerHead - 1);
  const ragged = lastCols === R ? full : flatBlockCosts(pt, lastCols);
  const costOf = (j: number) => (j % blocksPerHead === blocksPerHead - 1 ? ragged : full);
  const u2 = new Unit('2D array', opts.trace);
  const u1 = new Unit('1D array', opts.trace);
  const per: Record<string, number> = {};
  const b = elemBytes(pt);
  // per head: Q and K before the first QK, V before the first AV; the next head's are fetched
  // while this one runs (double-buffered: head h's transfers are issued when head h−2 is done)
  const dram = new TileStreams(pt, opts.trace);
  const qkReady = new Float64Array(2);
  const vReady = new Float64Array(2);
  const headDone = new Float64Array(2);
  let fetchWait = 0;
  const qkDone = new Float64Array(2);
  const qk = (j: number): void => {
    const head = Math.floor(j / blocksPerHead);
    if (j % blocksPerHead === 0) {
      const free = head >= 2 ? headDone[head & 1]! : 0;
      qkReady[head & 1] = dram.read(free, (pt.E * pt.seqP * b.Q) + pt.E * pt.seqM * b.K, `Q, K head ${head}`);
      vReady[head & 1] = dram.read(free, pt.F * pt.seqM * b.V, `V head ${head}`);
    }
    const ready = qkReady[head & 1]!;
    fetchWait += Math.max(0, ready - u2.free);
    qkDone[j & 1] = u2.run(ready, costOf(j).unit2d.QK!, `QK ${j}`, per, 'QK');
  };
  qk(0);
  for (let j = 0; j < G; j++) {
    const c = costOf(j);
    const head = Math.floor(j / blocksPerHead);
    const gm = u1.run(qkDone[j & 1]!, c.unit1d.GM!, `GM ${j}`, per, 'GM');
    const sn = u1.run(gm, c.unit1d.SN!, `SN ${j}`, per, 'SN');
    const sd = u1.run(sn, c.unit1d.SD!, `SD ${j}`, per, 'SD');
    const a = u1.run(sd, c.unit1d.A!, `A ${j}`, per, 'A');
    const vAt = vReady[head & 1]!;
    if (j + 1 < G) qk(j + 1);
    fetchWait += Math.max(0, vAt - Math.max(u2.free, a));
    const av = u2.run(Math.max(a, vAt), c.unit2d.AV!, `AV ${j}`, per, 'AV');
    dram.write(av, pt.F * colsOf(j) * b.out);
    if (j % blocksPerHead === blocksPerHead - 1) headDone[head & 1] = av;
  }
  // FLAT's 2D array only runs contractions, so its busy time is all MACs
  return finishRun('flat', pt, { u2, u1, dram, tiles: G, fetchWait, per, mac2dCycles: u2.busy, perTile: { unit2d: full.unit2d, unit1d: full.unit1d } });
}
