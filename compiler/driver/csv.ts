// CSV export of tables (RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled;
// CRLF-free, one header row). `run --target --csv FILE` writes the per-einsum results with it.
import type { Result } from '../../sim/core/result';
import { layerKind } from './summary';

/** One CSV field: quoted when it holds a comma, a quote or a line break; null and undefined are empty. */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvTable(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/** Per-einsum results: name, layer kind, unit, latency, energy (empty: not modelled), bytes read and written per tier. */
export function einsumCsv(r: Result): string {
  const tiers = [...new Set(r.einsums.flatMap((e) => Object.keys(e.traffic)))];
  const header = ['einsum', 'kind', 'unit', 'latencyCycles', 'energyPj', ...tiers.flatMap((t) => [`${t}.readBytes`, `${t}.writeBytes`])];
  const rows = r.einsums.map((e) => [e.name, layerKind(e.name), e.unit, e.latencyCycles, e.energyPj, ...tiers.flatMap((t) => [e.traffic[t]?.readBytes ?? 0, e.traffic[t]?.writeBytes ?? 0])]);
  return csvTable(header, rows);
}
