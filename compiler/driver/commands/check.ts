// `tessera check FILE...`: parses and validates each file, dispatching on its extension; prints every
// diagnostic (file:line:col, the line, a caret, a hint) and exits 1 when any file has errors.
import { extname } from 'node:path';
import type { Command } from 'commander';
import { DiagnosticError, iterativeVars, printCascade, renderDiagnostics, type Cascade } from '../../ir';
import { loadCascadeFile } from '../../lang';
import { UserError } from '../user-error';
import { diagnosticsJson } from '../diagnostics-schema';
import { cascadeJson } from '../cascade-schema';
import type { checkArchFile as CheckArchFile } from './targets';

// ./targets (the .arch parser and target registry) loads only when an .arch file is checked
let checkArchFile: typeof CheckArchFile | undefined;

export interface CheckOptions {
  /** print the normalized text instead of the summary */
  print?: boolean;
  /** print the validated result as JSON instead of the summary */
  json?: boolean;
  /** `.arch` parameter overrides, `name=value` (repeatable --param) */
  param?: string[];
}

/** One entry per checkable file kind: returns what to print on success, throws DiagnosticError on errors. */
const CHECKERS: Record<string, (path: string, opts: CheckOptions) => string> = {
  '.ein': checkEinFile,
  '.arch': (path, opts) => checkArchFile!(path, { ...opts, params: opts.param }),
};

export function checkEinFile(path: string, opts: CheckOptions = {}): string {
  const c = loadCascadeFile(path);
  if (opts.print) return printCascade(c);
  if (opts.json) return cascadeJson(c);
  return `${path}: ok\n  ${cascadeSummary(c)}\n`;
}

/** One line: how many ranks, declared tensors, einsums, recurrences, and the outputs. */
export function cascadeSummary(c: Cascade): string {
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
  const declared = c.tensors.filter((t) => t.role === 'input' || t.role === 'weight' || t.role === 'kvcache').length;
  const inits = c.einsums.filter((e) => e.init).length;
  const iter = iterativeVars(c);
  const parts = [
    `${n(c.ranks.length, 'rank')} (${n(c.partitions.length, 'partition')})`,
    n(declared, 'declared tensor'),
    `${n(c.einsums.length, 'einsum')}${inits ? ` (${inits} init)` : ''}`,
    iter.length ? `recurrences over ${iter.join(', ')}` : 'no recurrences',
    `output ${c.outputs.join(', ')}`,
  ];
  return parts.join(', ');
}

export function register(program: Command): void {
  program
    .command('check')
    .description(`parse and validate files (${Object.keys(CHECKERS).join(', ')}); report every error with its line and a hint`)
    .argument('<files...>', 'files to check')
    .option('--print', 'print the normalized text of each valid file instead of a summary')
    .option('--json', 'print each valid file as JSON instead of a summary (several files: one array); with errors, only the diagnostics document')
    .option('--param <name=value>', 'override a .arch parameter (repeatable), e.g. --param rows=128', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .action(async (files: string[], opts: CheckOptions) => {
      if (files.some((f) => extname(f).toLowerCase() === '.arch')) checkArchFile ??= (await import('./targets')).checkArchFile;
      let failed = 0;
      const jsonErrors: ReturnType<typeof diagnosticsJson>['diagnostics'] = [];
      // under --json, several files make one document: an array of theirs (docs/schema/check.schema.json)
      const many = opts.json === true && files.length > 1;
      const docs: string[] = [];
      for (const path of files) {
        const checker = CHECKERS[extname(path).toLowerCase()];
        if (!checker) throw new UserError(`${path}: cannot check this kind of file; known extensions: ${Object.keys(CHECKERS).join(', ')}`);
        try {
          const out = checker(path, opts);
          if (many) docs.push(out);
          else process.stdout.write(out);
        } catch (e) {
          if (!(e instanceof DiagnosticError)) throw e;
          failed++;
          if (opts.json) jsonErrors.push(...diagnosticsJson(e.diagnostics, path).diagnostics);
          const errors = e.diagnostics.filter((d) => d.severity === 'error').length;
          process.stderr.write(`${renderDiagnostics(e.diagnostics, e.source, e.sources)}\n${path}: ${errors} error${errors === 1 ? '' : 's'}\n`);
        }
      }
      // under --json the errors are a document on stdout too: {"schemaVersion", "diagnostics": [...]}
      if (failed && opts.json) process.stdout.write(JSON.stringify({ ...diagnosticsJson([]), diagnostics: jsonErrors }, null, 2) + '\n');
      else if (many) process.stdout.write(JSON.stringify(docs.map((d) => JSON.parse(d) as unknown), null, 2) + '\n');
      if (failed) process.exitCode = 1;
    });
}
