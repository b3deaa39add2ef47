// What `tessera report` reads: any JSON result Tessera writes, recognised by its shape, with its
// schema version checked. A file that is not a Tessera result, or that says it is from a newer
// schema than this Tessera knows, is refused with a plain message.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UserError } from '../driver/user-error';
import { isDuckDbFile, readSweepInput } from './sweep-input';
import type { SweepDoc } from './sweep';

/** The result kinds a report draws, and the newest schema version of each this Tessera reads. */
export const REPORT_KINDS = { run: 1, schedule: 1, validation: 1 } as const;
export type ReportKind = keyof typeof REPORT_KINDS;

export interface JsonReportInput {
  path: string;
  sha256: string;
  kind: ReportKind;
  doc: Record<string, unknown>;
}
/** A JSON result, or a sweep database (compiler/report/sweep-input.ts). */
export type ReportInput = JsonReportInput | { path: string; sha256: string; kind: 'sweep'; doc: SweepDoc };

const has = (o: Record<string, unknown>, ...keys: string[]): boolean => keys.every((k) => k in o);

/** Recognises a parsed JSON document, or says why it is not a Tessera result. */
export function classify(doc: unknown): ReportKind | string {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return 'it is not a JSON object';
  const o = doc as Record<string, unknown>;
  if (has(o, 'target', 'workload', 'fidelity', 'latencyCycles', 'einsums')) return 'run';
  if (has(o, 'tiers', 'schedule', 'traffic', 'baselines')) return 'schedule';
  if (has(o, 'points', 'byFamily', 'heldOut')) return 'validation';
  return 'it is not a Tessera result (expected the --json output of run, schedule or validate gpu, or a sweep database)';
}

/** `schema: "tessera-<kind>/N"` when a document carries one; documents without it are version 1. */
function checkVersion(path: string, kind: ReportKind, doc: Record<string, unknown>): void {
  const s = doc.schema;
  if (typeof s !== 'string') return;
  const m = /\/(\d+)$/.exec(s);
  const version = m ? Number(m[1]) : NaN;
  if (!(version <= REPORT_KINDS[kind])) throw new UserError(`${path}: schema '${s}' is newer than this Tessera reads (${kind} results up to version ${REPORT_KINDS[kind]}); update Tessera to draw it`);
}

/** Reads, hashes, parses and recognises one input file. */
export function readReportInput(path: string): JsonReportInput {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as { code?: string }).code ?? String(e)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new UserError(`${path}: not a Tessera result: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const kind = classify(doc);
  if (!(kind in REPORT_KINDS)) throw new UserError(`${path}: ${kind}`);
  checkVersion(path, kind as ReportKind, doc as Record<string, unknown>);
  return { path, sha256: createHash('sha256').update(bytes).digest('hex'), kind: kind as ReportKind, doc: doc as Record<string, unknown> };
}

/** Any input `tessera report` takes: a sweep database (by its DuckDB header) or a JSON result. */
export async function readAnyReportInput(path: string): Promise<ReportInput> {
  return isDuckDbFile(path) ? readSweepInput(path) : readReportInput(path);
}
