// A sweep database as a report input: recognised by DuckDB's file header, opened read-only, refused
// with a plain message when it is not a sweep database or says it comes from a newer Tessera.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { UserError } from '../driver/user-error';
import type { SweepDoc } from './sweep';

/** The newest sweep-database schema this Tessera draws (`meta.schema = "tessera-sweep/N"`; absent means 1). */
export const SWEEP_SCHEMA_VERSION = 1;

/** DuckDB files carry the magic "DUCK" at byte 8. */
export function isDuckDbFile(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(12);
    return readSync(fd, b, 0, 12, 0) === 12 && b.toString('latin1', 8, 12) === 'DUCK';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads every row and the meta table of a sweep database, checking that it is one and that its version is known. */
export async function readSweepDoc(path: string): Promise<SweepDoc> {
  const { SweepDb } = await import('../sweep/db'); // DuckDB loads only when a sweep is drawn
  const db = await SweepDb.open(path, { mustExist: true, readOnly: true });
  try {
    const meta = await db.getMeta().catch(() => {
      throw new UserError(`${path}: not a sweep database (no meta table)`);
    });
    const s = meta.schema;
    if (s !== undefined) {
      const m = /^tessera-sweep\/(\d+)$/.exec(s);
      if (!m) throw new UserError(`${path}: schema '${s}' is not a Tessera sweep schema`);
      if (Number(m[1]) > SWEEP_SCHEMA_VERSION) throw new UserError(`${path}: schema '${s}' is newer than this Tessera reads (sweep databases up to version ${SWEEP_SCHEMA_VERSION}); update Tessera to draw it`);
    }
    const rows = await db.rows().catch((e: unknown) => {
      throw new UserError(`${path}: its points table is not the one this Tessera writes (${(e as Error).message.split('\n')[0]})`);
    });
    return { rows, meta };
  } finally {
    await db.close();
  }
}

/** A sweep database as a report input (its hash is of the file's bytes). */
export async function readSweepInput(path: string): Promise<{ path: string; sha256: string; kind: 'sweep'; doc: SweepDoc }> {
  const doc = await readSweepDoc(path);
  return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex'), kind: 'sweep', doc };
}
