// `tessera print FILE`: the normalized text of a cascade (one rank line, partitions, declarations,
// einsums with minimal parentheses, output). Printing its own output gives the same text.
import type { Command } from 'commander';
import { printCascade } from '../../ir';
import { loadCascadeFile } from '../../lang';

export function register(program: Command): void {
  program
    .command('print')
    .description('print a .ein cascade in normalized form')
    .argument('<file>', 'a .ein file')
    .action((file: string) => {
      process.stdout.write(printCascade(loadCascadeFile(file)));
    });
}
