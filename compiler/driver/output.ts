// Safe output: every file a command writes goes through here.
// - A name derived from an input (SCALE-Sim's run_name, a model name) becomes one path segment:
//   separators, "..", control characters and over-long names cannot leave the output folder.
// - A file is written to a temporary name beside it and renamed into place, so a planted symlink at
//   the destination is replaced, never followed, and a crash leaves no half-written file.
// - File-system errors (missing folder, a file where a folder should be, permissions) become plain
//   UserErrors (exit 1) that name the path.
import { lstatSync, mkdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { UserError } from './user-error';

/** Longest file-name segment we create (most file systems allow 255 bytes). */
const MAX_SEGMENT = 120;

/** Turns an input-derived name into one safe path segment (never empty, never "." or ".."). */
export function safeSegment(name: string): string {
  const cleaned = name
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_')
    .replace(/^\.+/, '_')
    .trim();
  const short = Buffer.byteLength(cleaned) > MAX_SEGMENT ? truncateBytes(cleaned, MAX_SEGMENT) : cleaned;
  return short === '' ? '_' : short;
}

function truncateBytes(s: string, max: number): string {
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

/** Creates (if needed) `root/<safe name>` and returns it; the result is always inside `root`. */
export function outputFolder(root: string, name: string): string {
  ensureFolder(root);
  const dir = join(root, safeSegment(name));
  ensureFolder(dir);
  const realRoot = realpathSync(root);
  const realDir = realpathSync(dir);
  if (realDir !== realRoot && !realDir.startsWith(realRoot + sep))
    throw new UserError(`${dir}: leads outside the output folder ${root} (a symbolic link?); remove it or choose another --outdir`);
  return dir;
}

/** mkdir -p with plain messages. */
export function ensureFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    if ((e as { code?: string }).code === 'EEXIST') throw new UserError(`${dir}: is a file, not a folder`);
    throw fsError(e, dir, 'cannot create the folder');
  }
  if (!lstatSync(dir).isDirectory() && !realpathIsDir(dir)) throw new UserError(`${dir}: is not a folder`);
}

function realpathIsDir(p: string): boolean {
  try {
    return lstatSync(realpathSync(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Writes `text` to `path` atomically (temporary file + rename); a symlink at `path` is replaced, not followed. */
export function writeOutput(path: string, text: string | Uint8Array): void {
  const dir = dirname(resolve(path));
  const existing = statOrUndefined(path);
  if (existing?.isDirectory()) throw new UserError(`${path}: is a folder; give a file name`);
  const tmp = join(dir, `.${basename(path).slice(0, MAX_SEGMENT)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw fsError(e, path, 'cannot write');
  }
}

function statOrUndefined(p: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'the folder does not exist',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device',
  EEXIST: 'a temporary file of the same name exists',
};

/** A plain message for a file-system error; anything unexpected is re-thrown as is. */
export function fsError(e: unknown, path: string, what: string): Error {
  const code = (e as { code?: string }).code;
  const reason = code ? FS_REASONS[code] : undefined;
  return reason ? new UserError(`${path}: ${what}: ${reason}`) : (e as Error);
}
