// One row per point, flat: the point's columns, one column per parameter, one per compute unit's
// utilization (util_<unit>) and two per memory level (traffic_<level>_read_bytes / _write_bytes).
// DuckDB writes the file (COPY ... TO), so CSV quoting and Parquet types are its, not ours.
import { UserError } from '../driver/user-error';
import { COLUMNS, SweepDb, sqlLiteral } from './db';
import type { Row } from './types';

const DROPPED = new Set(['params', 'utilization_json', 'traffic_json']);

export interface FlatTable {
  columns: { name: string; type: string }[];
  rows: Record<string, string | number | null>[];
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');

export function flatten(rows: readonly Row[]): FlatTable {
  const params = new Map<string, 'BIGINT' | 'DOUBLE' | 'VARCHAR'>(); // name -> the column type its values fit
  const units = new Set<string>();
  const levels = new Set<string>();
  const parsed = rows.map((r) => ({ r, p: JSON.parse(r.params) as Record<string, string | number>, u: r.utilization_json ? (JSON.parse(r.utilization_json) as Record<string, number>) : {}, t: r.traffic_json ? (JSON.parse(r.traffic_json) as Record<string, { readBytes: number; writeBytes: number }>) : {} }));
  for (const { p, u, t } of parsed) {
    for (const [k, v] of Object.entries(p)) {
      const t = typeof v !== 'number' ? 'VARCHAR' : Number.isSafeInteger(v) ? 'BIGINT' : 'DOUBLE';
      const was = params.get(k) ?? t;
      params.set(k, was === 'VARCHAR' || t === 'VARCHAR' ? 'VARCHAR' : was === 'DOUBLE' || t === 'DOUBLE' ? 'DOUBLE' : 'BIGINT');
    }
    Object.keys(u).forEach((k) => units.add(k));
    Object.keys(t).forEach((k) => levels.add(k));
  }
  const base = COLUMNS.filter(([n]) => !DROPPED.has(n)).map(([n, t]) => ({ name: n as string, type: t.replace(' PRIMARY KEY', '') }));
  const taken = new Set(base.map((c) => c.name));
  const pcol = (k: string) => (taken.has(safe(k)) ? `param_${safe(k)}` : safe(k));
  const columns = [
    ...base,
    ...[...params].map(([k, type]) => ({ name: pcol(k), type })),
    ...[...units].map((u) => ({ name: `util_${safe(u)}`, type: 'DOUBLE' })),
    ...[...levels].flatMap((l) => [
      { name: `traffic_${safe(l)}_read_bytes`, type: 'DOUBLE' },
      { name: `traffic_${safe(l)}_write_bytes`, type: 'DOUBLE' },
    ]),
  ];
  const out = parsed.map(({ r, p, u, t }) => {
    const o: Record<string, string | number | null> = {};
    for (const c of base) o[c.name] = r[c.name as keyof Row] as string | number | null;
    for (const k of params.keys()) o[pcol(k)] = p[k] ?? null;
    for (const k of units) o[`util_${safe(k)}`] = u[k] ?? null;
    for (const l of levels) {
      o[`traffic_${safe(l)}_read_bytes`] = t[l]?.readBytes ?? null;
      o[`traffic_${safe(l)}_write_bytes`] = t[l]?.writeBytes ?? null;
    }
    return o;
  });
  return { columns, rows: out };
}

export async function exportSweep(dbFile: string, out: { csv?: string; parquet?: string }): Promise<number> {
  if (!out.csv === !out.parquet) throw new UserError('sweep export: give exactly one of --csv FILE or --parquet FILE');
  const db = await SweepDb.open(dbFile, { mustExist: true, readOnly: true });
  try {
    const table = flatten(await db.rows());
    await db.conn.run(`CREATE TEMP TABLE flat (${table.columns.map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
    for (let i = 0; i < table.rows.length; i += 500) {
      const chunk = table.rows.slice(i, i + 500);
      await db.conn.run(`INSERT INTO flat VALUES ${chunk.map((r) => `(${table.columns.map((c) => sqlLiteral(r[c.name])).join(', ')})`).join(',\n')}`);
    }
    const file = (out.csv ?? out.parquet)!;
    try {
      await db.conn.run(`COPY (SELECT * FROM flat ORDER BY idx, key) TO ${sqlLiteral(file)} (FORMAT ${out.csv ? 'CSV, HEADER' : 'PARQUET'})`);
    } catch (e) {
      throw new UserError(`cannot write ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
    return table.rows.length;
  } finally {
    await db.close();
  }
}
