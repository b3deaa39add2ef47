// The SN40L dataflow engine: the per-tile section engine (level 2, sim/dataflow/section.ts) agrees
// exactly with the per-cycle reference (level 3, sim/dataflow/reference.ts) on every small section
// fast-check draws, and both agree with cycle counts worked out by hand.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelRate, referenceSection, runSection, shareUnits, type DataflowSection } from '../../sim/dataflow';

const one = (bw: number, latency = 0) => [{ name: 'HBM', bytesPerCycle: bw, latencyCycles: latency }];

describe('hand-worked sections', () => {
  it('one stage, 4 tiles, 100 B per tile at 10 B/cycle, 3 cycles of compute per tile: load-bound', () => {
    // loads of tiles 0,1 at 0: done at 10, 20; tile 0 computes 10..13; the load of tile 2 is issued
    // at 13 but the channel is busy until 20, so it runs 20..30, tile 3's (issued at 23) 30..40.
    // Tiles compute 10-13, 20-23, 30-33, 40-43: the section ends at 43.
    const sec: DataflowSection = { tiers: one(10), stages: [{ name: 'A', computeCycles: 12, readBytes: [400], writeBytes: [0], producers: [], buffers: 2 }], tiles: 4, startCycle: 0 };
    expect(runSection(sec).endCycle).toBe(43);
    expect(referenceSection(sec).endCycle).toBe(43);
  });

  it('two streaming stages: the consumer trails the producer by one tile', () => {
    // no loads; A takes 5 cycles a tile, B 2 and needs A's same tile: A ends tiles at 5,10,15;
    // B runs 5-7, 10-12, 15-17
    const sec: DataflowSection = {
      tiers: one(1),
      stages: [
        { name: 'A', computeCycles: 15, readBytes: [0], writeBytes: [0], producers: [], buffers: 2 },
        { name: 'B', computeCycles: 6, readBytes: [0], writeBytes: [0], producers: [0], buffers: 2 },
      ],
      tiles: 3,
      startCycle: 100,
    };
    const r = runSection(sec);
    expect(r.endCycle).toBe(117);
    expect([...r.stageStart]).toEqual([100, 105]);
    expect(referenceSection(sec).endCycle).toBe(117);
  });

  it('a fractional bandwidth shares cycles between requests: 78.125 B/cycle = 625/8', () => {
    expect(channelRate(78.125)).toEqual({ num: 625, den: 8 });
    expect(channelRate(1000)).toEqual({ num: 1000, den: 1 });
    // two tiles of 100 B: 100·8 = 800 ticks each; 1600 ticks end in cycle 3 (1600/625 = 2.56)
    // so the second load is done at 3 and its tile (1 cycle) ends at 4
    const sec: DataflowSection = { tiers: one(78.125), stages: [{ name: 'A', computeCycles: 2, readBytes: [200], writeBytes: [0], producers: [], buffers: 2 }], tiles: 2, startCycle: 0 };
    expect(runSection(sec).endCycle).toBe(4);
    expect(referenceSection(sec).endCycle).toBe(4);
  });

  it('PCU shares follow the work, at least one each, never above what the mapping uses', () => {
    expect(shareUnits([300, 100, 0], [1000, 1000, 1000], 8)).toEqual([5, 2, 1]);
    expect(shareUnits([300, 100], [2, 1000], 8)).toEqual([2, 6]);
    expect(shareUnits([1, 1], [1, 1], 8)).toEqual([1, 1]);
  });
});

const rates = [1, 3, 2.5, 78.125, 1000];
const sectionArb = fc
  .record({
    tiers: fc.integer({ min: 1, max: 2 }),
    stages: fc.integer({ min: 1, max: 4 }),
    tiles: fc.integer({ min: 1, max: 7 }),
    start: fc.integer({ min: 0, max: 20 }),
    seed: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  })
  .map(({ tiers, stages, tiles, start, seed }): DataflowSection => {
    let i = 0;
    const next = (n: number) => seed[i++ % seed.length]! % n;
    return {
      tiers: [...Array(tiers).keys()].map((k) => ({ name: `T${k}`, bytesPerCycle: rates[next(rates.length)]!, latencyCycles: next(4) })),
      stages: [...Array(stages).keys()].map((s) => ({
        name: `S${s}`,
        computeCycles: next(60),
        readBytes: [...Array(tiers).keys()].map(() => (next(3) === 0 ? 0 : next(400))),
        writeBytes: [...Array(tiers).keys()].map(() => (next(2) === 0 ? 0 : next(200))),
        producers: [...Array(s).keys()].filter(() => next(2) === 0),
        buffers: 2 + next(3),
      })),
      tiles,
      startCycle: start,
    };
  });

describe('level 2 (per tile) = level 3 (per cycle), exactly', () => {
  it('on random small sections: end, every stage start and end, bytes per tier', () => {
    fc.assert(
      fc.property(sectionArb, (sec) => {
        const fast = runSection(sec);
        const ref = referenceSection(sec);
        expect(fast.endCycle).toBe(ref.endCycle);
        expect([...fast.stageStart]).toEqual(ref.stageStart);
        expect([...fast.stageEnd]).toEqual(ref.stageEnd);
        expect([...fast.tierReadBytes]).toEqual(ref.tierReadBytes);
        expect([...fast.tierWriteBytes]).toEqual(ref.tierWriteBytes);
      }),
      { numRuns: 300, seed: 14 },
    );
  });
});
