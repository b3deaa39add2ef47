// One target loader for every command: a built-in name (a folder targets/<name>/ with <name>.arch, or
// one on TESSERA_TARGET_PATH) or a path to any .arch file, with `--param name=value` overrides.
import { existsSync, statSync } from 'node:fs';
import { builtinTargetFiles, builtinTargetPath, loadTargetFile, unknownTargetError, type Overrides, type ReadText, type TargetSpec } from './spec';
import { targetFromSpec, type Target } from './target';
import { DiagnosticError, error } from '../compiler/ir/diagnostic';

export function listTargets(): string[] {
  return builtinTargetFiles().map((t) => t.name);
}

/** A path (it has a slash or ends in .arch) rather than a built-in name. */
export function looksLikePath(nameOrPath: string): boolean {
  return /[\\/]/.test(nameOrPath) || nameOrPath.endsWith('.arch');
}

/** The spec of a built-in target or of an .arch file, with parameter overrides applied; `read` reads the file's text. */
export function loadTargetSpec(nameOrPath: string, params: Overrides = {}, read?: ReadText): TargetSpec {
  if (!looksLikePath(nameOrPath)) {
    const p = builtinTargetPath(nameOrPath);
    if (!p) throw unknownTargetError(nameOrPath);
    return loadTargetFile(p, params, read);
  }
  if (!existsSync(nameOrPath)) throw new DiagnosticError([error('no-such-target-file', `target file ${nameOrPath}: no such file`)]);
  if (!statSync(nameOrPath).isFile()) throw new DiagnosticError([error('no-such-target-file', `target file ${nameOrPath}: not a file`)]);
  return loadTargetFile(nameOrPath, params, read);
}

export function loadTarget(nameOrPath: string, params: Overrides = {}, read?: ReadText): Target {
  return targetFromSpec(loadTargetSpec(nameOrPath, params, read));
}

/** A built-in target by name (kept for scripts and tests; the same as loadTarget). */
export function getTarget(name: string): Target {
  return loadTarget(name);
}
