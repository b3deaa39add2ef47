// Chrome trace / Perfetto JSON writer (the "Trace Event Format": complete events ph 'X', counters ph 'C',
// process and thread names ph 'M'). A trace cut for size says so: otherData.truncated and .droppedEvents
// in the file, and `truncationNotice()` for the driver to print on stderr.
// Timestamps in that format are microseconds; we convert cycles with the clock so the Perfetto
// timeline reads in real time, and keep the cycle numbers in each event's args.

interface TraceEvent {
  name: string;
  cat: string;
  ph: 'X' | 'M' | 'C' | 's' | 'f';
  id?: number;
  bp?: 'e';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

export interface TraceOptions {
  /** Clock used to turn cycles into microseconds; without it one cycle is drawn as 1 µs. */
  clockHz?: number;
  /** Stop recording after this many spans and counter samples (a long run would otherwise make a huge file). */
  maxEvents?: number;
  /** The Perfetto process name (default 'tessera sim'). */
  processName?: string;
}

export class TraceWriter {
  private readonly events: TraceEvent[] = [];
  private readonly tracks = new Map<string, number>();
  private readonly usPerCycle: number;
  private readonly maxEvents: number;
  private dropped = 0;
  private spans = 0;
  private readonly processName: string;

  constructor(opts: TraceOptions = {}) {
    this.usPerCycle = opts.clockHz ? 1e6 / opts.clockHz : 1;
    this.maxEvents = opts.maxEvents ?? 200_000;
    this.processName = opts.processName ?? 'tessera sim';
  }

  /** False (and the event counted as dropped) once the cap is reached. */
  private admit(): boolean {
    if (this.spans >= this.maxEvents) {
      this.dropped++;
      return false;
    }
    this.spans++;
    return true;
  }

  /**
   * A counter sample from `cycle` on: Perfetto draws one counter track per `name` (e.g. 'DRAM bandwidth
   * (B/cycle)', 'GLB occupancy (bytes)'), each series in `values` a line on it.
   */
  counter(name: string, cycle: number, values: Record<string, number>): void {
    if (!this.admit()) return;
    this.events.push({ name, cat: 'counter', ph: 'C', ts: cycle * this.usPerCycle, pid: 1, tid: 0, args: values });
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

  /** An arrow from `fromTrack` at `fromCycle` to `toTrack` at `toCycle` (a spill, a reload): a Perfetto flow. */
  flow(name: string, fromTrack: string, fromCycle: number, toTrack: string, toCycle: number): void {
    if (!this.admit()) return;
    const id = this.spans;
    this.events.push({ name, cat: 'flow', ph: 's', id, ts: fromCycle * this.usPerCycle, pid: 1, tid: this.track(fromTrack) });
    this.events.push({ name, cat: 'flow', ph: 'f', bp: 'e', id, ts: toCycle * this.usPerCycle, pid: 1, tid: this.track(toTrack) });
  }

  /** One interval [startCycle, endCycle) on a track. Zero-length intervals are skipped. */
  span(track: string, name: string, startCycle: number, endCycle: number, args?: Record<string, unknown>): void {
    if (endCycle <= startCycle) return;
    if (!this.admit()) return;
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
      traceEvents: [...this.events, { name: 'process_name', cat: '__metadata', ph: 'M', ts: 0, pid: 1, tid: 0, args: { name: this.processName } }],
      displayTimeUnit: 'ns',
      otherData: {
        producer: 'tessera sim',
        droppedEvents: this.dropped,
        truncated: this.dropped > 0,
        ...(this.dropped > 0 ? { note: `cut for size: the first ${this.maxEvents} events are kept, ${this.dropped} later ones dropped` } : {}),
      },
    };
  }

  /** What to print on stderr when the trace was cut (undefined when it is complete). */
  truncationNotice(file: string): string | undefined {
    if (this.dropped === 0) return undefined;
    return `warning: trace ${file} cut for size: kept the first ${this.maxEvents} events, dropped ${this.dropped} later ones (the file says so in otherData)\n`;
  }

  /** The trace file's text (the driver writes it: see compiler/driver/output.ts). */
  text(): string {
    return JSON.stringify(this.toJSON()) + '\n';
  }
}
