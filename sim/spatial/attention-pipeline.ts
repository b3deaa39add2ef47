// Cycle-level models of attention on a 2D array plus a 1D array, at tile granularity:
//
//  - FuseMax (Nayak et al., MICRO 2024): the 1-pass cascade. M is tiled into M1 × M0 and P into
//    tiles of P0 (M0 × P0 = the 2D PEs, one score per PE). Per M0 tile the 2D array runs QK, LM,
//    SLN, SLD, SLNV and the 1D array (one lane per p) runs RM, PRM, SPD, RD, SPNV, RNV; AV (the
//    final divide) runs on the 1D array once per P tile. The arrays are pipelined across tiles:
//    the 2D array runs QK/LM of tile g+1 before SLN/SLD/SLNV of tile g (so SLNV alternates with QK),
//    and the 1D array runs SPNV of tile g while the 2D array produces SLNV(g), then RNV(g)
//    (SPNV alternates with RNV). P tiles follow each other through the same pipeline.
//  - FLAT (the FuseMax paper's baseline): the 3-pass cascade fused over blocks of P0 query rows;
//    QK and AV of a block run on the 2D array, the softmax passes (max, exp, sum, divide) over the
//    block's whole M × P0 scores on the 1D array; the 2D array runs QK of block j+1 before AV of j.
//
// Each einsum is one task per tile on an in-order unit; a task starts when its unit is free and
// its producers have finished (plus the reduction-tree latency on 2D → 1D edges). Per-point cost:
// one cycle for the unit's native operations of an einsum (the PE datapath chains them), plus
// exp_macs cycles for each exponential a unit must emulate with MACs (the 2D PEs).
// DRAM: each (batch, head)'s Q, K, V are fetched, double-buffered, into the global buffer before
// its first QK; outputs are written after each P tile's AV; the channel is shared, first come first
// served. Nothing here runs per PE or per cycle.
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

const log2ceil = (n: number): number => Math.max(0, Math.ceil(Math.log2(n)));

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

/** Per-(batch, head) DRAM fetch, double-buffered: head h is fetched when head h−1 starts. */
class HeadFetcher {
  private readonly dram: BandwidthChannel;
  private readonly ready: number[] = [];
  private readonly pendingWrites: [number, number][] = [];
  private lastWriteDone = 0;
  constructor(
    pt: AttentionPoint,
    private readonly readBytesPerHead: number,
    private readonly heads: number,
    private readonly trace?: TraceWriter,
  ) {
    this.dram = new BandwidthChannel({ name: 'DRAM', kind: 'hbm', bytesPerCycle: pt.dramBytesPerCycle, latencyCycles: pt.dramLatencyCycles });
    this.issue(0, 0);
    if (heads > 1) this.issue(1, 0);
  }
  private issue(h: number, at: number): void {
    this.flushWrites(at);
    const tr = this.dram.request(at, this.readBytesPerHead, 'read');
    this.trace?.span('DRAM', `fetch head ${h}`, tr.startCycle, tr.doneCycle);
    this.ready[h] = tr.doneCycle;
  }
  /** Cycle head h's operands are in the buffer; call when head h starts, in order. */
  readyAt(h: number): number {
    return this.ready[h]!;
  }
  started(h: number, at: number): void {
    if (h + 2 < this.heads) this.issue(h + 2, at);
  }
  write(at: number, bytes: number): void {
    this.pendingWrites.push([at, bytes]);
  }
  private flushWrites(upTo: number): void {
    this.pendingWrites.sort((a, b) => a[0] - b[0]);
    while (this.pendingWrites.length && this.pendingWrites[0]![0] <= upTo) {
      const [at, bytes] = this.pendingWrites.shift()!;
      const tr = this.dram.request(at, bytes, 'write');
      this.trace?.span('DRAM', 'write', tr.startCycle, tr.doneCycle);
      this.lastWriteDone = Math.max(this.lastWriteDone, tr.doneCycle);
    }
  }
  finish(): { lastWriteDone: number; readBytes: number; writeBytes: number } {
    this.flushWrites(Infinity);
    return { lastWriteDone: this.lastWriteDone, readBytes: this.dram.readBytes, writeBytes: this.dram.writeBytes };
  }
}

/** Per-tile task costs of the 1-pass cascade (cycles on its unit). */
export function fusemaxTileCosts(pt: AttentionPoint): { unit2d: Record<string, number>; unit1d: Record<string, number>; tail1d: Record<string, number> } {
  const exp1d = pt.exp1dNative ? 1 : pt.expMacs;
  return {
    // one (m0, p0) score per PE
    unit2d: { QK: pt.E, LM: 1, SLN: 1 + pt.expMacs, SLD: 1, SLNV: pt.F },
    // one p0 per lane; PRM = exp(RM[m1] − RM[m1+1]) chains sub → exp
    unit1d: { RM: 1, PRM: pt.exp1dNative ? 1 : 1 + exp1d, SPD: 1, RD: 1, SPNV: pt.F, RNV: pt.F },
    tail1d: { AV: pt.F },
  };
}

export function simulateFusemax(pt: AttentionPoint, opts: { trace?: TraceWriter } = {}): AttentionRun {
  const M0 = pt.rows2d;
  const P0 = pt.cols2d;
  if (pt.lanes1d < P0) throw new Error(`FuseMax binding needs a 1D lane per 2D column (${pt.lanes1d} < ${P0})`);
  const M1 = Math.ceil(pt.seqM / M0);
  const pTilesPerHead = Math.ceil(pt.seqP / P0);
  const heads = pt.batch * pt.heads;
  const G = heads * pTilesPerHead * M1;
  const cost = fusemaxTileCosts(pt);
  const c2 = cost.unit2d;
  const c1 = cost.unit1d;
  const red = log2ceil(M0); // 2D → 1D reduction tree over m0
  const bcast = 1; // 1D → 2D broadcast of the running max down a column
  const u2 = new Unit('2D array', opts.trace);
  const u1 = new Unit('1D array', opts.trace);
  const per: Record<string, number> = {};
  const wb = pt.wordBytes;
  const fetch = new HeadFetcher(pt, (pt.E * pt.seqP + pt.E * pt.seqM + pt.F * pt.seqM) * wb, heads, opts.trace);

  // finish times, in rings indexed by tile parity (tile g and g+1 are in flight at once)
  const lmOf = new Float64Array(2);
  let rmPrev = 0; // RM of the previous tile of the same P tile
  let rdPrev = 0;
  let rnvPrev = 0;
  const rmOf = new Float64Array(2);
  const prmOf = new Float64Array(2);
  let currentHead = -1;
  let fetchWait = 0;

  const front = (g: number): void => {
    const head = Math.floor(g / (pTilesPerHead * M1));
    let ready = 0;
    if (head !== currentHead) {
      ready = fetch.readyAt(head);
      currentHead = head;
      fetchWait += Math.max(0, ready - u2.free);
      fetch.started(head, Math.max(ready, u2.free));
    }
    const qk = u2.run(ready, c2.QK!, `QK ${g}`, per, 'QK');
    lmOf[g & 1] = u2.run(qk, c2.LM!, `LM ${g}`, per, 'LM');
  };
  const head1d = (g: number): void => {
    const m1 = g % M1;
    const rm = u1.run(Math.max(lmOf[g & 1]! + red, m1 > 0 ? rmPrev : 0), c1.RM!, `RM ${g}`, per, 'RM');
    const prm = u1.run(rm, c1.PRM!, `PRM ${g}`, per, 'PRM');
    rmOf[g & 1] = rm;
    prmOf[g & 1] = prm;
    rmPrev = rm;
  };

  front(0);
  head1d(0);
  for (let g = 0; g < G; g++) {
    const m1 = g % M1;
    if (g + 1 < G) front(g + 1);
    // 2D back half of tile g: needs the running max RM(g) from the 1D array
    const sln = u2.run(rmOf[g & 1]! + bcast, c2.SLN!, `SLN ${g}`, per, 'SLN');
    const sld = u2.run(sln, c2.SLD!, `SLD ${g}`, per, 'SLD');
    const slnv = u2.run(sld, c2.SLNV!, `SLNV ${g}`, per, 'SLNV');
    // 1D: next tile's running max first (its LM is ready early), then this tile's sums
    if (g + 1 < G) head1d(g + 1);
    const prm = prmOf[g & 1]!;
    const spd = u1.run(Math.max(prm, m1 > 0 ? rdPrev : 0), c1.SPD!, `SPD ${g}`, per, 'SPD');
    const rd = u1.run(Math.max(spd, sld + red), c1.RD!, `RD ${g}`, per, 'RD');
    const spnv = u1.run(Math.max(prm, m1 > 0 ? rnvPrev : 0), c1.SPNV!, `SPNV ${g}`, per, 'SPNV');
    const rnv = u1.run(Math.max(spnv, slnv + red), c1.RNV!, `RNV ${g}`, per, 'RNV');
    rdPrev = rd;
    rnvPrev = rnv;
    if (m1 === M1 - 1) {
      const av = u1.run(Math.max(rd, rnv), cost.tail1d.AV!, `AV ${g}`, per, 'AV');
      fetch.write(av, pt.F * Math.min(P0, pt.seqP) * wb);
    }
  }
  const mem = fetch.finish();
  const computeEnd = Math.max(u2.free, u1.free);
  const total = Math.max(computeEnd, mem.lastWriteDone);
  const mac2d = (c2.QK! + c2.SLNV! + pt.expMacs) * G;
  return {
    design: 'fusemax',
    totalCycles: total,
    latencySeconds: total / pt.clockHz,
    busy2dCycles: u2.busy,
    busy1dCycles: u1.busy,
    utilization2d: fraction(u2.busy, total),
    macUtilization2d: fraction(mac2d, total),
    utilization1d: fraction(u1.busy, total),
    tiles: G,
    dramReadBytes: mem.readBytes,
    dramWriteBytes: mem.writeBytes,
    dramStallCycles: total - computeEnd + fetchWait,
    einsumCycles: sortKeys(per),
    perTile: { unit2d: c2, unit1d: c1 },
  };
}

function sortKeys(r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}

/** FLAT: per block of P0 queries, QK and AV on the 2D array and four softmax passes on the 1D array. */
export function flatBlockCosts(pt: AttentionPoint): { unit2d: Record<string, number>; unit1d: Record<string, number> } {
  const P0 = Math.min(pt.cols2d, pt.seqP);
  const pes = pt.rows2d * pt.cols2d;
  const scores = pt.seqM * P0;
  const lane = (ops: number): number => Math.ceil(scores / pt.lanes1d) * ops;
  const exp1d = pt.exp1dNative ? 1 : pt.expMacs;
  return {
    unit2d: { QK: Math.ceil((scores * pt.E) / pes), AV: Math.ceil((scores * pt.F) / pes) },
    // GM max, SN = exp(QK − GM) (sub → exp chained), SD sum, A divide: one pass each over the scores
    unit1d: { GM: lane(1), SN: lane(pt.exp1dNative ? 1 : 1 + exp1d), SD: lane(1), A: lane(1) },
  };
}

export function simulateFlat(pt: AttentionPoint, opts: { trace?: TraceWriter } = {}): AttentionRun {
  const blocksPerHead = Math.ceil(pt.seqP / pt.cols2d);
  const heads = pt.batch * pt.heads;
  const G = heads * blocksPerHead;
  const cost = flatBlockCosts(pt);
  const c2 = cost.unit2d;
  const c1 = cost.unit1d;
  const u2 = new Unit('2D array', opts.trace);
  const u1 = new Unit('1D array', opts.trace);
  const per: Record<string, number> = {};
  const wb = pt.wordBytes;
  const fetch = new HeadFetcher(pt, (pt.E * pt.seqP + pt.E * pt.seqM + pt.F * pt.seqM) * wb, heads, opts.trace);
  const red = log2ceil(pt.rows2d);
  let currentHead = -1;
  let fetchWait = 0;
  const qkDone = new Float64Array(2);
  const qk = (j: number): void => {
    const head = Math.floor(j / blocksPerHead);
    let ready = 0;
    if (head !== currentHead) {
      ready = fetch.readyAt(head);
      currentHead = head;
      fetchWait += Math.max(0, ready - u2.free);
      fetch.started(head, Math.max(ready, u2.free));
    }
    qkDone[j & 1] = u2.run(ready, c2.QK!, `QK ${j}`, per, 'QK');
  };
  qk(0);
  for (let j = 0; j < G; j++) {
    const gm = u1.run(qkDone[j & 1]! + red, c1.GM!, `GM ${j}`, per, 'GM');
    const sn = u1.run(gm, c1.SN!, `SN ${j}`, per, 'SN');
    const sd = u1.run(sn, c1.SD!, `SD ${j}`, per, 'SD');
    const a = u1.run(sd, c1.A!, `A ${j}`, per, 'A');
    if (j + 1 < G) qk(j + 1);
    const av = u2.run(a + 1, c2.AV!, `AV ${j}`, per, 'AV');
    fetch.write(av, pt.F * Math.min(pt.cols2d, pt.seqP) * wb);
  }
  const mem = fetch.finish();
  const computeEnd = Math.max(u2.free, u1.free);
  const total = Math.max(computeEnd, mem.lastWriteDone);
  return {
    design: 'flat',
    totalCycles: total,
    latencySeconds: total / pt.clockHz,
    busy2dCycles: u2.busy,
    busy1dCycles: u1.busy,
    utilization2d: fraction(u2.busy, total),
    macUtilization2d: fraction(u2.busy, total),
    utilization1d: fraction(u1.busy, total),
    tiles: G,
    dramReadBytes: mem.readBytes,
    dramWriteBytes: mem.writeBytes,
    dramStallCycles: total - computeEnd + fetchWait,
    einsumCycles: sortKeys(per),
    perTile: { unit2d: c2, unit1d: c1 },
  };
}
