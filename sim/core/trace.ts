// Chrome trace / Perfetto JSON writer (the "Trace Event Format": complete events, ph 'X').
// Timestamps in that format are microseconds; we convert cycles with the clock so the Perfetto
// timeline reads in real time, and keep the cycle numbers in each event's args.

interface TraceEvent {
  name: string;
  cat: string;
  ph: 'X' | 'M' | 'C';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

export interface TraceOptions {
  /** Clock used to turn cycles into microseconds; without it one cycle is drawn as 1 µs. */
  clockHz?: number;
  /** Stop recording after this many spans (a long run would otherwise make a huge file). */
  maxEvents?: number;
}

export class TraceWriter {
  private readonly events: TraceEvent[] = [];
  private readonly tracks = new Map<string, number>();
  private readonly usPerCycle: number;
  private readonly maxEvents: number;
  private dropped = 0;
  private spans = 0;

  constructor(opts: TraceOptions = {}) {
    this.usPerCycle = opts.clockHz ? 1e6 / opts.clockHz : 1;
    this.maxEvents = opts.maxEvents ?? 200_000;
  }

  /** A track (Perfetto "thread") per unit: array, DRAM channel, SRAM, ... */
  private track(name: string): number {
    let tid = this.tracks.get(name);
    if (tid === undefined) {
      tid = this.tracks.size + 1;
      this.tracks.set(name, tid);
      this.events.push({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid: 1, tid, args: { name } });
    }
    return tid;
  }

  /** One interval [startCycle, endCycle) on a track. Zero-length intervals are skipped. */
  span(track: string, name: string, startCycle: number, endCycle: number, args?: Record<string, unknown>): void {
    if (endCycle <= startCycle) return;
    if (this.spans >= this.maxEvents) {
      this.dropped++;
      return;
    }
    this.spans++;
    const ev: TraceEvent = {
      name,
      cat: track,
      ph: 'X',
      ts: startCycle * this.usPerCycle,
      dur: (endCycle - startCycle) * this.usPerCycle,
      pid: 1,
      tid: this.track(track),
      args: { startCycle, endCycle, ...args },
    };
    this.events.push(ev);
  }

  get eventCount(): number {
    return this.spans;
  }

  get droppedEvents(): number {
    return this.dropped;
  }

  toJSON(): { traceEvents: TraceEvent[]; displayTimeUnit: 'ns'; otherData: Record<string, unknown> } {
    return {
      traceEvents: this.events,
      displayTimeUnit: 'ns',
      otherData: { producer: 'tessera sim', droppedEvents: this.dropped },
    };
  }

  /** The trace file's text (the driver writes it: see compiler/driver/output.ts). */
  text(): string {
    return JSON.stringify(this.toJSON()) + '\n';
  }
}
