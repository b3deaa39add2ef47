// The built-in targets are the folders targets/<name>/ that hold a <name>.arch file: adding a folder is
// the whole change. TESSERA_TARGET_PATH (directories separated by ':') adds folders laid out the same
// way, a user's own library of targets, found by name like the built-ins.
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { DiagnosticError, error } from '../../compiler/ir/diagnostic';
import { fileBaseResolver, readTargetFile, type Overrides, type ReadText } from './parse';
import type { TargetSpec } from './types';

export const TARGETS_DIR = resolve(import.meta.dirname, '..');

function targetDirs(): string[] {
  const extra = (process.env.TESSERA_TARGET_PATH ?? '').split(delimiter).filter((d) => d.trim() !== '');
  return [TARGETS_DIR, ...extra.map((d) => resolve(d))];
}

function targetsIn(dir: string): { name: string; path: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ name: d.name, path: join(dir, d.name, `${d.name}.arch`) }))
    .filter((t) => existsSync(t.path));
}

/** name -> path of every built-in .arch file (and those on TESSERA_TARGET_PATH), sorted by name; the first folder of a name wins. */
export function builtinTargetFiles(): { name: string; path: string }[] {
  const byName = new Map<string, string>();
  for (const dir of targetDirs()) for (const t of targetsIn(dir)) if (!byName.has(t.name)) byName.set(t.name, t.path);
  return [...byName].map(([name, path]) => ({ name, path })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Names found, by working directory, TESSERA_TARGET_PATH and name: a sweep loads a target per design
 * point, and the file check was a system call each time. Only finds are kept, so a name not found is
 * looked up again (a folder created later is found); a found file is not checked again in this process. */
const found = new Map<string, string>();

/** The first folder's <name>/<name>.arch: a direct look-up (a sweep loads a target per point; listing every folder each time cost more than the parse). */
export function builtinTargetPath(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..' || /[\\/\0]/.test(name)) return undefined;
  const key = `${process.cwd()}\0${process.env.TESSERA_TARGET_PATH ?? ''}\0${name}`;
  const known = found.get(key);
  if (known !== undefined) return known;
  for (const dir of targetDirs()) {
    const p = join(dir, name, `${name}.arch`);
    if (existsSync(p)) {
      found.set(key, p);
      return p;
    }
  }
  return undefined;
}

/** `extends` in any .arch file: built-in names and paths relative to the extending file. */
export const archBaseResolver = fileBaseResolver(builtinTargetPath, () => builtinTargetFiles().map((f) => f.name));

export function unknownTargetError(name: string): DiagnosticError {
  const names = builtinTargetFiles().map((f) => f.name);
  const near = names.filter((n) => n.startsWith(name.slice(0, 2)));
  return new DiagnosticError([
    error('unknown-target', `no built-in target '${name}'`, undefined, `${near.length ? `did you mean ${near.join(' or ')}? ` : ''}built-in targets are ${names.join(', ')}; or give a path to an .arch file`),
  ]);
}

export function loadBuiltinTarget(name: string, overrides: Overrides = {}): TargetSpec {
  const path = builtinTargetPath(name);
  if (!path) throw unknownTargetError(name);
  return loadTargetFile(path, overrides);
}

/** Reads and parses any .arch file, following its `extends`; throws DiagnosticError on any error. */
export function loadTargetFile(path: string, overrides: Overrides = {}, read?: ReadText): TargetSpec {
  return readTargetFile(path, overrides, { resolveBase: archBaseResolver }, read);
}
