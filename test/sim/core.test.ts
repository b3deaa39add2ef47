// sim/core: event ordering, in-order units, statistics, and the Chrome-trace JSON shape.
import { describe, expect, it } from 'vitest';
import { EventQueue, InOrderUnit, Stats, TraceWriter, fraction } from '../../sim/core';
import { BandwidthChannel, BankedSram } from '../../sim/memory';

describe('EventQueue', () => {
  it('runs events by cycle, same-cycle events in scheduling order, and lets handlers schedule more', () => {
    const q = new EventQueue();
    const log: string[] = [];
    q.schedule(5, (c) => log.push(`a@${c}`));
    q.schedule(2, (c) => {
      log.push(`b@${c}`);
      q.schedule(5, (d) => log.push(`c@${d}`));
    });
    q.schedule(2, (c) => log.push(`d@${c}`));
    expect(q.run()).toBe(5);
    expect(log).toEqual(['b@2', 'd@2', 'a@5', 'c@5']);
    expect(q.processedEvents).toBe(4);
    expect(() => q.schedule(1, () => {})).toThrow(/past/);
  });
  it('keeps order over many random events', () => {
    const q = new EventQueue();
    const seen: number[] = [];
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      q.schedule(x % 1000, (c) => seen.push(c));
    }
    q.run();
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });
});

describe('InOrderUnit, Stats', () => {
  it('serialises tasks and counts busy cycles', () => {
    const u = new InOrderUnit('u');
    expect(u.submit(3, 4)).toEqual({ startCycle: 3, endCycle: 7 });
    expect(u.submit(0, 2)).toEqual({ startCycle: 7, endCycle: 9 });
    expect(u.busyCycles).toBe(6);
    const s = new Stats();
    s.add('b', 2);
    s.add('a', 1);
    s.max('m', 3);
    s.max('m', 1);
    expect(JSON.stringify(s)).toBe('{"a":1,"b":2,"m":3}');
    expect(fraction(1, 0)).toBe(0);
    expect(fraction(3, 4)).toBe(0.75);
  });
});

describe('memory models', () => {
  it('DRAM channel: FIFO occupancy ceil(bytes / B) plus latency', () => {
    const d = new BandwidthChannel({ name: 'DRAM', kind: 'dram', bytesPerCycle: 4, latencyCycles: 10 });
    expect(d.request(0, 10, 'read')).toMatchObject({ startCycle: 0, doneCycle: 13 }); // 3 cycles + 10
    expect(d.request(1, 4, 'write')).toMatchObject({ startCycle: 3, doneCycle: 14 });
    expect([d.readBytes, d.writeBytes, d.busyCycles]).toEqual([10, 4, 4]);
  });
  it('HBM pseudo-channels stripe a transfer', () => {
    const h = new BandwidthChannel({ name: 'HBM', kind: 'hbm', bytesPerCycle: 2, latencyCycles: 0, channels: 4 });
    expect(h.request(0, 64, 'read').doneCycle).toBe(8); // 16 B per channel at 2 B/cycle
  });
  it('banked SRAM: bandwidth = banks × width, residency by capacity', () => {
    const s = new BankedSram({ name: 'S', capacityBytes: 1000, banks: 4, bankWidthBytes: 8 });
    expect(s.accessCycles(100)).toBe(4);
    expect(s.holds(1000)).toBe(true);
    expect(s.holds(1001)).toBe(false);
    expect(s.activeBytes).toBe(500);
  });
});

describe('TraceWriter', () => {
  it('writes Chrome trace events (µs from the clock) with thread names', () => {
    const t = new TraceWriter({ clockHz: 1e9, maxEvents: 2 });
    t.span('array', 'fold', 1000, 3000, { k: 1 });
    t.span('DRAM', 'read', 0, 500);
    t.span('DRAM', 'empty', 7, 7);
    t.span('array', 'late', 5000, 6000);
    const j = t.toJSON();
    const x = j.traceEvents.filter((e) => e.ph === 'X');
    expect(x.map((e) => e.name)).toEqual(['fold', 'read']);
    expect(x[0]).toMatchObject({ name: 'fold', ts: 1, dur: 2, args: { startCycle: 1000, endCycle: 3000, k: 1 } });
    expect(t.eventCount).toBe(2);
    expect(t.droppedEvents).toBe(1);
    expect(JSON.parse(JSON.stringify(j)).traceEvents[0]).toMatchObject({ ph: 'M', name: 'thread_name', args: { name: 'array' } });
  });
});
