// TargetSpec -> normalized .arch text. Numbers are printed so that parsing gives back exactly the
// same base-unit values: parseTarget(printTarget(s)) equals s (ignoring locations).
import type { AttrValue, ComputeSpec, LinkSpec, MemorySpec, TargetSpec } from './types';
import { BASE_UNIT, formatQuantity, type Dimension } from './units';

const DIM_OF_BASE = new Map<string, Dimension>(Object.entries(BASE_UNIT).map(([d, u]) => [u, d as Dimension]));
const KEYWORDS = new Set(['target', 'param', 'attr', 'memory', 'compute', 'link', 'true', 'false']);

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function word(s: string): string {
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(s) && !KEYWORDS.has(s) ? s : quote(s);
}

function num(v: number): string {
  return String(v);
}

function value(v: AttrValue, baseUnit?: string): string {
  if (typeof v === 'number') {
    const dim = baseUnit === undefined ? undefined : DIM_OF_BASE.get(baseUnit);
    if (dim === undefined) return num(v);
    return dim === 'time' ? `${num(v)} s` : formatQuantity(v, dim);
  }
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return word(v);
  return `[${v.map(word).join(', ')}]`;
}

function attrLines(attrs: Record<string, AttrValue>, units: Record<string, string> | undefined, indent: string): string[] {
  return Object.entries(attrs).map(([k, v]) => `${indent}attr ${k} = ${value(v, units?.[k])}`);
}

function block(head: string, lines: string[]): string[] {
  return lines.length ? [`  ${head} {`, ...lines, '  }'] : [`  ${head}`];
}

function memory(m: MemorySpec): string[] {
  const i = '    ';
  const l: string[] = [];
  if (m.capacityBytes !== undefined) l.push(`${i}capacity = ${formatQuantity(m.capacityBytes, 'size')}`);
  if (m.instances !== undefined) l.push(`${i}instances = ${num(m.instances)}`);
  if (m.banks !== undefined) l.push(`${i}banks = ${num(m.banks)}`);
  if (m.widthBits !== undefined) l.push(`${i}width = ${num(m.widthBits)} bit`);
  if (m.bandwidthBytesPerSecond !== undefined) l.push(`${i}bandwidth = ${formatQuantity(m.bandwidthBytesPerSecond, 'bandwidth')}`);
  if (m.latencyCycles !== undefined) l.push(`${i}latency = ${num(m.latencyCycles)} cycles`);
  const r = m.readEnergyPjPerByte;
  const w = m.writeEnergyPjPerByte;
  if (r !== undefined && r === w) l.push(`${i}energy = ${formatQuantity(r, 'energyPerByte')}`);
  else {
    if (r !== undefined) l.push(`${i}read_energy = ${formatQuantity(r, 'energyPerByte')}`);
    if (w !== undefined) l.push(`${i}write_energy = ${formatQuantity(w, 'energyPerByte')}`);
  }
  l.push(...attrLines(m.attrs, m.attrUnits, i));
  return block(`memory ${m.name} : ${m.kind}`, l);
}

function compute(c: ComputeSpec): string[] {
  const i = '    ';
  const l: string[] = [];
  for (const k of ['rows', 'cols', 'lanes', 'count', 'regs'] as const) if (c[k] !== undefined) l.push(`${i}${k} = ${num(c[k])}`);
  if (c.dataflow !== undefined) l.push(`${i}dataflow = ${c.dataflow}`);
  if (c.ops.length) l.push(`${i}ops = ${value(c.ops)}`);
  if (c.macEnergyPj !== undefined) l.push(`${i}mac_energy = ${formatQuantity(c.macEnergyPj, 'energy')}`);
  l.push(...attrLines(c.attrs, c.attrUnits, i));
  return block(`compute ${c.name} : ${c.kind}`, l);
}

function link(k: LinkSpec): string {
  const to = k.to.length === 1 ? k.to[0] : `{ ${k.to.join(', ')} }`;
  const bw = k.bandwidthBytesPerSecond === undefined ? '' : ` { bandwidth = ${formatQuantity(k.bandwidthBytesPerSecond, 'bandwidth')} }`;
  return `  link ${k.from} -> ${to}${bw}`;
}

export function printTarget(s: TargetSpec): string {
  const out = [`target ${s.name} ${quote(s.description)} {`];
  for (const [k, v] of Object.entries(s.params ?? {})) out.push(`  param ${k} = ${value(v, s.paramUnits?.[k])}`);
  out.push(`  clock = ${formatQuantity(s.clockHz, 'frequency')}`);
  out.push(...attrLines(s.attrs, s.attrUnits, '  '));
  for (const m of s.memories) out.push(...memory(m));
  for (const c of s.computes) out.push(...compute(c));
  for (const k of s.links) out.push(link(k));
  out.push('}');
  return out.join('\n') + '\n';
}
