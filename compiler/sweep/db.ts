// The sweep's results in an embedded DuckDB file (@duckdb/node-api): one row per point, keyed by the
// point's hash. Rows are written in small batches, each appended and flushed as one transaction: a
// batch is all there or not at all after a kill -9; a resume skips stored points, and a merge is an
// INSERT OR IGNORE, so a point is never stored twice. `meta` records what sweep the file belongs to.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { UserError } from '../driver/user-error';
import type { Row } from './types';

export const COLUMNS: [keyof Row, string][] = [
  ['key', 'VARCHAR PRIMARY KEY'],
  ['idx', 'INTEGER'],
  ['target', 'VARCHAR'],
  ['workload', 'VARCHAR'],
  ['fidelity', 'VARCHAR'],
  ['params', 'VARCHAR'],
  ['status', 'VARCHAR'],
  ['message', 'VARCHAR'],
  ['latency_cycles', 'BIGINT'],
  ['latency_seconds', 'DOUBLE'],
  ['energy_pj', 'DOUBLE'],
  ['area_mm2', 'DOUBLE'],
  ['pe_count', 'BIGINT'],
  ['onchip_bytes', 'DOUBLE'],
  ['utilization', 'DOUBLE'],
  ['offchip_bytes', 'DOUBLE'],
  ['utilization_json', 'VARCHAR'],
  ['traffic_json', 'VARCHAR'],
  ['eval_ms', 'DOUBLE'],
];
// DuckDB's binding is a CommonJS package: require() loads it in about half the time an ESM import takes
// (the import runs Node's export lexer over each of its files), and only when a database is opened,
// so the sweep's workers start while it loads.
let duckdb: typeof import('@duckdb/node-api') | undefined;
const duckDb = () => (duckdb ??= createRequire(import.meta.url)('@duckdb/node-api') as typeof import('@duckdb/node-api'));

const NAMES = COLUMNS.map(([n]) => n).join(', ');

function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'NULL';
    return Number.isInteger(v) ? String(v) : v.toPrecision(17);
  }
  return `'${String(v).replace(/'/g, "''")}'`;
}

export class SweepDb {
  /** milliseconds spent opening, appending to and closing the file (the benchmark reports its share) */
  busyMs = 0;

  private constructor(
    readonly file: string,
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  static async open(file: string, o: { mustExist?: boolean; readOnly?: boolean } = {}): Promise<SweepDb> {
    if (o.mustExist && !existsSync(file)) throw new UserError(`${file}: no such database`);
    const t0 = performance.now();
    let instance: DuckDBInstance;
    try {
      // one DuckDB thread: the cores belong to the workers; the database only appends small batches
      instance = await duckDb().DuckDBInstance.create(file, { threads: '1', ...(o.readOnly ? { access_mode: 'READ_ONLY' } : {}) });
    } catch (e) {
      throw new UserError(`${file}: cannot open as a DuckDB database: ${(e as Error).message.split('\n')[0]}`);
    }
    const db = new SweepDb(file, instance, await instance.connect());
    if (!o.readOnly) await db.ensureSchema();
    else if (!(await db.hasTable('points'))) throw new UserError(`${file}: not a sweep database (no points table)`);
    db.busyMs += performance.now() - t0;
    return db;
  }

  private async hasTable(name: string): Promise<boolean> {
    const r = await this.conn.runAndReadAll(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ${literal(name)}`);
    return Number(r.getRowObjects()[0]!.n) > 0;
  }

  private async ensureSchema(): Promise<void> {
    await this.conn.run(`CREATE TABLE IF NOT EXISTS points (${COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})`);
    await this.conn.run('CREATE TABLE IF NOT EXISTS meta (k VARCHAR PRIMARY KEY, v VARCHAR)');
  }

  /** Runs `f` and adds its time to busyMs. */
  private async timed<T>(f: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      this.busyMs += performance.now() - t0;
    }
  }

  getMeta(): Promise<Record<string, string>> {
    return this.timed(async () => {
      const r = await this.conn.runAndReadAll('SELECT k, v FROM meta');
      return Object.fromEntries(r.getRowObjects().map((o) => [String(o.k), String(o.v)]));
    });
  }

  setMeta(m: Record<string, string>): Promise<void> {
    return this.timed(async () => {
      for (const [k, v] of Object.entries(m)) await this.conn.run(`INSERT OR REPLACE INTO meta VALUES (${literal(k)}, ${literal(v)})`);
    });
  }

  doneKeys(): Promise<Set<string>> {
    return this.timed(async () => {
      const r = await this.conn.runAndReadAll('SELECT key FROM points');
      return new Set(r.getRowObjects().map((o) => String(o.key)));
    });
  }

  async count(): Promise<number> {
    const r = await this.conn.runAndReadAll('SELECT count(*) AS n FROM points');
    return Number(r.getRowObjects()[0]!.n);
  }

  /**
   * Appends a batch and flushes it: the flush commits the batch as one transaction, whole or not at
   * all. The caller never passes a point the file already holds (a resume skips them first).
   */
  async insert(rows: readonly Row[]): Promise<void> {
    if (!rows.length) return;
    const t0 = performance.now();
    const a = await this.conn.createAppender('points');
    try {
      for (const r of rows) {
        for (const [n, t] of COLUMNS) {
          const v = r[n];
          if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) a.appendNull();
          else if (t.startsWith('VARCHAR')) a.appendVarchar(String(v));
          else if (t === 'INTEGER') a.appendInteger(v as number);
          else if (t === 'BIGINT') a.appendBigInt(BigInt(Math.round(v as number)));
          else a.appendDouble(v as number);
        }
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
    this.busyMs += performance.now() - t0;
  }

  /** Every row, in enumeration order. */
  async rows(where = ''): Promise<Row[]> {
    const r = await this.conn.runAndReadAll(`SELECT ${NAMES} FROM points ${where} ORDER BY idx, key`);
    return r.getRowObjects().map((o) => {
      const row = {} as Record<string, unknown>;
      for (const [n, t] of COLUMNS) {
        const v = o[n];
        row[n] = v === null ? null : t.startsWith('VARCHAR') ? String(v) : Number(v);
      }
      return row as unknown as Row;
    });
  }

  /** Folds another sweep database in; points already here are kept (merging twice changes nothing). */
  async mergeFrom(file: string): Promise<number> {
    if (!existsSync(file)) throw new UserError(`${file}: no such database`);
    const before = await this.count();
    try {
      await this.conn.run(`ATTACH ${literal(file)} AS src (READ_ONLY)`);
    } catch (e) {
      throw new UserError(`${file}: cannot open as a DuckDB database: ${(e as Error).message.split('\n')[0]}`);
    }
    try {
      const t = await this.conn.runAndReadAll("SELECT count(*) AS n FROM information_schema.tables WHERE table_catalog = 'src' AND table_name = 'points'");
      if (Number(t.getRowObjects()[0]!.n) === 0) throw new UserError(`${file}: not a sweep database (no points table)`);
      const theirs = await this.conn.runAndReadAll("SELECT v FROM src.meta WHERE k = 'space'");
      const mine = (await this.getMeta()).space;
      const space = theirs.getRowObjects()[0]?.v;
      if (mine !== undefined && space !== undefined && String(space) !== mine) throw new UserError(`${file} holds points of another sweep (its space differs from ${this.file}'s); merge only shards of one spec`);
      await this.conn.run(`INSERT OR IGNORE INTO points (${NAMES}) SELECT ${NAMES} FROM src.points`);
      await this.conn.run('INSERT OR IGNORE INTO meta SELECT k, v FROM src.meta');
    } finally {
      await this.conn.run('DETACH src');
    }
    return (await this.count()) - before;
  }

  /** Closes the file; DuckDB checkpoints it (folds the write-ahead log in) here, so the file stands alone. */
  async close(): Promise<void> {
    const t0 = performance.now();
    this.conn.closeSync();
    this.instance.closeSync();
    this.busyMs += performance.now() - t0;
  }
}

export { literal as sqlLiteral };
