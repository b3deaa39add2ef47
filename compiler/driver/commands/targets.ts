// `tessera targets [name]`: lists the built-in targets, or prints one (normalized .arch, or JSON).
// Also exports checkArchFile, the `.arch` case of `tessera check`.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DiagnosticError, renderDiagnostics } from '../../ir';
import {
  builtinTargetFiles,
  canonicalTargetJson,
  archBaseResolver,
  loadTargetFile,
  parseTarget,
  printTarget,
  targetSummaryLines,
  type TargetSpec,
} from '../../../targets/spec';
import { loadTargetSpec } from '../../../targets/registry';
import { collect, paramOverrides } from '../flags';
import { UserError } from '../user-error';


function specJson(s: TargetSpec): string {
  return JSON.stringify(JSON.parse(canonicalTargetJson(s)), null, 2);
}

export interface CheckArchOptions {
  params?: string[];
  print?: boolean;
  json?: boolean;
}

/**
 * Checks one .arch file and returns what to print on success (a summary, the normalized text with
 * `print`, or the spec as JSON with `json`). Throws DiagnosticError with every error on failure;
 * warnings, if any, are written to stderr.
 */
export function checkArchFile(path: string, opts: CheckArchOptions = {}): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`cannot read ${path}`);
  }
  const { spec, diagnostics, sources } = parseTarget(text, path, paramOverrides(opts.params), { resolveBase: archBaseResolver });
  if (!spec) throw new DiagnosticError(diagnostics, text, sources);
  if (diagnostics.length) process.stderr.write(renderDiagnostics(diagnostics, text, sources) + '\n');
  if (opts.json) return specJson(spec) + '\n';
  if (opts.print) return printTarget(spec);
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
  return [`${path}: ok: target ${spec.name} (${n(spec.memories.length, 'memory')}, ${n(spec.computes.length, 'compute unit')}, ${n(spec.links.length, 'link')})`.replace('memorys', 'memories'), ...targetSummaryLines(spec)].join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('targets')
    .description('list the built-in targets, or show one as normalized .arch text (or JSON)')
    .argument('[name]', 'a built-in target (or an .arch file) to show')
    .option('--param <name=value>', 'override a target parameter (repeatable), e.g. --param rows=128', collect, [])
    .option('--json', 'print JSON')
    .action((name: string | undefined, opts: { param: string[]; json?: boolean }) => {
      const overrides = paramOverrides(opts.param);
      if (name !== undefined) {
        const spec = loadTargetSpec(name, overrides);
        process.stdout.write(opts.json ? specJson(spec) + '\n' : printTarget(spec));
        return;
      }
      if (Object.keys(overrides).length) throw new UserError('--param needs a target name: tessera targets <name> --param k=v');
      const specs = builtinTargetFiles().map((t) => loadTargetFile(t.path));
      if (opts.json) {
        process.stdout.write(JSON.stringify(specs.map((s) => JSON.parse(canonicalTargetJson(s))), null, 2) + '\n');
        return;
      }
      process.stdout.write(specs.map((s) => targetSummaryLines(s).join('\n')).join('\n\n') + '\n');
    });
}
