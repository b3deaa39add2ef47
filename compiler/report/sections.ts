// The sections of a report, one builder per result kind. Each returns tables and charts built from
// the result's own JSON (and, for a run, the cascade and target when they can be found, for the roofline).
import type { Cascade } from '../ir';
import { formatBytes, formatEnergy, formatSeconds } from '../ir/units-format';
import { analyzeCascade } from '../analysis';
import { hwModel } from '../map';
import type { TargetSpec } from '../../targets/spec/types';
import { addressMap, gantt, predictedVsMeasured, roofline, stackedBars, tierBars, type Chart } from './charts';

export interface Section {
  title: string;
  /** label/value rows shown as a table above the charts */
  facts: [string, string][];
  charts: Chart[];
  /** plain notes (what is absent and why) */
  notes: string[];
}

type Obj = Record<string, unknown>;
type Traffic = Record<string, { readBytes: number; writeBytes: number }>;
type EinsumRow = { name: string; unit: string; latencyCycles: number; energyPj: number | null; traffic: Traffic; energy?: { computePj: number; staticPj: number; levelsPj: Record<string, number> } };

/** A run's Result: totals, latency and energy per einsum, bytes per tier, the roofline. */
export function runSection(r: Obj, extra: { cascade?: Cascade; spec?: TargetSpec; why?: string }, id: string): Section {
  const einsums = r.einsums as EinsumRow[];
  const clockHz = (r.latencyCycles as number) > 0 ? (r.latencyCycles as number) / (r.latencySeconds as number) : 1;
  const facts: [string, string][] = [
    ['target', `${String(r.target)} (${String(r.fidelity)})`],
    ['workload', String(r.workload)],
    ['latency', `${(r.latencyCycles as number).toLocaleString('en-US')} cycles = ${formatSeconds(r.latencySeconds as number)}`],
    ['energy', r.energyPj === null ? 'energy not modelled' : formatEnergy(r.energyPj as number)],
    ['einsums', String(einsums.length)],
    ['warnings', String((r.warnings as string[]).length)],
  ];
  const shown = topEinsums(einsums);
  const latency = shown.map((e) => ({ einsum: e.name, unit: e.unit, latency: (e.latencyCycles / clockHz) * 1e6 }));
  const energy = shown.flatMap((e) => (e.energy ? [['compute', e.energy.computePj], ['static', e.energy.staticPj], ...Object.entries(e.energy.levelsPj)] : []).map(([part, pj]) => ({ einsum: e.name, part: String(part), energy: (pj as number) / 1e6 })));
  const traffic = Object.entries(r.traffic as Traffic).flatMap(([tier, t]) => [{ tier, direction: 'read', bytes: t.readBytes }, { tier, direction: 'write', bytes: t.writeBytes }]);
  const charts: Chart[] = [
    stackedBars(`${id}-latency`, 'Latency per einsum', `Each bar is one einsum on the unit that ran it${shown.length < einsums.length ? ' (or, marked ×N, the same einsum summed over N layers; or the rest summed in one bar)' : ''}: the longest bars are where the time goes.`, latency, { item: 'einsum', part: 'unit', value: 'latency', unit: 'µs' }),
    tierBars(`${id}-traffic`, 'Bytes moved per memory tier', 'Reads and writes at each level of the hierarchy, over the whole run.', traffic),
  ];
  const notes: string[] = [];
  if (energy.length) charts.splice(1, 0, stackedBars(`${id}-energy`, 'Energy per einsum', 'Each bar splits an einsum\'s energy into compute, static power and each memory tier.', energy, { item: 'einsum', part: 'part', value: 'energy', unit: 'µJ' }));
  else notes.push('No energy chart: the target has no energy data (energy not modelled).');
  const roof = extra.cascade && extra.spec ? rooflineChart(`${id}-roofline`, r, einsums, extra.cascade, extra.spec, clockHz) : undefined;
  if (roof) charts.push(roof);
  else notes.push(`No roofline: ${extra.why ?? 'no einsum moves off-chip bytes (everything stays on chip)'}.`);
  if (r.fidelity === 'cycle') notes.push('Unit utilisation over time needs a trace: run with --trace and open it in Perfetto (ui.perfetto.dev).');
  return { title: `Run: ${String(r.workload)} on ${String(r.target)}`, facts, charts, notes };
}

/** Most einsums a bar chart shows one by one; the rest are summed into one bar. */
const TOP = 40;

/**
 * What the bar charts show of a large cascade: the einsums of a lowered model grouped across layers
 * (`L0_GATE` … `L31_GATE` become one bar `L*_GATE ×32`) when that leaves at most TOP bars; else the
 * TOP longest einsums in program order and one bar summing the rest.
 */
function topEinsums(einsums: EinsumRow[]): EinsumRow[] {
  if (einsums.length <= TOP) return einsums;
  const groups = new Map<string, EinsumRow[]>();
  for (const e of einsums) {
    const key = e.name.replace(/^L\d+_/, 'L*_');
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  if (groups.size <= TOP) return [...groups].map(([key, es]) => summed(es.length > 1 ? `${key} ×${es.length}` : es[0]!.name, es));
  const keep = new Set([...einsums].sort((a, b) => b.latencyCycles - a.latencyCycles).slice(0, TOP).map((e) => e.name));
  const rest = einsums.filter((e) => !keep.has(e.name));
  return [...einsums.filter((e) => keep.has(e.name)), summed(`other (${rest.length} einsums)`, rest)];
}

/** One row standing for several einsums: latencies and energy parts summed. */
function summed(name: string, es: EinsumRow[]): EinsumRow {
  if (es.length === 1) return { ...es[0]!, name };
  const sum = (f: (e: EinsumRow) => number) => es.reduce((s, e) => s + f(e), 0);
  const levels: Record<string, number> = {};
  for (const e of es) for (const [l, pj] of Object.entries(e.energy?.levelsPj ?? {})) levels[l] = (levels[l] ?? 0) + pj;
  const units = [...new Set(es.map((e) => e.unit))];
  return {
    name, unit: units.length === 1 ? units[0]! : 'several', latencyCycles: sum((e) => e.latencyCycles), energyPj: null, traffic: {},
    ...(es.some((e) => e.energy) ? { energy: { computePj: sum((e) => e.energy?.computePj ?? 0), staticPj: sum((e) => e.energy?.staticPj ?? 0), levelsPj: levels } } : {}),
  };
}

function rooflineChart(id: string, r: Obj, einsums: EinsumRow[], c: Cascade, spec: TargetSpec, clockHz: number): Chart | undefined {
  const hw = hwModel(spec);
  const peak = Math.max(...hw.units.map((u) => u.pes * 2 * hw.clockHz));
  const flops = new Map(analyzeCascade(c).einsums.map((e) => [e.name, e.flops]));
  const backing = hw.levels[hw.dram]!.name;
  const tiers = hw.levels.filter((l) => Number.isFinite(l.bytesPerCycle)).map((l) => ({ name: l.name, bw: l.bytesPerCycle * l.instances * hw.clockHz }));
  const xs = [1e-2, 1e4];
  const roofs = tiers.flatMap((t) => xs.map((x) => ({ roof: `${t.name} ${formatBytes(t.bw)}/s`, intensity: x, flops: Math.min(peak, x * t.bw) })));
  roofs.push(...xs.map((x) => ({ roof: `peak ${(peak / 1e12).toPrecision(3)} TFLOP/s`, intensity: x, flops: peak })));
  const offBw = tiers.find((t) => t.name === backing)?.bw;
  const points = einsums.flatMap((e) => {
    const f = flops.get(e.name) ?? 0;
    const t = e.traffic[backing];
    const bytes = t ? t.readBytes + t.writeBytes : 0;
    const seconds = e.latencyCycles / clockHz;
    if (!(f > 0) || !(bytes > 0) || !(seconds > 0)) return [];
    const intensity = f / bytes;
    return [{ einsum: e.name, intensity, flops: f / seconds, bound: offBw !== undefined && intensity < peak / offBw ? `memory (${backing})` : 'compute' }];
  });
  if (points.length === 0) return undefined;
  return roofline(id, `Roofline of ${String(r.target)}`, `Each point is an einsum with off-chip traffic, at its FLOPs per ${backing} byte and its achieved FLOP/s; dashed lines are the roofs.`, points, roofs);
}

type Placement = { tensor: string; start: number; end: number; offsetBytes: number };
type Step = { step: number; op: string; loads: string[]; spills: string[] };

/** An ILP schedule: residency per tier (Gantt), the SRAM address map, spills and reloads. */
export function scheduleSection(s: Obj, id: string): Section {
  const sched = s.schedule as { steps: Step[]; placements: Placement[] };
  const sizes = new Map(((s.tensors as { name: string; bytes: number }[] | undefined) ?? []).map((t) => [t.name, t.bytes]));
  const sram = (s.tiers as { name: string }[])[0]!.name;
  const stays = sched.placements.map((p) => ({ tensor: p.tensor, tier: sram, start: p.start, end: p.end + 1, bytes: sizes.get(p.tensor) ?? null }));
  const events = sched.steps.flatMap((st) => [
    ...st.spills.map((x) => ({ tensor: x.split(' ')[0]!, event: 'spill', step: st.step })),
    ...st.loads.map((x) => ({ tensor: x.split(' ')[0]!, event: 'reload', step: st.step })),
  ]);
  const map = sched.placements.filter((p) => sizes.has(p.tensor)).map((p) => ({ tensor: p.tensor, start: p.start, end: p.end + 1, offset: p.offsetBytes, top: p.offsetBytes + sizes.get(p.tensor)!, bytes: sizes.get(p.tensor)! }));
  const traffic = (s.traffic as { perTier: { tier: string; readBytes: number; writeBytes: number }[] }).perTier.flatMap((t) => [{ tier: t.tier, direction: 'read', bytes: t.readBytes }, { tier: t.tier, direction: 'write', bytes: t.writeBytes }]);
  const facts: [string, string][] = [
    ['graph', String(s.graph)],
    ['method', `${String(s.method)} (${String(s.source)}), status ${String(s.status)}`],
    ['tiers', (s.tiers as { name: string; capacityBytes: number }[]).map((t) => `${t.name} ${formatBytes(t.capacityBytes)}`).join(' ⇄ ')],
    ['SRAM budget', formatBytes((s.budget as { bytes: number }).bytes)],
    ['reduction vs best baseline', s.reductionVsBestBaseline === null || s.reductionVsBestBaseline === undefined ? 'n/a' : `${((s.reductionVsBestBaseline as number) * 100).toFixed(1)}%`],
  ];
  const charts = [
    gantt(`${id}-gantt`, `Tensor residency in ${sram}`, 'One bar per stay of a tensor in on-chip memory; red ticks are spills, green ticks reloads.', stays, events),
    tierBars(`${id}-traffic`, 'Bytes moved per tier', 'The schedule\'s transfers at each tier.', traffic),
  ];
  const notes: string[] = [];
  if (map.length) charts.splice(1, 0, addressMap(`${id}-addresses`, `${sram} address map over time`, 'Each rectangle is a tensor held at an address range for a range of steps: gaps are free memory.', map));
  else notes.push('No address map: this schedule JSON has no tensor sizes (made by an older Tessera).');
  return { title: `Schedule: ${String(s.graph)}`, facts, charts, notes };
}

type Point = { id: string; family: string; split: string; measuredSeconds: number; modelSeconds: number; rooflineSeconds: number };
type Stats = { points: number; mape: number; maxError: number; pearson: number; spearman: number };

/** A GPU validation: predicted against measured, per-family errors beside the roofline's. */
export function validationSection(v: Obj, id: string): Section {
  const pts = v.points as Point[];
  const rows = pts.map((p) => ({ id: p.id, family: p.family, split: p.split, measured: p.measuredSeconds, predicted: p.modelSeconds, roofline: p.rooflineSeconds, error: p.modelSeconds / p.measuredSeconds - 1 }));
  const held = v.heldOut as { model: Stats; roofline: Stats };
  const m = v.measurements as { synthetic?: boolean; files?: { file: string; kind: string; gpu: string }[] };
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const facts: [string, string][] = [
    ['data', (m.files ?? []).map((f) => `${f.file} (${f.kind}, ${f.gpu})`).join('; ')],
    ['held-out MAPE', `${pct(held.model.mape)} (roofline ${pct(held.roofline.mape)})`],
    ['held-out max error', `${pct(held.model.maxError)} (roofline ${pct(held.roofline.maxError)})`],
    ['held-out Spearman', `${held.model.spearman.toFixed(4)} (roofline ${held.roofline.spearman.toFixed(4)})`],
    ...((v.byFamily as { family: string; model: Stats; roofline: Stats }[]).map((f) => [`MAPE ${f.family}`, `${pct(f.model.mape)} over ${f.model.points} (roofline ${pct(f.roofline.mape)})`] as [string, string])),
  ];
  const notes = m.synthetic ? ['SYNTHETIC DATA: these measurements come from a formula, not from a GPU.'] : [];
  const chart = predictedVsMeasured(`${id}-pvm`, 'Predicted against measured', 'Points inside the shaded band are within ±10%; shape says whether a point was used for calibration or held out.', rows);
  return { title: `GPU validation: ${String((v.hardware as { name?: string })?.name ?? '')}`, facts, charts: [chart], notes };
}
