// The independent schedule checker. It replays a schedule event by event and knows nothing of how the
// schedule was made (ILP, baseline or divide and conquer). Every schedule Tessera produces passes through it,
// and its replay is also what counts the traffic at every tier.
import { homeTiers } from './tiers';
import type { OpGraph, Schedule, TierChain, TierTraffic, TrafficSummary } from './types';

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
  const v: Violation[] = [];
  const K = chain.tiers.length;
  const T = g.tensors.length;
  const name = (t: number) => g.tensors[t]?.name ?? `#${t}`;
  const add = (rule: CheckRule, step: number, message: string, t?: number) => v.push({ rule, step, ...(t !== undefined ? { tensor: name(t) } : {}), message });
  // each input, parameter and output has its home tier (the chain's home, or further out when that is full)
  let homes: Int32Array;
  try {
    homes = homeTiers(g, chain);
  } catch (e) {
    add('capacity', 0, (e as Error).message);
    homes = new Int32Array(T).fill(chain.homeTier);
  }

  // ---- order: a permutation of the operators
  const seenOp = new Uint8Array(g.ops.length);
  for (let i = 0; i < s.steps.length; i++) {
    const op = s.steps[i]!.op;
    if (!(op >= 0 && op < g.ops.length) || seenOp[op]) add('order', i, `step ${i} runs operator ${op}, which is out of range or already ran`);
    else seenOp[op] = 1;
  }
  if (s.steps.length !== g.ops.length) add('order', s.steps.length, `the schedule has ${s.steps.length} steps for ${g.ops.length} operators`);

  // ---- replay
  const inSram = new Uint8Array(T);
  const copies: Uint8Array[] = Array.from({ length: K }, () => new Uint8Array(T));
  const created = new Uint8Array(T);
  const loadedOnce = new Uint8Array(T);
  const writtenHome = new Uint8Array(T);
  for (let t = 0; t < T; t++) {
    const k = g.tensors[t]!.kind;
    if (k === 'input' || k === 'param') {
      copies[homes[t]!]![t] = 1;
      created[t] = 1;
    }
  }
  const stayStart = new Int32Array(T).fill(-1);
  const stays: Stay[] = [];
  const perTier: TierTraffic[] = chain.tiers.map((tier) => ({ tier: tier.name, readBytes: 0, writeBytes: 0, compulsoryReadBytes: 0, compulsoryWriteBytes: 0 }));
  let nonCompulsoryBytes = 0;
  let compulsoryBytes = 0;
  let nonCompulsoryCost = 0;
  let peakSram = 0;
  const sramBytes = () => {
    let b = 0;
    for (let t = 0; t < T; t++) if (inSram[t]) b += g.tensors[t]!.bytes;
    return b;
  };
  const tierBytes = (k: number) => {
    let b = 0;
    for (let t = 0; t < T; t++) if (copies[k]![t]) b += g.tensors[t]!.bytes;
    return b;
  };

  s.steps.forEach((st, i) => {
    for (const { tensor: t, tier: k } of st.loads) {
      if (!(k >= 1 && k < K)) {
        add('bad-event', i, `load of ${name(t)} from tier ${k}, which is not an outer tier`, t);
        continue;
      }
      if (inSram[t]) {
        add('bad-event', i, `load of ${name(t)}, which is already in SRAM`, t);
        continue;
      }
      if (!copies[k]![t]) {
        add('reload-without-spill', i, `load of ${name(t)} from ${chain.tiers[k]!.name}, which holds no copy (no earlier spill)`, t);
        continue;
      }
      inSram[t] = 1;
      stayStart[t] = i;
      const b = g.tensors[t]!.bytes;
      const tr = perTier[k]!;
      tr.readBytes += b;
      const kind = g.tensors[t]!.kind;
      if (!loadedOnce[t] && k === homes[t] && (kind === 'input' || kind === 'param')) {
        tr.compulsoryReadBytes += b;
        compulsoryBytes += b;
      } else {
        nonCompulsoryBytes += b;
        nonCompulsoryCost += b * chain.tiers[k]!.costPerByte;
      }
      loadedOnce[t] = 1;
    }
    const op = g.ops[st.op];
    if (op) {
      for (const t of op.inputs) if (!created[t]) add('order', i, `${op.name} runs at step ${i} before ${name(t)}, which it reads, is produced`, t);
      for (const t of op.inputs) if (!inSram[t]) add('not-resident', i, `${op.name} reads ${name(t)}, which is not in SRAM`, t);
      for (const t of op.outputs) {
        if (created[t]) add('bad-event', i, `${op.name} writes ${name(t)}, which already exists`, t);
        created[t] = 1;
        if (!inSram[t]) {
          inSram[t] = 1;
          stayStart[t] = i;
        }
      }
    }
    const used = sramBytes();
    peakSram = Math.max(peakSram, used);
    if (used > chain.tiers[0]!.capacityBytes) add('capacity', i, `SRAM holds ${used} bytes at step ${i}; its capacity is ${chain.tiers[0]!.capacityBytes}`);
    for (const { tensor: t, tier: k } of st.spills) {
      if (!(k >= 1 && k < K) || !inSram[t] || copies[k]![t]) {
        add('bad-event', i, `spill of ${name(t)} to tier ${k}: the tensor is not in SRAM, the tier is not an outer tier, or it already holds a copy`, t);
        continue;
      }
      copies[k]![t] = 1;
      const b = g.tensors[t]!.bytes;
      const tr = perTier[k]!;
      tr.writeBytes += b;
      if (g.tensors[t]!.kind === 'output' && k === homes[t] && !writtenHome[t]) {
        writtenHome[t] = 1;
        tr.compulsoryWriteBytes += b;
        compulsoryBytes += b;
      } else {
        nonCompulsoryBytes += b;
        nonCompulsoryCost += b * chain.tiers[k]!.costPerByte;
      }
    }
    for (let k = 1; k < K; k++) {
      const b = tierBytes(k);
      if (b > chain.tiers[k]!.capacityBytes) add('capacity', i, `${chain.tiers[k]!.name} holds ${b} bytes at step ${i}; its capacity is ${chain.tiers[k]!.capacityBytes}`);
    }
    for (const t of st.frees) {
      if (!inSram[t]) {
        add('bad-event', i, `free of ${name(t)}, which is not in SRAM`, t);
        continue;
      }
      inSram[t] = 0;
      stays.push({ tensor: t, start: stayStart[t]!, end: i });
    }
    for (const { tensor: t, tier: k } of st.drops) {
      if (!(k >= 1 && k < K) || !copies[k]![t]) add('bad-event', i, `drop of ${name(t)} from tier ${k}, which holds no copy`, t);
      else copies[k]![t] = 0;
    }
  });
  const last = s.steps.length - 1;
  for (let t = 0; t < T; t++) if (inSram[t]) stays.push({ tensor: t, start: stayStart[t]!, end: last });
  for (let t = 0; t < T; t++) if (g.tensors[t]!.kind === 'output' && !writtenHome[t]) add('output-not-home', last, `output ${name(t)} is never written to ${chain.tiers[homes[t]!]!.name}, its home tier`, t);

  checkAddresses(g, chain.tiers[0]!.capacityBytes, stays, s, add);

  return {
    ok: v.length === 0,
    violations: v,
    traffic: { perTier, nonCompulsoryBytes, compulsoryBytes, nonCompulsoryCost, peakSramBytes: peakSram },
  };
}

function checkAddresses(g: OpGraph, capacity: number, stays: Stay[], s: Schedule, add: (r: CheckRule, step: number, m: string, t?: number) => void) {
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
