// The energy stage: one estimator for every engine and fidelity, as Accelergy's: energy is action
// counts times per-action energies, and every per-action energy comes from the target's .arch.
//   compute  = the points each einsum visits x the energy of one point on its unit (compiler/map
//              energyPerPoint: its ops, a MAC at the einsum's operand dtype when the unit states
//              `attr mac_energy_<dtype>`, else `mac_energy`; emulated ops; register reads)
//   levels   = each level's bytes read and written (the Result's traffic) x its read/write energy
//   static   = (`attr static_power_w` of the target + each unit's `leak_energy` x its PEs) x time
// The parts of an einsum sum to its energyPj and the einsums sum to the total. An engine that models
// energy itself gives its einsums an `energy` breakdown, which is kept. A target whose .arch gives no
// energy at all reports energyPj null ("energy not modelled"), never 0; what is partly missing (a level
// without energies, a unit without a MAC energy) is named in `energyNotModelled`.
import { dtypeBytes, type DType } from '../../ir';
import { hwModel, type EinsumWorkload, type UnitModel } from '../../map';
import { energyPerPoint } from '../../map/workload';
import type { Mapping } from '../../map/mapping';
import type { EinsumResult, EnergyBreakdown, Result, Traffic } from '../../../sim/core/result';
import type { TargetSpec } from '../../../targets/spec/types';
import { UserError } from '../user-error';

interface LevelEnergy {
  read: number;
  write: number;
}

interface EnergyTable {
  levels: Map<string, LevelEnergy>;
  staticPjPerCycle: number;
  /** the .arch states at least one energy */
  modelled: boolean;
}

function attrNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The energy attributes must be numbers the estimator can use; anything else is the user's mistake. */
function checkEnergyAttrs(spec: TargetSpec): void {
  const bad = (where: string, name: string, v: unknown, what: string) =>
    new UserError(`${spec.name}${spec.file ? ` (${spec.file})` : ''}: ${where}attr ${name} = ${String(v)}: expected ${what}`);
  const w = spec.attrs['static_power_w'];
  if (w !== undefined && !(typeof w === 'number' && Number.isFinite(w) && w >= 0)) throw bad('', 'static_power_w', w, 'a power in watts, a number >= 0');
  for (const c of spec.computes)
    for (const [k, v] of Object.entries(c.attrs))
      if ((k.startsWith('mac_energy_') || k === 'leak_energy') && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw bad(`unit ${c.name}: `, k, v, 'an energy >= 0 (e.g. 0.59 pJ)');
}

function energyTable(spec: TargetSpec): EnergyTable {
  checkEnergyAttrs(spec);
  const levels = new Map<string, LevelEnergy>();
  for (const m of spec.memories) {
    if (m.readEnergyPjPerByte === undefined && m.writeEnergyPjPerByte === undefined) continue;
    const read = m.readEnergyPjPerByte ?? m.writeEnergyPjPerByte!;
    levels.set(m.name, { read, write: m.writeEnergyPjPerByte ?? read });
  }
  const watts = attrNumber(spec.attrs['static_power_w']) ?? 0;
  let leak = 0;
  for (const c of spec.computes) {
    const pes = (c.rows ?? 1) * (c.cols ?? 1) * (c.lanes ?? 1) * (c.count ?? 1);
    leak += (attrNumber(c.attrs['leak_energy']) ?? 0) * pes;
  }
  const macs = spec.computes.some((c) => c.macEnergyPj !== undefined || Object.keys(c.attrs).some((k) => k.startsWith('mac_energy')));
  return { levels, staticPjPerCycle: (watts * 1e12) / spec.clockHz + leak, modelled: levels.size > 0 || macs || watts > 0 || leak > 0 };
}

/** The widest dtype an einsum reads (its MAC runs at that precision). */
function operandDtype(w: EinsumWorkload): DType | undefined {
  let best: DType | undefined;
  for (const t of w.tensors) {
    if (t.write) continue;
    if (best === undefined || dtypeBytes(t.dtype) > dtypeBytes(best)) best = t.dtype;
  }
  return best;
}

/** Unit models with the MAC energy of one dtype (`attr mac_energy_<dtype>`), cached per dtype. */
function unitsByDtype(spec: TargetSpec): (dtype: string | undefined) => UnitModel[] {
  const cache = new Map<string, UnitModel[]>();
  return (dtype) => {
    const key = dtype ?? '';
    let units = cache.get(key);
    if (!units) {
      const computes = spec.computes.map((c) => {
        const e = dtype !== undefined ? attrNumber(c.attrs[`mac_energy_${dtype}`]) : undefined;
        return e === undefined ? c : { ...c, macEnergyPj: e };
      });
      units = hwModel({ ...spec, computes }).units;
      cache.set(key, units);
    }
    return units;
  };
}

/** Compute energy of each einsum (name -> pJ), for all the mapping's instances. */
function computeEnergies(m: Mapping, spec: TargetSpec, missing: Set<string>): Map<string, number> {
  const ws = m.workloads;
  const units = unitsByDtype(spec);
  const batch = m.batch ?? 1;
  const out = new Map<string, number>();
  for (const e of m.einsums) {
    const w = ws[e.index]!;
    const dtype = operandDtype(w);
    const u = units(dtype).find((x) => x.name === e.unit);
    const base = units(undefined).find((x) => x.name === e.unit);
    if (!u || !base) continue;
    if (!spec.computes.some((c) => c.name === e.unit && (c.macEnergyPj !== undefined || attrNumber(c.attrs['mac_energy']) !== undefined || (dtype !== undefined && attrNumber(c.attrs[`mac_energy_${dtype}`]) !== undefined)))) missing.add(`operations on ${e.unit}`);
    const epp = energyPerPoint(w, u);
    if (e.group) {
      // a fused group's member: the mapper counted its ops for the group's own instances
      const b = energyPerPoint(w, base);
      out.set(e.name, b > 0 ? (e.cost.energyPj * epp) / b : 0);
    } else out.set(e.name, w.points * batch * epp);
  }
  return out;
}

function levelEnergies(t: Traffic, table: EnergyTable, missing: Set<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [lvl, v] of Object.entries(t)) {
    const e = table.levels.get(lvl);
    if (!e) {
      if (v.readBytes + v.writeBytes > 0) missing.add(`level ${lvl}`);
      continue;
    }
    out[lvl] = v.readBytes * e.read + v.writeBytes * e.write;
  }
  return out;
}

function sumBreakdown(b: EnergyBreakdown): number {
  return b.computePj + b.staticPj + Object.values(b.levelsPj).reduce((s, x) => s + x, 0);
}

/**
 * What each Result entry is charged for: its ops, its traffic and its time. An analytic Result lists a
 * fused group's members one by one with no traffic of their own: the group's traffic and time are
 * charged to its first member, which then carries the group's traffic, on the levels where the
 * Result's total holds more than its einsums (with a schedule, the off-chip levels are already the
 * einsums' own: the schedule's moves).
 */
function entryCharges(r: Result, m: Mapping): Map<string, { compute: string[]; traffic: Traffic; latencyCycles: number }> {
  const listed = new Set(r.einsums.map((e) => e.name));
  const missing = new Set<string>();
  for (const [lvl, t] of Object.entries(r.traffic)) {
    const inEinsums = r.einsums.reduce((s, e) => s + (e.traffic[lvl]?.readBytes ?? 0) + (e.traffic[lvl]?.writeBytes ?? 0), 0);
    if (t.readBytes + t.writeBytes > inEinsums) missing.add(lvl);
  }
  const out = new Map<string, { compute: string[]; traffic: Traffic; latencyCycles: number }>();
  for (const e of r.einsums) out.set(e.name, { compute: [e.name], traffic: e.traffic, latencyCycles: e.latencyCycles });
  for (const g of m.groups) {
    const members = m.einsums.filter((e) => e.group === g.name).sort((a, b) => a.index - b.index);
    const entry = out.get(g.name);
    if (entry) entry.compute = members.map((e) => e.name);
    else if (members.length > 0 && listed.has(members[0]!.name)) {
      for (const e of members) if (out.has(e.name)) out.get(e.name)!.latencyCycles = 0;
      const first = out.get(members[0]!.name)!;
      first.traffic = { ...first.traffic, ...roundTraffic(Object.fromEntries(Object.entries(g.cost.traffic).filter(([lvl]) => missing.has(lvl)))) };
      first.latencyCycles = g.cost.latencyCycles;
    }
  }
  return out;
}

function roundTraffic(t: Record<string, { readBytes: number; writeBytes: number }>): Traffic {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { readBytes: Math.round(v.readBytes), writeBytes: Math.round(v.writeBytes) }]));
}

/** The Result with every einsum's energy, its breakdown, and the total as their sum. */
export function energyStage(r: Result, m: Mapping, spec: TargetSpec): Result {
  const table = energyTable(spec);
  if (!table.modelled) {
    return { ...r, energyPj: null, einsums: r.einsums.map((e) => ({ ...e, energyPj: null })), energyNotModelled: [`${spec.name}: no energy in the .arch`] };
  }
  const missing = new Set<string>();
  if (table.staticPjPerCycle === 0) missing.add(`static power (${spec.name} gives no attr static_power_w)`);
  const compute = computeEnergies(m, spec, missing);
  const charges = entryCharges(r, m);
  const total: EnergyBreakdown = { computePj: 0, staticPj: 0, levelsPj: {} };
  const einsums: EinsumResult[] = r.einsums.map((e) => {
    const ch = charges.get(e.name)!;
    const own = e.energy;
    const b: EnergyBreakdown = own ?? {
      computePj: ch.compute.reduce((s, n) => s + (compute.get(n) ?? 0), 0),
      staticPj: table.staticPjPerCycle * ch.latencyCycles,
      levelsPj: levelEnergies(ch.traffic, table, missing),
    };
    total.computePj += b.computePj;
    total.staticPj += b.staticPj;
    for (const [l, v] of Object.entries(b.levelsPj)) total.levelsPj[l] = (total.levelsPj[l] ?? 0) + v;
    return { ...e, traffic: ch.traffic, energyPj: sumBreakdown(b), energy: b };
  });
  return {
    ...r,
    einsums,
    energyPj: einsums.reduce((s, e) => s + e.energyPj!, 0),
    energy: total,
    ...(missing.size > 0 ? { energyNotModelled: [...missing].sort() } : {}),
  };
}
