// The built-in targets are the folders targets/<name>/ that hold a <name>.arch file.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DiagnosticError, error } from '../../compiler/ir/diagnostic';
import { loadTargetFile, type Overrides } from './parse';
import type { TargetSpec } from './types';

export const TARGETS_DIR = resolve(import.meta.dirname, '..');

/** name -> path of every built-in .arch file, sorted by name. */
export function builtinTargetFiles(): { name: string; path: string }[] {
  return readdirSync(TARGETS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'spec')
    .map((d) => ({ name: d.name, path: join(TARGETS_DIR, d.name, `${d.name}.arch`) }))
    .filter((t) => existsSync(t.path))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function loadBuiltinTarget(name: string, overrides: Overrides = {}): TargetSpec {
  const t = builtinTargetFiles().find((f) => f.name === name);
  if (!t) {
    const names = builtinTargetFiles().map((f) => f.name);
    throw new DiagnosticError([error('unknown-target', `no built-in target '${name}'`, undefined, `built-in targets are ${names.join(', ')}`)]);
  }
  return loadTargetFile(t.path, overrides);
}
