// `tessera print FILE`: the normalized text of a cascade (one rank line, partitions, declarations,
// einsums with minimal parentheses, output). Printing its own output gives the same text.
import type { Command } from 'commander';
import { DiagnosticError, printCascade } from '../../ir';
import { loadCascadeFile } from '../../lang';
import { UserError } from '../user-error';
import { cascadeJson } from '../cascade-schema';

/**
 * `print` and `analyze` take a cascade; given an `.arch` target file they say so, and name the
 * commands that do take one, instead of reporting .ein syntax errors in it.
 */
export function refuseArchFile(file: string, command: 'print' | 'analyze'): void {
  if (!/\.arch$/i.test(file)) return;
  const instead =
    command === 'print'
      ? `use 'tessera check --print ${file}' to print the target normalized, or 'tessera targets ${file}' to print it resolved`
      : `use 'tessera check ${file}' to validate the target, or 'tessera targets ${file}' to print it resolved`;
  throw new UserError(`${file} is an .arch target file; ${command} takes a cascade (.ein): ${instead}`);
}

export function register(program: Command): void {
  program
    .command('print')
    .description('print a .ein cascade in normalized form')
    .argument('<file>', 'a .ein file')
    .option('--json', 'print the validated cascade as JSON (docs/schema/cascade.schema.json) instead of text')
    .action((file: string, opts: { json?: boolean }) => {
      refuseArchFile(file, 'print');
      let c;
      try {
        c = loadCascadeFile(file);
      } catch (e) {
        // under --json the CLI prints the errors as a document on stdout as well (program.ts), each naming this file
        if (opts.json && e instanceof DiagnosticError) throw new DiagnosticError(e.diagnostics.map((d) => ({ ...d, file: d.file ?? file })), e.source, e.sources);
        throw e;
      }
      process.stdout.write(opts.json ? cascadeJson(c) : printCascade(c));
    });
}
