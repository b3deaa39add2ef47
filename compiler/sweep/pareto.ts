// The Pareto front of a sweep over two or three metrics: the ok points that no other ok point beats
// on every metric (at least as good on all, better on one). Utilization is maximised; every other
// metric (latency, energy, area, traffic, PEs, on-chip bytes) is minimised.
import { UserError } from '../driver/user-error';
import { formatBytes, formatEnergy, formatSeconds } from '../ir';
import type { Row } from './types';

export const METRICS: Record<string, { column: keyof Row; maximise?: boolean; format: (v: number) => string }> = {
  latency: { column: 'latency_seconds', format: formatSeconds },
  latency_seconds: { column: 'latency_seconds', format: formatSeconds },
  latency_cycles: { column: 'latency_cycles', format: (v) => `${v} cycles` },
  energy: { column: 'energy_pj', format: formatEnergy },
  energy_pj: { column: 'energy_pj', format: formatEnergy },
  area: { column: 'area_mm2', format: (v) => `${v} mm2` },
  area_mm2: { column: 'area_mm2', format: (v) => `${v} mm2` },
  utilization: { column: 'utilization', maximise: true, format: (v) => `${(v * 100).toFixed(1)}%` },
  offchip: { column: 'offchip_bytes', format: formatBytes },
  offchip_bytes: { column: 'offchip_bytes', format: formatBytes },
  pes: { column: 'pe_count', format: (v) => `${v} PEs` },
  pe_count: { column: 'pe_count', format: (v) => `${v} PEs` },
  onchip_bytes: { column: 'onchip_bytes', format: formatBytes },
};

export function checkMetric(flag: string, m: string | undefined): string {
  if (m === undefined) throw new UserError(`${flag} is required (one of ${Object.keys(METRICS).join(', ')})`);
  if (!(m in METRICS)) throw new UserError(`${flag} ${m}: unknown metric; the metrics are ${Object.keys(METRICS).join(', ')}`);
  return m;
}

/** The front, sorted by the first metric (then the others); rows missing a metric are left out. */
export function paretoFront(rows: readonly Row[], metrics: readonly string[]): Row[] {
  const ms = metrics.map((m) => METRICS[m]!);
  const usable = rows.filter((r) => r.status === 'ok' && ms.every((m) => r[m.column] !== null));
  if (!usable.length) {
    const missing = ms.filter((m) => rows.every((r) => r[m.column] === null)).map((m) => m.column);
    throw new UserError(missing.length ? `no point has ${missing.join(', ')}${missing.includes('area_mm2') ? ' (no target states an area: attr area_mm2 in its .arch)' : ''}; choose other metrics` : 'no point finished ok; nothing to rank');
  }
  // each metric as a cost to minimise
  const cost = (r: Row) => ms.map((m) => (m.maximise ? -1 : 1) * (r[m.column] as number));
  const costs = usable.map(cost);
  const order = usable.map((_, i) => i).sort((a, b) => compareCosts(costs[a]!, costs[b]!) || usable[a]!.idx - usable[b]!.idx);
  const front: number[] = [];
  for (const i of order) {
    // sorted lexicographically: only an earlier point can dominate a later one
    if (!front.some((j) => dominates(costs[j]!, costs[i]!))) front.push(i);
  }
  return front.map((i) => usable[i]!);
}

function compareCosts(a: number[], b: number[]): number {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
  return 0;
}

/** a is at least as good everywhere and better somewhere; equal points do not dominate each other. */
export function dominates(a: number[], b: number[]): boolean {
  let better = false;
  for (let k = 0; k < a.length; k++) {
    if (a[k]! > b[k]!) return false;
    if (a[k]! < b[k]!) better = true;
  }
  return better;
}

export function formatFront(front: readonly Row[], metrics: readonly string[], total: number): string {
  const lines = [`Pareto front over ${metrics.join(', ')}: ${front.length} of ${total} points`];
  for (const r of front) {
    const vals = metrics.map((m) => `${m} ${METRICS[m]!.format(r[METRICS[m]!.column] as number)}`).join(', ');
    lines.push(`  #${r.idx} ${r.target} ${r.workload} ${r.fidelity} ${r.params}: ${vals}`);
  }
  return lines.join('\n') + '\n';
}
