// A sweep's section of a report: the Pareto front over latency, energy and (when the targets state
// one) area, with every point's parameters in its tooltip, and each metric against each swept
// parameter. Rows come from the sweep's DuckDB file (compiler/sweep/db.ts); the front from
// compiler/sweep/pareto.ts, the one definition of dominance.
import { formatBytes, formatEnergy, formatSeconds } from '../ir/units-format';
import { UserError } from '../driver/user-error';
import { paretoFront } from '../sweep/pareto';
import type { Row } from '../sweep/types';
import { metricByParameter, paretoScatter, type Chart } from './charts';
import type { Section } from './sections';

/** The metrics a sweep report draws: the chart field (its unit; the column times `scale`), the database column, how a column value reads. */
const METRICS = [
  { key: 'latency', field: 'latency (s)', column: 'latency_seconds', scale: 1, log: true, format: formatSeconds },
  { key: 'energy', field: 'energy (J)', column: 'energy_pj', scale: 1e-12, log: true, format: formatEnergy },
  { key: 'area', field: 'area (mm²)', column: 'area_mm2', scale: 1, log: false, format: (v: number) => `${v} mm²` },
  { key: 'utilization', field: 'utilization', column: 'utilization', scale: 1, log: false, format: (v: number) => `${(v * 100).toFixed(1)}%` },
  { key: 'offchip', field: 'off-chip bytes', column: 'offchip_bytes', scale: 1, log: true, format: formatBytes },
  { key: 'onchip_bytes', field: 'on-chip bytes', column: 'onchip_bytes', scale: 1, log: true, format: formatBytes },
] as const;
type Metric = (typeof METRICS)[number];

/** Most front points listed one by one in the section's table. */
const FRONT_LISTED = 12;

type Params = Record<string, string | number>;
const parsed = new WeakMap<Row, Params>();
/**
 * A point's coordinates: its target, workload and fidelity (a sweep may vary them too; they count as
 * swept only when they take more than one value) and its target parameters.
 */
const paramsOf = (r: Row): Params => parsed.get(r) ?? parsed.set(r, { target: r.target, workload: r.workload, fidelity: r.fidelity, ...(JSON.parse(r.params) as Params) }).get(r)!;
const present = (rows: readonly Row[], m: Metric): boolean => rows.some((r) => r[m.column] !== null);
/** A parameter's field name in the chart data (vega-lite reads dots and brackets as paths). */
const paramField = (name: string): string => `param ${name.replace(/[.[\]\\]/g, '_')}`;

export interface SweepDoc {
  rows: Row[];
  meta: Record<string, string>;
}

/** The swept parameters, in the order the spec names them, with their values in enumeration order. */
export function sweptParameters(rows: readonly Row[]): { name: string; values: (string | number)[] }[] {
  const values = new Map<string, (string | number)[]>();
  for (const r of rows)
    for (const [k, v] of Object.entries(paramsOf(r))) {
      const vs = values.get(k) ?? values.set(k, []).get(k)!;
      if (!vs.includes(v)) vs.push(v);
    }
  return [...values].filter(([, vs]) => vs.length > 1).map(([name, vs]) => ({ name, values: vs }));
}

/** The metric names `--pareto` takes. */
export const PARETO_METRICS = METRICS.map((m) => m.key);

/**
 * Which metrics the Pareto chart uses: those asked for (x, y and optionally a third, drawn as each
 * point's size), else latency × energy with area as the size when any point has one (on-chip bytes otherwise).
 */
function paretoAxes(ok: readonly Row[], asked?: readonly string[]): { x: Metric; y: Metric; size: Metric | undefined; names: string[] } {
  const byKey = (k: string): Metric => METRICS.find((m) => m.key === k)!;
  let [x, y, size]: (Metric | undefined)[] = asked ? asked.map(byKey) : [];
  if (!asked) {
    const [lat, en, area, , , onchip] = METRICS;
    x = lat;
    y = present(ok, en) ? en : present(ok, area) ? area : onchip;
    size = y !== area && present(ok, area) ? area : y !== onchip && present(ok, onchip) ? onchip : undefined;
  }
  for (const m of [x!, y!, ...(size ? [size] : [])])
    if (!present(ok, m)) throw new UserError(`--pareto: no finished point of this sweep has ${m.key}${m.key === 'area' ? ' (no target states an area: attr area_mm2 in its .arch)' : ''}; choose other metrics`);
  return { x: x!, y: y!, size, names: [x!.key, y!.key, ...(size ? [size.key] : [])] };
}

/** Checks a `--pareto x,y[,z]` value: two or three known, distinct metrics. */
export function parseParetoMetrics(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const ms = v.split(',').map((s) => s.trim());
  const bad = ms.filter((m) => !PARETO_METRICS.includes(m as Metric['key']));
  if (bad.length) throw new UserError(`--pareto ${v}: unknown metric ${bad.join(', ')}; the metrics are ${PARETO_METRICS.join(', ')}`);
  if (ms.length < 2 || ms.length > 3 || new Set(ms).size !== ms.length) throw new UserError(`--pareto ${v}: give two or three different metrics, e.g. latency,energy,area`);
  return ms;
}

/** The chart row of one point: its metrics (in chart units), its parameters, whether it is on the front. */
function pointRow(r: Row, onFront: boolean, params: string[]): Record<string, string | number | null> {
  const p = paramsOf(r);
  const row: Record<string, string | number | null> = { point: `#${r.idx}`, target: r.target, workload: r.workload, front: onFront ? 'on the front' : 'dominated', onFront: onFront ? 1 : 0 };
  for (const m of METRICS) row[m.field] = r[m.column] === null ? null : (r[m.column] as number) * m.scale;
  for (const k of params) row[paramField(k)] = p[k] ?? null;
  return row;
}

/** Best, median and worst of a metric over the points at each value of each parameter. */
function byParameter(ok: readonly Row[], params: { name: string; values: (string | number)[] }[], m: Metric): Record<string, string | number>[] {
  const minimise = m.key !== 'utilization';
  return params.flatMap(({ name, values }) =>
    values.flatMap((value, order) => {
      const xs = ok.filter((r) => paramsOf(r)[name] === value && r[m.column] !== null).map((r) => (r[m.column] as number) * m.scale).sort((a, b) => a - b);
      if (!xs.length) return [];
      const median = xs.length % 2 ? xs[(xs.length - 1) / 2]! : (xs[xs.length / 2 - 1]! + xs[xs.length / 2]!) / 2;
      const [best, worst] = minimise ? [xs[0]!, xs[xs.length - 1]!] : [xs[xs.length - 1]!, xs[0]!];
      return ([['best', best], ['median', median], ['worst', worst]] as const).map(([stat, v]) => ({ parameter: name, porder: params.findIndex((p) => p.name === name), value: String(value), order, stat, [m.field]: v, points: xs.length }));
    }),
  );
}

/** A sweep database's section: counts, the Pareto front (chart and table), each metric against each parameter. */
export function sweepSection(doc: SweepDoc, id: string, pareto?: readonly string[]): Section {
  const { rows, meta } = doc;
  const ok = rows.filter((r) => r.status === 'ok');
  const count = (s: string) => rows.filter((r) => r.status === s).length;
  const facts: [string, string][] = [
    ['sweep', `${meta.sweep ?? '(unnamed)'}: ${rows.length} points stored${meta.total ? ` of ${meta.total}` : ''}`],
    ['status', `ok ${ok.length}, does not fit ${count('does-not-fit')}, error ${count('error')}`],
    ['targets', [...new Set(rows.map((r) => r.target))].join(', ')],
    ['workloads', [...new Set(rows.map((r) => r.workload))].join(', ')],
  ];
  const notes: string[] = [];
  const charts: Chart[] = [];
  if (!ok.length) {
    notes.push('No chart: no point of this sweep finished ok (see the status counts above and `tessera sweep export` for the messages).');
    return { title: `Sweep: ${meta.sweep ?? ''}`, facts, charts, notes };
  }
  const params = sweptParameters(rows);
  const axes = paretoAxes(ok, pareto);
  const front = paretoFront(ok, axes.names);
  const onFront = new Set(front.map((r) => r.key));
  const names = params.map((p) => p.name);
  const points = ok.map((r) => pointRow(r, onFront.has(r.key), names));
  // the line: the front over the two plotted metrics alone (with a third metric, the red points are the front over all three)
  const front2 = axes.size ? paretoFront(ok, axes.names.slice(0, 2)) : front;
  const line = front2.map((r) => pointRow(r, onFront.has(r.key), names)).sort((a, b) => (a[axes.x.field] as number) - (b[axes.x.field] as number));
  const tooltip = [
    { field: 'point', title: 'point' },
    ...names.map((n) => ({ field: paramField(n), title: n })),
    ...[axes.x, axes.y, ...(axes.size ? [axes.size] : [])].map((m) => ({ field: m.field, title: m.field, format: m.key === 'utilization' || m.key === 'area' ? '.4~g' : '.4~s' })),
    { field: 'front', title: 'Pareto' },
  ];
  facts.push(['Pareto front', `${front.length} of ${ok.length} finished points over ${axes.names.join(' × ')}`]);
  for (const r of front.slice(0, FRONT_LISTED)) {
    const p = paramsOf(r);
    facts.push([`  #${r.idx}`, `${names.map((n) => `${n} ${p[n]}`).join(', ')}: ${[axes.x, axes.y, ...(axes.size ? [axes.size] : [])].map((m) => m.format(r[m.column] as number)).join(', ')}`]);
  }
  if (front.length > FRONT_LISTED) facts.push(['', `… and ${front.length - FRONT_LISTED} more on the front (tessera sweep pareto lists them all)`]);
  if (!present(ok, METRICS[2])) notes.push('No area: no target of this sweep states one (attr area_mm2 in its .arch), so the Pareto front is over latency and energy only' + (axes.size ? `, with ${axes.size.field} as the size of each point.` : '.'));
  charts.push(
    paretoScatter(`${id}-pareto`, `Pareto front: ${axes.names.join(' × ')}`, `Every finished point. Red points are the Pareto front over ${axes.names.join(', ')}: no other point is at least as good on every one and better on one${axes.size ? `; a point's size is its ${axes.size.field}, and the red line is the front over ${axes.x.key} and ${axes.y.key} alone` : '; the red line joins them'}. Hover a point for its parameters.`, points, line, {
      x: axes.x.field,
      y: axes.y.field,
      xLog: axes.x.log,
      yLog: axes.y.log,
      ...(axes.size ? { size: axes.size.field } : {}),
      tooltip,
    }),
  );
  if (!params.length) notes.push('No parameter views: every point of this sweep has the same parameters.');
  else
    for (const m of METRICS.filter((m) => present(ok, m)))
      charts.push(metricByParameter(`${id}-by-${m.key}`, `${m.field} against each parameter`, `For each value of each swept parameter, the best, the median and the worst ${m.field} over the points with that value.`, byParameter(ok, params, m), m.field, m.log));
  return { title: `Sweep: ${meta.sweep ?? ''}`, facts, charts, notes };
}
