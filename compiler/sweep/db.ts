// The sweep's results in an embedded DuckDB file (@duckdb/node-api): one row per point, keyed by the
// point's hash. Rows are written in small batches, each appended and flushed as one transaction: a
// batch is all there or not at all after a kill -9. A point is never stored twice, by construction:
// the enumeration gives every point its own key, a run stores each of its points once (the workers
// claim them from one counter), a resume skips the keys the file holds, and a merge inserts only the
// keys the file lacks. `key` is therefore not declared a PRIMARY KEY: DuckDB would keep an ART index
// for it, and each transaction's local index allocates and zeroes fresh buffers, about 2 ms of the
// main thread per commit, more than the rows themselves (docs/BENCHMARKS.md, stop 25); files written
// with the key declared (before stop 25) read, resume and merge the same. `meta` records what sweep the
// file belongs to.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { UserError } from '../driver/user-error';
import type { Row } from './types';

export const COLUMNS: [keyof Row, string][] = [
  ['key', 'VARCHAR'],
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

  /** Both tables in one transaction (one commit instead of two). */
  private async ensureSchema(): Promise<void> {
    await this.conn.run(
      `BEGIN TRANSACTION; CREATE TABLE IF NOT EXISTS points (${COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')}); ` +
        'CREATE TABLE IF NOT EXISTS meta (k VARCHAR PRIMARY KEY, v VARCHAR); COMMIT',
    );
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
      const rows = Object.entries(m).map(([k, v]) => `(${literal(k)}, ${literal(v)})`);
      // one statement, one commit (each commit costs the main thread a few milliseconds)
      if (rows.length) await this.conn.run(`INSERT OR REPLACE INTO meta VALUES ${rows.join(', ')}`);
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

  /** One appender for the life of the file: creating one per batch cost a query of the catalog each time. */
  private appender: DuckDBAppender | undefined;

  /**
   * Appends a batch and flushes it: the flush commits the batch as one transaction, whole or not at
   * all. The caller never passes a point the file already holds (a resume skips them first).
   */
  async insert(rows: readonly Row[]): Promise<void> {
    if (!rows.length) return;
    const t0 = performance.now();
    const a = (this.appender ??= await this.conn.createAppender('points'));
    try {
      for (const r of rows) {
        for (const [n, t] of COLUMNS) {
          const v = r[n];
          if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) a.appendNull();
          else if (t === 'VARCHAR') a.appendVarchar(String(v));
          else if (t === 'INTEGER') a.appendInteger(v as number);
          else if (t === 'BIGINT') a.appendBigInt(BigInt(Math.round(v as number)));
          else a.appendDouble(v as number);
        }
        a.endRow();
      }
      a.flushSync();
    } catch (e) {
      // a failed flush invalidates the appender (and drops its rows): the next batch gets a new one
      this.appender = undefined;
      try {
        a.closeSync();
      } catch {
        // already invalid
      }
      throw e;
    } finally {
      this.busyMs += performance.now() - t0;
    }
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
      // the keys this file lacks, each once (a file holds each key once; the window only guards that)
      await this.conn.run(
        `INSERT INTO points (${NAMES}) SELECT ${NAMES} FROM src.points s WHERE NOT EXISTS (SELECT 1 FROM points p WHERE p.key = s.key) ` +
          'QUALIFY row_number() OVER (PARTITION BY s.key ORDER BY s.idx) = 1',
      );
      await this.conn.run('INSERT OR IGNORE INTO meta SELECT k, v FROM src.meta');
    } finally {
      await this.conn.run('DETACH src');
    }
    return (await this.count()) - before;
  }

  /** Closes the file; DuckDB checkpoints it (folds the write-ahead log in) here, so the file stands alone. */
  async close(): Promise<void> {
    const t0 = performance.now();
    this.appender?.closeSync();
    this.appender = undefined;
    this.conn.closeSync();
    this.instance.closeSync();
    this.busyMs += performance.now() - t0;
  }
}

export { literal as sqlLiteral };
