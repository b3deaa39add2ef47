// A pipelined section of a dataflow chip (SambaNova SN40L, Prabhakar et al., arXiv 2405.07518): the
// compiler places several operators on the chip at once, each on its own PCUs with its buffers in
// its own PMUs, and tiles stream from one operator to the next while every operator's operands
// stream in from the off-chip tiers (HBM, DDR). This is the level-2 (per tile) engine.
//
// The model, in integer cycles, for a section of S stages split into T tiles each:
//   - a stage's work and bytes are split evenly over the T tiles (tile t gets
//     floor((t+1)·X/T) − floor(t·X/T)); a tile takes at least one cycle;
//   - each tier's bandwidth is split among the stages that use it, in proportion to the bytes each
//     moves there (the compiler gives each operator its own DMA streams, as the SN40L's PMUs and
//     AGCUs have): each stage has one channel per tier, serving its requests first in, first out.
//     A channel of bw bytes a cycle (held as a fraction num/den: time is counted exactly, in ticks
//     of 1/num cycle, a byte taking den ticks) may start a request in the middle of a cycle where
//     the one before ended; a request is done at the end of the cycle its last byte moves in, and a
//     load's data is usable `latency` cycles after that;
//   - a stage's PMUs hold D ≥ 2 tiles of its loads (`buffers`): the loads of tiles 0..D−1 are
//     queued at the section's start; when the stage finishes tile t, its write of tile t and then
//     the load of tile t+D (into the buffer tile t freed) are queued;
//   - stage s starts tile t when its loads have arrived, it finished tile t−1, and every producer
//     stage finished its tile t (tiles stream: a consumer needs only the producer's same tile);
//   - the section ends when every stage has finished and every write has left its channel.
// It ignores the on-chip network's bandwidth and PMU bank conflicts, and reconfiguration time
// between sections. The per-cycle reference (reference.ts) holds it to these rules exactly.

export interface DataflowTier {
  name: string;
  /** bytes the channel moves per cycle (may be fractional, e.g. 78.125) */
  bytesPerCycle: number;
  /** cycles from the last byte leaving the channel to the data being usable */
  latencyCycles: number;
}

export interface DataflowStage {
  name: string;
  /** compute cycles of the whole stage on its PCUs (split over the tiles) */
  computeCycles: number;
  /** bytes read from each tier (indexed like the section's tiers) */
  readBytes: readonly number[];
  /** bytes written to each tier */
  writeBytes: readonly number[];
  /** indices of earlier stages in the section whose output it reads */
  producers: readonly number[];
  /** tiles of loads its PMUs hold (at least 2: double buffering) */
  buffers: number;
}

export interface DataflowSection {
  tiers: readonly DataflowTier[];
  stages: readonly DataflowStage[];
  tiles: number;
  /** the cycle the section begins (the previous section's end) */
  startCycle: number;
}

/** A span on the timeline: a stage's tile or a tier transfer (for the Perfetto trace). */
export interface SectionSpan {
  track: string;
  name: string;
  start: number;
  end: number;
}

export interface SectionRun {
  endCycle: number;
  /** per stage: the cycle its first tile starts and its last tile ends */
  stageStart: Float64Array;
  stageEnd: Float64Array;
  /** per tier: its bytes at its full bandwidth (cycles, fractional), bytes read and written */
  tierBusyCycles: Float64Array;
  tierReadBytes: Float64Array;
  tierWriteBytes: Float64Array;
}

/** The part of X that tile t of T gets. */
export function tilePart(x: number, t: number, tiles: number): number {
  return Math.floor(((t + 1) * x) / tiles) - Math.floor((t * x) / tiles);
}

/**
 * A channel's bandwidth as a fraction num/den bytes per cycle, den a power of two: exact for the
 * bandwidths .arch files give (e.g. 1000 or 78.125 = 625/8); otherwise den grows to 2^12, and past
 * it until num reaches 2^20 (a relative error under 1e-6: a stage's small share of a tier, e.g.
 * 0.0005 B a cycle for a 512 B table beside gigabytes of weights, is not rounded to 1/4096 B a
 * cycle, which would stretch its transfers by 10%); den at most 2^40. Ticks stay below 2^53 for
 * runs of up to about 2^53 / max(4096·bw, 2^21) cycles.
 */
export function channelRate(bytesPerCycle: number): { num: number; den: number } {
  if (!(bytesPerCycle > 0) || !Number.isFinite(bytesPerCycle)) throw new Error(`a channel needs a positive finite bandwidth, got ${bytesPerCycle}`);
  let den = 1;
  const inexact = () => Math.abs(bytesPerCycle * den - Math.round(bytesPerCycle * den)) > 1e-9 * bytesPerCycle * den;
  while (den < 2 ** 40 && inexact() && (den < 1 << 12 || bytesPerCycle * den < 1 << 20)) den *= 2;
  return { num: Math.max(1, Math.round(bytesPerCycle * den)), den };
}

/** Cycles `bytes` keep a channel of `bw` bytes per cycle busy, rounded up (for reports and shares). */
export function occupancy(bytes: number, bw: number): number {
  if (bytes <= 0) return 0;
  const { num, den } = channelRate(bw);
  return Math.ceil((bytes * den) / num);
}

/** Cycles tile t of a stage computes: its share of the work, at least one. */
export function tileCycles(stage: DataflowStage, t: number, tiles: number): number {
  return Math.max(1, tilePart(stage.computeCycles, t, tiles));
}

/**
 * Each stage's channel on each tier (index s·K + k): its share of the tier's bandwidth, in proportion
 * to the bytes it reads and writes there; null where it moves none.
 */
export function stageChannels(sec: DataflowSection): ({ num: number; den: number } | null)[] {
  const K = sec.tiers.length;
  const bytes = (st: DataflowStage, k: number) => (st.readBytes[k] ?? 0) + (st.writeBytes[k] ?? 0);
  const tot = sec.tiers.map((_, k) => sec.stages.reduce((a, st) => a + bytes(st, k), 0));
  const out: ({ num: number; den: number } | null)[] = [];
  for (const st of sec.stages)
    for (let k = 0; k < K; k++) {
      const b = bytes(st, k);
      out.push(b > 0 ? channelRate((sec.tiers[k]!.bytesPerCycle * b) / tot[k]!) : null);
    }
  return out;
}

/** Runs one section; `spans` (optional) receives every tile and transfer for a trace. */
export function runSection(sec: DataflowSection, spans?: SectionSpan[]): SectionRun {
  const S = sec.stages.length;
  const T = sec.tiles;
  const K = sec.tiers.length;
  if (!(T >= 1 && Number.isInteger(T))) throw new Error(`a section needs a whole number of tiles, got ${T}`);
  const end = new Float64Array(S * T); // end[s*T + t]
  const ready = new Float64Array(S * T); // the cycle tile t's loads are usable
  const ch = stageChannels(sec);
  const free = new Float64Array(S * K); // ticks (1/num cycle) at which each stage's channel is next free
  for (let i = 0; i < S * K; i++) free[i] = sec.startCycle * (ch[i]?.num ?? 0);
  const busy = new Float64Array(K);
  const readB = new Float64Array(K);
  const writeB = new Float64Array(K);
  const stageStart = new Float64Array(S);
  const stageEnd = new Float64Array(S);
  const t0 = sec.startCycle;
  let last = t0;
  /** queues stage s's request on tier k at cycle `at`; returns the cycle it is done */
  const queue = (s: number, k: number, bytes: number, at: number, what: string): number => {
    const tier = sec.tiers[k]!;
    const { num, den } = ch[s * K + k]!;
    const begin = Math.max(at * num, free[s * K + k]!);
    free[s * K + k] = begin + bytes * den;
    busy[k] += bytes / tier.bytesPerCycle;
    const done = Math.ceil(free[s * K + k]! / num);
    last = Math.max(last, done);
    spans?.push({ track: tier.name, name: `${sec.stages[s]!.name} ${what}`, start: Math.floor(begin / num), end: done });
    return done;
  };
  const load = (s: number, t: number, at: number) => {
    let r = at;
    for (let k = 0; k < K; k++) {
      const b = tilePart(sec.stages[s]!.readBytes[k] ?? 0, t, T);
      if (b <= 0) continue;
      readB[k] += b;
      r = Math.max(r, queue(s, k, b, at, `load ${t}`) + sec.tiers[k]!.latencyCycles);
    }
    ready[s * T + t] = r;
  };
  for (let s = 0; s < S; s++) for (let t = 0; t < Math.min(T, Math.max(2, sec.stages[s]!.buffers)); t++) load(s, t, t0);
  for (let t = 0; t < T; t++) {
    for (let s = 0; s < S; s++) {
      const st = sec.stages[s]!;
      let start = Math.max(ready[s * T + t]!, t > 0 ? end[s * T + t - 1]! : t0);
      for (const p of st.producers) start = Math.max(start, end[p * T + t]!);
      const c = tileCycles(st, t, T);
      const e = start + c;
      end[s * T + t] = e;
      if (t === 0) stageStart[s] = start;
      if (t === T - 1) stageEnd[s] = e;
      last = Math.max(last, e);
      spans?.push({ track: `PCU ${st.name}`, name: `${st.name} tile ${t}`, start, end: e });
      for (let k = 0; k < K; k++) {
        const b = tilePart(st.writeBytes[k] ?? 0, t, T);
        if (b <= 0) continue;
        writeB[k] += b;
        queue(s, k, b, e, `write ${t}`);
      }
      const D = Math.max(2, st.buffers);
      if (t + D < T) load(s, t + D, e);
    }
  }
  return { endCycle: last, stageStart, stageEnd, tierBusyCycles: busy, tierReadBytes: readB, tierWriteBytes: writeB };
}
