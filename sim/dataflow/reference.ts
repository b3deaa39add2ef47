// The per-cycle reference of a pipelined section (fidelity level 3), the oracle for section.ts. It
// steps one cycle at a time: every channel moves up to its bandwidth of the request at the head of
// its queue, every stage's PCUs count down the tile they are computing, buffers free and loads are
// issued as tiles finish. Nothing is computed in closed form. Small sizes only: its cost is
// cycles × (stages + tiers).
//
// Within a cycle c, in this order:
//   1. tiles whose compute ends at c finish: the stage's buffer of that tile frees (the load D
//      tiles on is issued at c) and the tile's writes are issued at c;
//   2. each channel has num ticks of capacity in the cycle (den ticks a byte: section.ts
//      channelRate); it spends them on the requests at the head of its queue, in order, as long as
//      the head is issued by c; a request whose last byte moves in cycle c is done at the end of c
//      (its data usable `latency` cycles later), and the next one may use what is left of c;
//   3. each idle stage (in stage order) starts its next tile if its loads are usable, and every
//      producer has finished that tile, by c.
import { channelRate, tilePart, tileCycles, type DataflowSection } from './section';

interface Request {
  stage: number;
  tile: number;
  bytes: number;
  load: boolean;
  issued: number; // cycle, or Infinity until issued
}

export interface ReferenceSectionRun {
  endCycle: number;
  stageStart: number[];
  stageEnd: number[];
  tierReadBytes: number[];
  tierWriteBytes: number[];
}

/** The static DMA programs: per tier a read channel (index k) and a write channel (K + k), tile by tile in stage order. */
function programs(sec: DataflowSection): Request[][] {
  const T = sec.tiles;
  const K = sec.tiers.length;
  const out: Request[][] = [...sec.tiers, ...sec.tiers].map(() => []);
  for (let t = 0; t < T; t++)
    for (let s = 0; s < sec.stages.length; s++)
      for (let k = 0; k < K; k++) {
        const r = tilePart(sec.stages[s]!.readBytes[k] ?? 0, t, T);
        if (r > 0) out[k]!.push({ stage: s, tile: t, bytes: r, load: true, issued: t < Math.max(2, sec.stages[s]!.buffers) ? sec.startCycle : Infinity });
        const w = tilePart(sec.stages[s]!.writeBytes[k] ?? 0, t, T);
        if (w > 0) out[K + k]!.push({ stage: s, tile: t, bytes: w, load: false, issued: Infinity });
      }
  return out;
}

export function referenceSection(sec: DataflowSection, maxCycles = 5_000_000): ReferenceSectionRun {
  const S = sec.stages.length;
  const T = sec.tiles;
  const progs = programs(sec);
  const head = progs.map(() => 0); // index of the request each channel serves or waits for
  const rates = [...sec.tiers, ...sec.tiers].map((x) => channelRate(x.bytesPerCycle));
  const left = progs.map((p, k) => (p.length > 0 ? p[0]!.bytes * rates[k]!.den : 0)); // ticks the head request still needs
  const loadsPending: number[][] = sec.stages.map(() => new Array<number>(T).fill(0)); // loads not yet usable
  const usableAt: number[][] = sec.stages.map(() => new Array<number>(T).fill(-Infinity));
  for (const prog of progs) for (const r of prog) if (r.load) loadsPending[r.stage]![r.tile]!++;
  const tileEnd: number[][] = sec.stages.map(() => new Array<number>(T).fill(Infinity));
  const next = new Array<number>(S).fill(0); // next tile each stage starts
  const busyUntil = new Array<number>(S).fill(-Infinity); // cycle the current tile ends
  const current = new Array<number>(S).fill(-1);
  const stageStart = new Array<number>(S).fill(0);
  const stageEnd = new Array<number>(S).fill(0);
  const K = sec.tiers.length;
  const readB = sec.tiers.map(() => 0);
  const writeB = sec.tiers.map(() => 0);
  let lastActivity = sec.startCycle;
  const issue = (s: number, t: number, load: boolean, c: number) => {
    for (const prog of progs) for (const r of prog) if (r.stage === s && r.tile === t && r.load === load) r.issued = c;
  };
  for (let c = sec.startCycle; c < sec.startCycle + maxCycles; c++) {
    // 1. tiles ending now
    for (let s = 0; s < S; s++) {
      if (current[s]! >= 0 && busyUntil[s] === c) {
        const t = current[s]!;
        tileEnd[s]![t] = c;
        if (t === T - 1) stageEnd[s] = c;
        const D = Math.max(2, sec.stages[s]!.buffers);
        if (t + D < T) issue(s, t + D, true, c);
        issue(s, t, false, c);
        current[s] = -1;
        lastActivity = Math.max(lastActivity, c);
      }
    }
    // 2. channels
    progs.forEach((prog, k) => {
      const tier = sec.tiers[k % K]!;
      let capacity = rates[k]!.num; // ticks left in this cycle
      while (capacity > 0 && head[k]! < prog.length && prog[head[k]!]!.issued <= c) {
        const r = prog[head[k]!]!;
        const spend = Math.min(capacity, left[k]!);
        capacity -= spend;
        left[k] = left[k]! - spend;
        if (left[k]! > 0) break;
        const done = c + 1; // its last byte moved in cycle c
        if (r.load) {
          readB[k % K] = readB[k % K]! + r.bytes;
          usableAt[r.stage]![r.tile] = Math.max(usableAt[r.stage]![r.tile]!, done + tier.latencyCycles);
          loadsPending[r.stage]![r.tile]!--;
        } else writeB[k % K] = writeB[k % K]! + r.bytes;
        lastActivity = Math.max(lastActivity, done);
        head[k] = head[k]! + 1;
        if (head[k]! < prog.length) left[k] = prog[head[k]!]!.bytes * rates[k]!.den;
      }
    });
    // 3. stages starting
    for (let s = 0; s < S; s++) {
      if (current[s]! >= 0 || next[s]! >= T) continue;
      const t = next[s]!;
      if (loadsPending[s]![t]! > 0 || usableAt[s]![t]! > c) continue;
      if (t > 0 && tileEnd[s]![t - 1]! > c) continue;
      if (sec.stages[s]!.producers.some((p) => tileEnd[p]![t]! > c)) continue;
      if (t === 0) stageStart[s] = c;
      current[s] = t;
      next[s] = t + 1;
      busyUntil[s] = c + tileCycles(sec.stages[s]!, t, T);
    }
    const finished = next.every((n, s) => n >= T && current[s] === -1) && progs.every((p, k) => head[k]! >= p.length);
    if (finished) return { endCycle: Math.max(lastActivity, ...stageEnd), stageStart, stageEnd, tierReadBytes: readB, tierWriteBytes: writeB };
  }
  throw new Error(`reference section did not finish within ${maxCycles} cycles`);
}
