// A trace cut for size says so, in the file (otherData) and in the notice the driver prints on stderr;
// a complete one says nothing. Counter samples and the process name are Perfetto events of their own.
import { describe, expect, it } from 'vitest';
import { TraceWriter } from '../../sim/core/trace';

describe('TraceWriter truncation and tracks', () => {
  it('a complete trace is marked complete and has no notice', () => {
    const t = new TraceWriter({ maxEvents: 10 });
    t.span('array', 'fold', 0, 4);
    const j = t.toJSON();
    expect(j.otherData).toMatchObject({ truncated: false, droppedEvents: 0 });
    expect(j.otherData.note).toBeUndefined();
    expect(t.truncationNotice('t.json')).toBeUndefined();
  });

  it('a cut trace counts every dropped span and counter sample and says so in the file and the notice', () => {
    const t = new TraceWriter({ maxEvents: 3 });
    for (let i = 0; i < 5; i++) t.span('array', `fold ${i}`, i * 10, i * 10 + 5);
    t.counter('DRAM bandwidth (B/cycle)', 0, { read: 64 });
    const j = t.toJSON();
    // 5 spans + 1 counter offered, 3 kept: 3 dropped
    expect(j.traceEvents.filter((e) => e.ph === 'X')).toHaveLength(3);
    expect(j.traceEvents.filter((e) => e.ph === 'C')).toHaveLength(0);
    expect(j.otherData).toMatchObject({ truncated: true, droppedEvents: 3 });
    expect(String(j.otherData.note)).toContain('3 later ones dropped');
    expect(t.truncationNotice('t.json')).toMatch(/^warning: trace t\.json cut for size: kept the first 3 events, dropped 3/);
  });

  it('writes counter samples in µs of the clock and names the process', () => {
    const t = new TraceWriter({ clockHz: 1e9, processName: 'tpu-v1 cycle' });
    t.counter('GLB occupancy (bytes)', 2000, { used: 4096 });
    const j = JSON.parse(JSON.stringify(t.toJSON()));
    expect(j.traceEvents).toContainEqual(expect.objectContaining({ ph: 'C', name: 'GLB occupancy (bytes)', ts: 2, args: { used: 4096 } }));
    expect(j.traceEvents).toContainEqual(expect.objectContaining({ ph: 'M', name: 'process_name', args: { name: 'tpu-v1 cycle' } }));
  });
});
