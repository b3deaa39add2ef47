// The per-cycle reference of a pipelined section (fidelity level 3), the oracle for section.ts. It
// steps one cycle at a time: every channel moves up to its bandwidth of the request at the head of
// its queue, every stage's PCUs count down the tile they are computing, buffers free and loads are
// issued as tiles finish. Nothing is computed in closed form. Small sizes only: its cost is
// cycles × (stages + tiers).
//
// Within a cycle c, in this order:
//   1. tiles whose compute ends at c finish: the stage's buffer of that tile frees (the load D
//      tiles on is issued at c) and the tile's writes are issued at c;
//   2. each stage's channel on each tier (its share of the tier's bandwidth: section.ts
//      stageChannels) has num ticks of capacity in the cycle, den ticks a byte; it spends them on
//      the requests at the head of its queue (its loads and writes, section.ts says in what order),
//      in order, as long as the head is issued by c; a request whose last byte moves in cycle c is done at the end of c
//      (its data usable `latency` cycles later), and the next one may use what is left of c;
//   3. each idle stage (in stage order) starts its next tile if its loads are usable, and every
//      producer has finished that tile, by c.
import { stageChannels, tilePart, tileCycles, type DataflowSection } from './section';

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

/**
 * Each stage's DMA program on each tier (channel s·K + k): the loads of tiles 0..D−1, then after each
 * tile t its write and the load of tile t+D.
 */
function programs(sec: DataflowSection): Request[][] {
  const T = sec.tiles;
  const K = sec.tiers.length;
  const out: Request[][] = [];
  sec.stages.forEach((st, s) => {
    const D = Math.max(2, st.buffers);
    for (let k = 0; k < K; k++) {
      const prog: Request[] = [];
      const ld = (t: number, issued: number) => {
        const b = tilePart(st.readBytes[k] ?? 0, t, T);
        if (b > 0) prog.push({ stage: s, tile: t, bytes: b, load: true, issued });
      };
      for (let t = 0; t < Math.min(T, D); t++) ld(t, sec.startCycle);
      for (let t = 0; t < T; t++) {
        const w = tilePart(st.writeBytes[k] ?? 0, t, T);
        if (w > 0) prog.push({ stage: s, tile: t, bytes: w, load: false, issued: Infinity });
        if (t + D < T) ld(t + D, Infinity);
      }
      out.push(prog);
    }
  });
  return out;
}

export function referenceSection(sec: DataflowSection, maxCycles = 5_000_000): ReferenceSectionRun {
  const S = sec.stages.length;
  const T = sec.tiles;
  const progs = programs(sec);
  const head = progs.map(() => 0); // index of the request each channel serves or waits for
  const rates = stageChannels(sec).map((r) => r ?? { num: 1, den: 1 });
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
      const tier = sec.tiers[k % K]!; // channel k: stage ⌊k / K⌋, tier k mod K
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
