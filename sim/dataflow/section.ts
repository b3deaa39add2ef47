// A pipelined section of a dataflow chip (SambaNova SN40L, Prabhakar et al., arXiv 2405.07518): the
// compiler places several operators on the chip at once, each on its own PCUs with its buffers in
// its own PMUs, and tiles stream from one operator to the next while every operator's operands
// stream in from the off-chip tiers (HBM, DDR). This is the level-2 (per tile) engine.
//
// The model, in integer cycles, for a section of S stages split into T tiles each:
//   - a stage's work and bytes are split evenly over the T tiles (tile t gets
//     floor((t+1)·X/T) − floor(t·X/T)); a tile takes at least one cycle;
//   - each tier has a read channel and a write channel, each serving its requests first in, first
//     out, in the static order the compiler programs its DMA: tile by tile, and within a tile in
//     stage order (writes never hold up loads; a tier that is read and written at once is
//     therefore up to twice as fast as its bandwidth: an optimistic bound, and decode writes are a
//     few bytes a token). A channel moves bw bytes a cycle and a request may start in the middle
//     of a cycle where the one before it ended (bw is held as a fraction num/den, so time on the
//     channel is counted exactly, in ticks of 1/num cycle: a byte takes den ticks); a request is
//     done at the end of the cycle its last byte moves in, and a load's data is usable `latency`
//     cycles after that;
//   - a stage's PMUs hold D ≥ 2 tiles of its loads (`buffers`): the load of tile t is issued when
//     the stage finishes tile t−D, which frees its buffer (tiles 0..D−1 at the section's start);
//     a tile's write is issued when it finishes;
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
  /** per tier: cycles its channel was busy (fractional), bytes read and written */
  tierBusyCycles: Float64Array;
  tierReadBytes: Float64Array;
  tierWriteBytes: Float64Array;
}

/** The part of X that tile t of T gets. */
export function tilePart(x: number, t: number, tiles: number): number {
  return Math.floor(((t + 1) * x) / tiles) - Math.floor((t * x) / tiles);
}

/**
 * A channel's bandwidth as a fraction num/den bytes per cycle (den a power of two up to 2^20; exact
 * for the bandwidths .arch files give, e.g. 1000 or 78.125 = 625/8, and within 1e-6 otherwise).
 */
export function channelRate(bytesPerCycle: number): { num: number; den: number } {
  if (!(bytesPerCycle > 0) || !Number.isFinite(bytesPerCycle)) throw new Error(`a channel needs a positive finite bandwidth, got ${bytesPerCycle}`);
  let den = 1;
  while (den < 1 << 20 && Math.abs(bytesPerCycle * den - Math.round(bytesPerCycle * den)) > 1e-9 * bytesPerCycle * den) den *= 2;
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

/** Runs one section; `spans` (optional) receives every tile and transfer for a trace. */
export function runSection(sec: DataflowSection, spans?: SectionSpan[]): SectionRun {
  const S = sec.stages.length;
  const T = sec.tiles;
  const K = sec.tiers.length;
  if (!(T >= 1 && Number.isInteger(T))) throw new Error(`a section needs a whole number of tiles, got ${T}`);
  const end = new Float64Array(S * T); // end[s*T + t]
  const rate = sec.tiers.map((x) => channelRate(x.bytesPerCycle));
  const free = new Float64Array(K); // ticks (1/num cycle) at which each read channel is next free
  const wfree = new Float64Array(K); // the same for each write channel
  for (let k = 0; k < K; k++) free[k] = wfree[k] = sec.startCycle * rate[k]!.num;
  const busy = new Float64Array(K);
  const readB = new Float64Array(K);
  const writeB = new Float64Array(K);
  const stageStart = new Float64Array(S);
  const stageEnd = new Float64Array(S);
  const t0 = sec.startCycle;
  for (let t = 0; t < T; t++) {
    for (let s = 0; s < S; s++) {
      const st = sec.stages[s]!;
      const D = Math.max(2, st.buffers);
      const issue = t >= D ? end[s * T + t - D]! : t0;
      let ready = issue;
      for (let k = 0; k < K; k++) {
        const b = tilePart(st.readBytes[k] ?? 0, t, T);
        if (b <= 0) continue;
        const tier = sec.tiers[k]!;
        const { num, den } = rate[k]!;
        const begin = Math.max(issue * num, free[k]!);
        free[k] = begin + b * den;
        busy[k] += (b * den) / num;
        readB[k] += b;
        const done = Math.ceil(free[k]! / num);
        ready = Math.max(ready, done + tier.latencyCycles);
        spans?.push({ track: tier.name, name: `${st.name} load ${t}`, start: Math.floor(begin / num), end: done });
      }
      let start = Math.max(ready, t > 0 ? end[s * T + t - 1]! : t0);
      for (const p of st.producers) start = Math.max(start, end[p * T + t]!);
      const c = tileCycles(st, t, T);
      end[s * T + t] = start + c;
      if (t === 0) stageStart[s] = start;
      if (t === T - 1) stageEnd[s] = start + c;
      spans?.push({ track: `PCU ${st.name}`, name: `${st.name} tile ${t}`, start, end: start + c });
    }
    for (let s = 0; s < S; s++) {
      const st = sec.stages[s]!;
      for (let k = 0; k < K; k++) {
        const b = tilePart(st.writeBytes[k] ?? 0, t, T);
        if (b <= 0) continue;
        const tier = sec.tiers[k]!;
        const { num, den } = rate[k]!;
        const begin = Math.max(end[s * T + t]! * num, wfree[k]!);
        wfree[k] = begin + b * den;
        busy[k] += (b * den) / num;
        writeB[k] += b;
        spans?.push({ track: `${tier.name} write`, name: `${st.name} write ${t}`, start: Math.floor(begin / num), end: Math.ceil(wfree[k]! / num) });
      }
    }
  }
  let last = t0;
  for (let s = 0; s < S; s++) last = Math.max(last, stageEnd[s]!);
  for (let k = 0; k < K; k++) last = Math.max(last, Math.ceil(free[k]! / rate[k]!.num), Math.ceil(wfree[k]! / rate[k]!.num));
  return { endCycle: last, stageStart, stageEnd, tierBusyCycles: busy, tierReadBytes: readB, tierWriteBytes: writeB };
}
