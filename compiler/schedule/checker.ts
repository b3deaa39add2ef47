// The independent schedule checker. It replays a schedule event by event and knows nothing of how the
// schedule was made (ILP, baseline or divide and conquer). Every schedule Tessera produces passes through it,
// and its replay is also what counts the traffic at every tier.
import { homeTiers } from './tiers';
import type { OpGraph, Schedule, ScheduleStep, TierChain, TierTraffic, TrafficSummary } from './types';

export type CheckRule =
  | 'order' // the steps are not a permutation of the operators, or an operator runs before an input is produced
  | 'capacity' // a tier holds more bytes than it has
  | 'not-resident' // an operator's input is not in SRAM when it runs
  | 'address-overlap' // two SRAM stays that overlap in time overlap in addresses
  | 'address-bounds' // a stay's address range leaves SRAM, or a stay has no placement
  | 'reload-without-spill' // a load from a tier that holds no copy of the tensor
  | 'bad-event' // a load of a resident tensor, a spill or free of one that is not resident, a second creation
  | 'output-not-home'; // a graph output never reaches the home tier

export interface Violation {
  rule: CheckRule;
  step: number;
  tensor?: string;
  message: string;
}

export interface CheckResult {
  ok: boolean;
  violations: Violation[];
  traffic: TrafficSummary;
}

interface Stay {
  tensor: number;
  start: number;
  end: number;
}

export function checkSchedule(g: OpGraph, chain: TierChain, s: Schedule): CheckResult {
  const r = new Replay(g, chain);
  r.checkOrder(s);
  s.steps.forEach((st, i) => r.step(st, i));
  return r.finish(s);
}

type Add = (rule: CheckRule, step: number, message: string, t?: number) => void;

/** The checker's replay: which tensors are in SRAM and which outer tiers hold copies, and the traffic so far. */
class Replay {
  readonly violations: Violation[] = [];
  private readonly K: number;
  private readonly T: number;
  private readonly homes: Int32Array;
  private readonly inSram: Uint8Array;
  private readonly copies: Uint8Array[];
  private readonly created: Uint8Array;
  private readonly loadedOnce: Uint8Array;
  private readonly writtenHome: Uint8Array;
  private readonly stayStart: Int32Array;
  private readonly stays: Stay[] = [];
  private readonly perTier: TierTraffic[];
  private nonCompulsoryBytes = 0;
  private compulsoryBytes = 0;
  private nonCompulsoryCost = 0;
  private peakSram = 0;
  readonly add: Add = (rule, step, message, t) => this.violations.push({ rule, step, ...(t !== undefined ? { tensor: this.name(t) } : {}), message });

  constructor(
    private readonly g: OpGraph,
    private readonly chain: TierChain,
  ) {
    this.K = chain.tiers.length;
    this.T = g.tensors.length;
    // each input, parameter and output has its home tier (the chain's home, or further out when that is full)
    try {
      this.homes = homeTiers(g, chain);
    } catch (e) {
      this.add('capacity', 0, (e as Error).message);
      this.homes = new Int32Array(this.T).fill(chain.homeTier);
    }
    this.inSram = new Uint8Array(this.T);
    this.copies = Array.from({ length: this.K }, () => new Uint8Array(this.T));
    this.created = new Uint8Array(this.T);
    this.loadedOnce = new Uint8Array(this.T);
    this.writtenHome = new Uint8Array(this.T);
    this.stayStart = new Int32Array(this.T).fill(-1);
    for (let t = 0; t < this.T; t++) {
      const k = g.tensors[t]!.kind;
      if (k === 'input' || k === 'param') {
        this.copies[this.homes[t]!]![t] = 1;
        this.created[t] = 1;
      }
    }
    this.perTier = chain.tiers.map((tier) => ({ tier: tier.name, readBytes: 0, writeBytes: 0, compulsoryReadBytes: 0, compulsoryWriteBytes: 0 }));
  }

  private name(t: number): string {
    return this.g.tensors[t]?.name ?? `#${t}`;
  }

  /** The steps are a permutation of the operators. */
  checkOrder(s: Schedule): void {
    const seenOp = new Uint8Array(this.g.ops.length);
    for (let i = 0; i < s.steps.length; i++) {
      const op = s.steps[i]!.op;
      if (!(op >= 0 && op < this.g.ops.length) || seenOp[op]) this.add('order', i, `step ${i} runs operator ${op}, which is out of range or already ran`);
      else seenOp[op] = 1;
    }
    if (s.steps.length !== this.g.ops.length) this.add('order', s.steps.length, `the schedule has ${s.steps.length} steps for ${this.g.ops.length} operators`);
  }

  private sum(has: Uint8Array): number {
    let b = 0;
    for (let t = 0; t < this.T; t++) if (has[t]) b += this.g.tensors[t]!.bytes;
    return b;
  }

  /** Counts b bytes moved at tier k, compulsory (a first read of an input from its home, a first write of an output home) or not. */
  private count(k: number, b: number, compulsory: boolean): void {
    if (compulsory) this.compulsoryBytes += b;
    else {
      this.nonCompulsoryBytes += b;
      this.nonCompulsoryCost += b * this.chain.tiers[k]!.costPerByte;
    }
  }

  step(st: ScheduleStep, i: number): void {
    for (const { tensor: t, tier: k } of st.loads) this.load(t, k, i);
    this.runOp(st.op, i);
    for (const { tensor: t, tier: k } of st.spills) this.spill(t, k, i);
    for (let k = 1; k < this.K; k++) {
      const b = this.sum(this.copies[k]!);
      if (b > this.chain.tiers[k]!.capacityBytes) this.add('capacity', i, `${this.chain.tiers[k]!.name} holds ${b} bytes at step ${i}; its capacity is ${this.chain.tiers[k]!.capacityBytes}`);
    }
    for (const t of st.frees) {
      if (!this.inSram[t]) {
        this.add('bad-event', i, `free of ${this.name(t)}, which is not in SRAM`, t);
        continue;
      }
      this.inSram[t] = 0;
      this.stays.push({ tensor: t, start: this.stayStart[t]!, end: i });
    }
    for (const { tensor: t, tier: k } of st.drops) {
      if (!(k >= 1 && k < this.K) || !this.copies[k]![t]) this.add('bad-event', i, `drop of ${this.name(t)} from tier ${k}, which holds no copy`, t);
      else this.copies[k]![t] = 0;
    }
  }

  private load(t: number, k: number, i: number): void {
    if (!(k >= 1 && k < this.K)) return void this.add('bad-event', i, `load of ${this.name(t)} from tier ${k}, which is not an outer tier`, t);
    if (this.inSram[t]) return void this.add('bad-event', i, `load of ${this.name(t)}, which is already in SRAM`, t);
    if (!this.copies[k]![t]) return void this.add('reload-without-spill', i, `load of ${this.name(t)} from ${this.chain.tiers[k]!.name}, which holds no copy (no earlier spill)`, t);
    this.inSram[t] = 1;
    this.stayStart[t] = i;
    const b = this.g.tensors[t]!.bytes;
    const tr = this.perTier[k]!;
    tr.readBytes += b;
    const kind = this.g.tensors[t]!.kind;
    const compulsory = !this.loadedOnce[t] && k === this.homes[t] && (kind === 'input' || kind === 'param');
    if (compulsory) tr.compulsoryReadBytes += b;
    this.count(k, b, compulsory);
    this.loadedOnce[t] = 1;
  }

  private runOp(o: number, i: number): void {
    const op = this.g.ops[o];
    if (op) {
      for (const t of op.inputs) if (!this.created[t]) this.add('order', i, `${op.name} runs at step ${i} before ${this.name(t)}, which it reads, is produced`, t);
      for (const t of op.inputs) if (!this.inSram[t]) this.add('not-resident', i, `${op.name} reads ${this.name(t)}, which is not in SRAM`, t);
      for (const t of op.outputs) {
        if (this.created[t]) this.add('bad-event', i, `${op.name} writes ${this.name(t)}, which already exists`, t);
        this.created[t] = 1;
        if (!this.inSram[t]) {
          this.inSram[t] = 1;
          this.stayStart[t] = i;
        }
      }
    }
    const used = this.sum(this.inSram);
    this.peakSram = Math.max(this.peakSram, used);
    const cap = this.chain.tiers[0]!.capacityBytes;
    if (used > cap) this.add('capacity', i, `SRAM holds ${used} bytes at step ${i}; its capacity is ${cap}`);
  }

  private spill(t: number, k: number, i: number): void {
    if (!(k >= 1 && k < this.K) || !this.inSram[t] || this.copies[k]![t])
      return void this.add('bad-event', i, `spill of ${this.name(t)} to tier ${k}: the tensor is not in SRAM, the tier is not an outer tier, or it already holds a copy`, t);
    this.copies[k]![t] = 1;
    const b = this.g.tensors[t]!.bytes;
    const tr = this.perTier[k]!;
    tr.writeBytes += b;
    const compulsory = this.g.tensors[t]!.kind === 'output' && k === this.homes[t] && !this.writtenHome[t];
    if (compulsory) {
      this.writtenHome[t] = 1;
      tr.compulsoryWriteBytes += b;
    }
    this.count(k, b, compulsory);
  }

  finish(s: Schedule): CheckResult {
    const last = s.steps.length - 1;
    for (let t = 0; t < this.T; t++) if (this.inSram[t]) this.stays.push({ tensor: t, start: this.stayStart[t]!, end: last });
    for (let t = 0; t < this.T; t++)
      if (this.g.tensors[t]!.kind === 'output' && !this.writtenHome[t]) this.add('output-not-home', last, `output ${this.name(t)} is never written to ${this.chain.tiers[this.homes[t]!]!.name}, its home tier`, t);
    checkAddresses(this.g, this.chain.tiers[0]!.capacityBytes, this.stays, s, this.add);
    const { perTier, nonCompulsoryBytes, compulsoryBytes, nonCompulsoryCost, peakSram } = this;
    return { ok: this.violations.length === 0, violations: this.violations, traffic: { perTier, nonCompulsoryBytes, compulsoryBytes, nonCompulsoryCost, peakSramBytes: peakSram } };
  }
}

function checkAddresses(g: OpGraph, capacity: number, stays: Stay[], s: Schedule, add: Add) {
  const placed: { tensor: number; start: number; end: number; lo: number; hi: number }[] = [];
  for (const st of stays) {
    const p = s.placements.find((q) => q.tensor === st.tensor && q.start <= st.start && q.end >= st.end);
    const b = g.tensors[st.tensor]!.bytes;
    if (!p) {
      add('address-bounds', st.start, `${g.tensors[st.tensor]!.name} is in SRAM at steps ${st.start}..${st.end} with no placement`, st.tensor);
      continue;
    }
    if (p.offsetBytes < 0 || p.offsetBytes + b > capacity) add('address-bounds', st.start, `${g.tensors[st.tensor]!.name} at offset ${p.offsetBytes} (+${b} bytes) leaves SRAM (${capacity} bytes)`, st.tensor);
    placed.push({ tensor: st.tensor, start: st.start, end: st.end, lo: p.offsetBytes, hi: p.offsetBytes + b });
  }
  placed.sort((a, b) => a.start - b.start || a.lo - b.lo);
  for (let i = 0; i < placed.length; i++) {
    const a = placed[i]!;
    for (let j = i + 1; j < placed.length && placed[j]!.start <= a.end; j++) {
      const b = placed[j]!;
      if (a.lo < b.hi && b.lo < a.hi && a.hi > a.lo && b.hi > b.lo)
        add('address-overlap', b.start, `${g.tensors[a.tensor]!.name} [${a.lo}, ${a.hi}) and ${g.tensors[b.tensor]!.name} [${b.lo}, ${b.hi}) overlap while both are in SRAM (steps ${b.start}..${Math.min(a.end, b.end)})`, b.tensor);
    }
  }
}

/** Per-tier traffic of a schedule as the simulators consume it: level -> {readBytes, writeBytes}. */
export function trafficByTier(t: TrafficSummary): Record<string, { readBytes: number; writeBytes: number }> {
  const out: Record<string, { readBytes: number; writeBytes: number }> = {};
  for (const x of t.perTier.slice(1)) out[x.tier] = { readBytes: x.readBytes, writeBytes: x.writeBytes };
  return out;
}
