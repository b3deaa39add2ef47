// One-line human summaries of a target's parts, for `tessera targets` and `tessera check`.
import { formatBytes, formatSI } from '../../compiler/ir/units-format';
import type { AttrValue, ComputeSpec, MemorySpec, TargetSpec } from './types';
import { BASE_UNIT, formatQuantity, type Dimension } from './units';

const DIM_OF_BASE = new Map(Object.entries(BASE_UNIT).map(([d, u]) => [u, d as Exclude<Dimension, 'energyPerAccess' | 'time'>]));

/**
 * Exact short form when there is one (16 MiB, 400 GiB/s), else the project's one unit formatter:
 * binary prefixes for sizes (8.86 MiB), SI prefixes for the rest (1.23 GB/s), 3 significant digits.
 */
export function humanQuantity(value: number, dim: Exclude<Dimension, 'energyPerAccess' | 'time'>): string {
  const exact = formatQuantity(value, dim);
  if (exact.replace(/[^0-9]/g, '').length <= 6) return exact;
  if (dim === 'size') return formatBytes(value);
  return formatSI(value, exact.slice(exact.indexOf(' ') + 1));
}

export function computeSummary(c: ComputeSpec): string {
  const n = c.count !== undefined && c.count !== 1 ? `${c.count}x ` : '';
  let shape = '';
  if (c.kind === 'array2d') shape = `${c.rows}x${c.cols} PEs`;
  else if (c.kind === 'sm') shape = c.count !== undefined ? `${c.count} SMs` : 'SM';
  else shape = `${c.lanes} lanes`;
  const df = c.dataflow ? ` ${c.dataflow.toUpperCase()}` : '';
  return `${c.name} (${c.kind}${df}: ${c.kind === 'sm' ? '' : n}${shape})`;
}

export function memorySummary(m: MemorySpec): string {
  const parts: string[] = [];
  const per = m.instances !== undefined && m.instances > 1 ? ` x${m.instances}` : '';
  if (m.capacityBytes !== undefined) parts.push(humanQuantity(m.capacityBytes, 'size') + per);
  if (m.banks !== undefined) parts.push(`${m.banks} bank${m.banks === 1 ? '' : 's'}`);
  if (m.bandwidthBytesPerSecond !== undefined) parts.push(humanQuantity(m.bandwidthBytesPerSecond, 'bandwidth'));
  return `${m.name} (${m.kind}${parts.length ? ': ' + parts.join(', ') : ''})`;
}

/** The lines `tessera targets` prints for one target. */
export function targetSummaryLines(s: TargetSpec): string[] {
  const lines = [`${s.name}  ${humanQuantity(s.clockHz, 'frequency')}  ${s.description}`];
  lines.push(`  compute: ${s.computes.map(computeSummary).join(', ')}`);
  lines.push(`  memory:  ${s.memories.map(memorySummary).join(' > ')}`);
  if (s.params && Object.keys(s.params).length) lines.push(`  params:  ${Object.entries(s.params).map(([k, v]) => `${k}=${paramText(v, s.paramUnits?.[k])}`).join(' ')}`);
  return lines;
}

function paramText(v: AttrValue, baseUnit: string | undefined): string {
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  const dim = baseUnit === undefined ? undefined : DIM_OF_BASE.get(baseUnit);
  if (typeof v === 'number' && dim !== undefined) return `"${humanQuantity(v, dim)}"`;
  return String(v);
}
