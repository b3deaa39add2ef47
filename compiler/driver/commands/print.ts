// `tessera print FILE`: the normalized text of a cascade (one rank line, partitions, declarations,
// einsums with minimal parentheses, output). Printing its own output gives the same text.
import type { Command } from 'commander';
import { printCascade } from '../../ir';
import { loadCascadeFile } from '../../lang';
import { UserError } from '../user-error';

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
    .action((file: string) => {
      refuseArchFile(file, 'print');
      process.stdout.write(printCascade(loadCascadeFile(file)));
    });
}
