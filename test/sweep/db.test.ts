// The sweep database without a declared primary key (stop 25): a point is stored once by construction,
// merging inserts only the keys a file lacks, files written before (with `key VARCHAR PRIMARY KEY`)
// resume and merge the same, a batch is whole after each flush, and the file stands alone after close.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { COLUMNS, SweepDb } from '../../compiler/sweep/db';
import type { Row } from '../../compiler/sweep/types';

const dir = mkdtempSync(join(tmpdir(), 'tessera-sweep-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A row whose every field is derived from i, so that a row read back can be compared field by field. */
function row(i: number): Row {
  return {
    key: `k${i.toString(16).padStart(6, '0')}`,
    idx: i,
    target: 'systolic',
    workload: 'g.ein',
    fidelity: 'analytic',
    params: JSON.stringify({ rows: i % 7, cols: i % 5 }),
    status: i % 11 === 0 ? 'error' : 'ok',
    message: i % 11 === 0 ? `point ${i} failed` : null,
    latency_cycles: i % 11 === 0 ? null : 1000 + i,
    latency_seconds: i % 11 === 0 ? null : (1000 + i) / 1e9,
    energy_pj: i % 3 === 0 ? null : i * 1.5,
    area_mm2: null,
    pe_count: 16 * (1 + (i % 4)),
    onchip_bytes: 65536,
    utilization: (i % 100) / 100,
    offchip_bytes: 4096 * i,
    utilization_json: JSON.stringify({ pe: (i % 100) / 100 }),
    traffic_json: JSON.stringify({ DRAM: { readBytes: i, writeBytes: 2 * i } }),
    eval_ms: 2.5,
  };
}

async function keysOf(file: string): Promise<string[]> {
  const db = await SweepDb.open(file, { readOnly: true });
  try {
    return (await db.rows()).map((r) => r.key);
  } finally {
    await db.close();
  }
}

describe('sweep database', () => {
  it('declares no primary key (no ART index to maintain on each commit), and reads back every field of every batch', async () => {
    const f = join(dir, 'plain.duckdb');
    const db = await SweepDb.open(f);
    for (let b = 0; b < 5; b++) await db.insert(Array.from({ length: 40 }, (_, j) => row(b * 40 + j)));
    expect(await db.count()).toBe(200);
    const constraints = await db.conn.runAndReadAll("SELECT count(*) AS n FROM duckdb_constraints() WHERE table_name = 'points'");
    expect(Number(constraints.getRowObjects()[0]!.n)).toBe(0);
    await db.close();
    // the checkpoint at close folded the write-ahead log into the file
    expect(existsSync(`${f}.wal`)).toBe(false);
    const back = await SweepDb.open(f, { readOnly: true });
    expect(await back.rows()).toEqual(Array.from({ length: 200 }, (_, i) => row(i)));
    await back.close();
  });

  it('merges only the keys a file lacks, from files with and without the old primary key, and twice changes nothing', async () => {
    const a = join(dir, 'a.duckdb');
    const old = join(dir, 'old.duckdb');
    const into = join(dir, 'into.duckdb');
    const da = await SweepDb.open(a);
    await da.setMeta({ space: 's1' });
    await da.insert(Array.from({ length: 30 }, (_, i) => row(i)));
    await da.close();
    // a file as the sweep wrote it before stop 25: the key declared PRIMARY KEY
    const inst = await DuckDBInstance.create(old);
    const c = await inst.connect();
    await c.run(`CREATE TABLE points (${COLUMNS.map(([n, t]) => `${n} ${n === 'key' ? 'VARCHAR PRIMARY KEY' : t}`).join(', ')})`);
    await c.run('CREATE TABLE meta (k VARCHAR PRIMARY KEY, v VARCHAR)');
    await c.run("INSERT INTO meta VALUES ('space', 's1')");
    c.closeSync();
    inst.closeSync();
    const dold = await SweepDb.open(old);
    await dold.insert(Array.from({ length: 30 }, (_, i) => row(20 + i))); // 20..49: 20..29 overlap a
    await dold.close();

    const m = await SweepDb.open(into);
    expect(await m.mergeFrom(a)).toBe(30);
    expect(await m.mergeFrom(old)).toBe(20);
    expect(await m.mergeFrom(a)).toBe(0);
    expect(await m.mergeFrom(old)).toBe(0);
    await m.close();
    expect(await keysOf(into)).toEqual(Array.from({ length: 50 }, (_, i) => row(i).key));

    // and into the old file: the keys it lacks, once
    const mo = await SweepDb.open(old);
    expect(await mo.mergeFrom(a)).toBe(20);
    expect(await mo.mergeFrom(a)).toBe(0);
    await mo.close();
    expect(await keysOf(old)).toEqual(Array.from({ length: 50 }, (_, i) => row(i).key));
  });

  it('a failed flush drops that batch only: the next batch is stored with a fresh appender', async () => {
    const f = join(dir, 'fail.duckdb');
    const db = await SweepDb.open(f);
    await db.insert([row(0)]);
    const bad = { ...row(1), idx: 2 ** 40 } as Row; // out of INTEGER's range: the append or the flush throws
    await expect(db.insert([bad, row(2)])).rejects.toThrow();
    await db.insert([row(3)]);
    expect((await db.rows()).map((r) => r.idx)).toEqual([0, 3]);
    await db.close();
  });
});
