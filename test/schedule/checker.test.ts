// The checker on hand-made schedules: one valid schedule, then one broken copy for each rule.
import { describe, expect, it } from 'vitest';
import { checkSchedule, type Schedule } from '../../compiler/schedule';
import { chainGraph, threeTier, twoTier } from './fixtures';

/** Chain graph at 60 bytes, nothing spilled: x|a|b at steps 0-1, a|b|c at step 2, a|c|y at step 3. */
function valid(): Schedule {
  return {
    graph: 'chain',
    steps: [
      { op: 0, loads: [{ tensor: 0, tier: 1 }], spills: [], frees: [0], drops: [] },
      { op: 1, loads: [], spills: [], frees: [], drops: [] },
      { op: 2, loads: [], spills: [], frees: [2], drops: [] },
      { op: 3, loads: [], spills: [{ tensor: 4, tier: 1 }], frees: [1, 3, 4], drops: [] },
    ],
    placements: [
      { tensor: 0, start: 0, end: 0, offsetBytes: 40 },
      { tensor: 1, start: 0, end: 3, offsetBytes: 0 },
      { tensor: 2, start: 1, end: 2, offsetBytes: 20 },
      { tensor: 3, start: 2, end: 3, offsetBytes: 40 },
      { tensor: 4, start: 3, end: 3, offsetBytes: 20 },
    ],
  };
}

/** Chain graph at 50 bytes: a spilled after B and reloaded for D. */
function validWithSpill(): Schedule {
  return {
    graph: 'chain',
    steps: [
      { op: 0, loads: [{ tensor: 0, tier: 1 }], spills: [], frees: [0], drops: [] },
      { op: 1, loads: [], spills: [{ tensor: 1, tier: 1 }], frees: [1], drops: [] },
      { op: 2, loads: [], spills: [], frees: [2], drops: [] },
      { op: 3, loads: [{ tensor: 1, tier: 1 }], spills: [{ tensor: 4, tier: 1 }], frees: [1, 3, 4], drops: [{ tensor: 1, tier: 1 }] },
    ],
    placements: [
      { tensor: 0, start: 0, end: 0, offsetBytes: 20 },
      { tensor: 1, start: 0, end: 1, offsetBytes: 0 },
      { tensor: 2, start: 1, end: 2, offsetBytes: 20 },
      { tensor: 3, start: 2, end: 3, offsetBytes: 0 },
      { tensor: 1, start: 3, end: 3, offsetBytes: 20 },
      { tensor: 4, start: 3, end: 3, offsetBytes: 40 },
    ],
  };
}

const rules = (s: Schedule, sram = 60, chain = twoTier(sram)) => new Set(checkSchedule(chainGraph(), chain, s).violations.map((v) => v.rule));

describe('schedule checker', () => {
  it('accepts valid schedules and counts their traffic', () => {
    const a = checkSchedule(chainGraph(), twoTier(60), valid());
    expect(a.violations).toEqual([]);
    // compulsory: x read once (10), y written once (10); nothing else moves
    expect(a.traffic.compulsoryBytes).toBe(20);
    expect(a.traffic.nonCompulsoryBytes).toBe(0);
    expect(a.traffic.peakSramBytes).toBe(60);
    const b = checkSchedule(chainGraph(), twoTier(50), validWithSpill());
    expect(b.violations).toEqual([]);
    // a spilled (20 written) and reloaded (20 read)
    expect(b.traffic.nonCompulsoryBytes).toBe(40);
    expect(b.traffic.perTier[1]).toEqual({ tier: 'HBM', readBytes: 30, writeBytes: 30, compulsoryReadBytes: 10, compulsoryWriteBytes: 10 });
  });

  it('rejects a step where SRAM is over capacity', () => {
    expect(rules(valid(), 55)).toContain('capacity');
  });

  it('rejects an outer tier over capacity', () => {
    // HBM holds x (home copy, 10) and then the spilled a (20): 30 bytes in a 25-byte HBM
    expect(rules(validWithSpill(), 50, threeTier(50, 25))).toContain('capacity');
    expect(rules(validWithSpill(), 50, threeTier(50, 40))).toEqual(new Set());
  });

  it('rejects an operator whose input is not resident', () => {
    const s = valid();
    s.steps[0]!.loads = [];
    s.steps[0]!.frees = [];
    s.placements.shift();
    expect(rules(s)).toContain('not-resident');
  });

  it('rejects overlapping addresses', () => {
    const s = valid();
    s.placements[2]!.offsetBytes = 10; // b over a's [0, 20)
    expect(rules(s)).toEqual(new Set(['address-overlap']));
  });

  it('rejects an address range that leaves SRAM, and a stay with no placement', () => {
    const s = valid();
    s.placements[3]!.offsetBytes = 45; // c: [45, 65) in 60 bytes
    expect(rules(s)).toContain('address-bounds');
    const t = valid();
    t.placements.pop();
    expect(rules(t)).toContain('address-bounds');
  });

  it('rejects a reload with no earlier spill', () => {
    const s = validWithSpill();
    s.steps[1]!.spills = [];
    expect(rules(s, 50)).toContain('reload-without-spill');
  });

  it('rejects events on the wrong state: loading a resident tensor', () => {
    const s = valid();
    s.steps[1]!.loads = [{ tensor: 1, tier: 1 }];
    expect(rules(s)).toContain('bad-event');
  });

  it('rejects an output that never reaches its home tier', () => {
    const s = valid();
    s.steps[3]!.spills = [];
    expect(rules(s)).toEqual(new Set(['output-not-home']));
  });

  it('rejects an operator order that runs a reader before its producer, or repeats an operator', () => {
    const s = valid();
    [s.steps[1]!.op, s.steps[2]!.op] = [s.steps[2]!.op, s.steps[1]!.op];
    expect(rules(s)).toContain('order');
    const t = valid();
    t.steps[1]!.op = 0;
    expect(rules(t)).toContain('order');
  });
});
