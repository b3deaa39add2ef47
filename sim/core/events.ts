// A discrete-event engine: callbacks scheduled at integer cycles, run in (cycle, insertion) order.
// Engines that can compute a fold or a tile analytically use it to order the few events between
// units (a transfer finishing, a unit becoming free); nothing here runs per PE or per cycle.

export type EventHandler = (cycle: number) => void;

/** Binary min-heap over (cycle, seq); seq keeps same-cycle events in the order they were scheduled. */
export class EventQueue {
  private cycles: number[] = [];
  private seqs: number[] = [];
  private handlers: EventHandler[] = [];
  private nextSeq = 0;
  private nowCycle = 0;
  private processed = 0;

  get now(): number {
    return this.nowCycle;
  }

  get size(): number {
    return this.cycles.length;
  }

  get processedEvents(): number {
    return this.processed;
  }

  schedule(cycle: number, handler: EventHandler): void {
    if (!Number.isInteger(cycle)) throw new Error(`event cycle must be an integer, got ${cycle}`);
    if (cycle < this.nowCycle) throw new Error(`cannot schedule an event in the past (${cycle} < ${this.nowCycle})`);
    this.cycles.push(cycle);
    this.seqs.push(this.nextSeq++);
    this.handlers.push(handler);
    this.siftUp(this.cycles.length - 1);
  }

  /** Runs events until none remain (or until `untilCycle`, inclusive). Returns the last event's cycle. */
  run(untilCycle = Infinity): number {
    while (this.cycles.length > 0 && this.cycles[0]! <= untilCycle) {
      const cycle = this.cycles[0]!;
      const handler = this.handlers[0]!;
      this.pop();
      this.nowCycle = cycle;
      this.processed++;
      handler(cycle);
    }
    return this.nowCycle;
  }

  private less(a: number, b: number): boolean {
    const ca = this.cycles[a]!;
    const cb = this.cycles[b]!;
    return ca < cb || (ca === cb && this.seqs[a]! < this.seqs[b]!);
  }

  private swap(a: number, b: number): void {
    [this.cycles[a], this.cycles[b]] = [this.cycles[b]!, this.cycles[a]!];
    [this.seqs[a], this.seqs[b]] = [this.seqs[b]!, this.seqs[a]!];
    [this.handlers[a], this.handlers[b]] = [this.handlers[b]!, this.handlers[a]!];
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private pop(): void {
    const last = this.cycles.length - 1;
    this.swap(0, last);
    this.cycles.pop();
    this.seqs.pop();
    this.handlers.pop();
    let i = 0;
    const n = this.cycles.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}

/**
 * A unit that executes one task at a time, in the order tasks are submitted (in-order issue).
 * `submit` returns the task's start and end cycles given the cycle its inputs are ready.
 */
export class InOrderUnit {
  private freeAtCycle = 0;
  busyCycles = 0;

  constructor(readonly name: string) {}

  get freeAt(): number {
    return this.freeAtCycle;
  }

  submit(readyCycle: number, durationCycles: number): { startCycle: number; endCycle: number } {
    const startCycle = Math.max(readyCycle, this.freeAtCycle);
    const endCycle = startCycle + durationCycles;
    this.freeAtCycle = endCycle;
    this.busyCycles += durationCycles;
    return { startCycle, endCycle };
  }
}
