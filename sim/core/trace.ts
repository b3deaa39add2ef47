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

/** Bytes read and written per memory tier (a Result's `traffic`). */
type TierBytes = Record<string, { readBytes: number; writeBytes: number }>;

/**
 * One op (einsum, fused group, kernel) of a cycle run, as `TraceWriter.op` draws it: a slice on the track
 * `<unit> ops` over [startCycle, startCycle + cycles), and counter samples for that interval: each tier's
 * read and write bandwidth (its bytes over the op's cycles), each on-chip tier's occupancy where the mapping
 * states it, and, given busy PE-cycles and PE counts, each unit's utilisation.
 */
export interface OpTrace {
  name: string;
  unit: string;
  startCycle: number;
  cycles: number;
  traffic: TierBytes;
  busyPeCycles?: Record<string, number>;
  unitPes?: Record<string, number>;
  /** bytes each on-chip tier holds while the op runs (the mapper's global-buffer footprint) */
  occupancyBytes?: Record<string, number>;
}

/** The track an op slice lies on: one per unit, so a unit's slices never overlap. */
export const opTrack = (unit: string): string => `${unit} ops`;
/** The counter track of a tier's bandwidth. */
export const bandwidthCounter = (tier: string): string => `${tier} bandwidth (B/cycle)`;
/** The counter track of a tier's occupancy (bytes held). */
export const occupancyCounter = (tier: string): string => `${tier} occupancy (bytes)`;
/** The counter track of a unit's utilisation over time. */
export const utilisationCounter = (unit: string): string => `${unit} utilisation`;

export class TraceWriter {
  private readonly events: TraceEvent[] = [];
  private readonly tracks = new Map<string, number>();
  private readonly usPerCycle: number;
  private readonly maxEvents: number;
  private dropped = 0;
  private spans = 0;
  private processName: string;
  private opSlices = 0;
  /** per counter track: the cycle its last sample ends and its series, to close it with zeros */
  private readonly open = new Map<string, { end: number; keys: string[] }>();

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

  /** Names the Perfetto process (the target and workload a run is of). */
  setProcessName(name: string): void {
    this.processName = name;
  }

  /** How many op slices `op` has drawn: zero when an engine has not traced its ops. */
  get opCount(): number {
    return this.opSlices;
  }

  /** A counter sample held over [start, end): the track falls back to zero after it unless a sample follows at once. */
  private sample(name: string, start: number, end: number, values: Record<string, number>): void {
    const prev = this.open.get(name);
    if (prev && prev.end < start) this.counter(name, prev.end, Object.fromEntries(prev.keys.map((k) => [k, 0])));
    this.counter(name, start, values);
    this.open.set(name, { end, keys: Object.keys(values) });
  }

  /** One op of a cycle run: its slice, and its tiers' bandwidth and its units' utilisation as counter samples. */
  op(o: OpTrace): void {
    if (o.cycles <= 0) return;
    const end = o.startCycle + o.cycles;
    this.opSlices++;
    this.span(opTrack(o.unit), o.name, o.startCycle, end, { cycles: o.cycles });
    for (const [tier, b] of Object.entries(o.traffic)) {
      this.sample(bandwidthCounter(tier), o.startCycle, end, { read: b.readBytes / o.cycles, write: b.writeBytes / o.cycles });
    }
    for (const [tier, bytes] of Object.entries(o.occupancyBytes ?? {})) this.sample(occupancyCounter(tier), o.startCycle, end, { bytes });
    for (const [unit, busy] of Object.entries(o.busyPeCycles ?? {})) {
      const pes = o.unitPes?.[unit];
      if (pes) this.sample(utilisationCounter(unit), o.startCycle, end, { busy: Math.min(1, busy / (pes * o.cycles)) });
    }
  }

  /**
   * For an engine that does not trace its ops: the Result's einsums as op slices laid back to back from
   * cycle 0 (where the engine runs them in sequence, they sum to its latency), with their bandwidth, and
   * each unit's utilisation over the whole run (the Result has no finer figure).
   */
  resultOps(r: { latencyCycles: number; utilization: Record<string, number>; einsums: readonly { name: string; unit: string; latencyCycles: number; traffic: TierBytes }[] }): void {
    let start = 0;
    for (const e of r.einsums) {
      this.op({ name: e.name, unit: e.unit, startCycle: start, cycles: e.latencyCycles, traffic: e.traffic });
      start += e.latencyCycles;
    }
    if (r.latencyCycles > 0) for (const [unit, f] of Object.entries(r.utilization)) this.sample(utilisationCounter(unit), 0, r.latencyCycles, { busy: f });
  }

  /** Closes every counter track with a zero sample where its last op ends. */
  private closeCounters(): void {
    for (const [name, c] of this.open) this.counter(name, c.end, Object.fromEntries(c.keys.map((k) => [k, 0])));
    this.open.clear();
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
    this.closeCounters();
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
