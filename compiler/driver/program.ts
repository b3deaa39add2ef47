// The `tessera` CLI program. Each command lives in commands/<name>.ts and registers itself on the program;
// this file only wires them and maps failures to the exit codes in DESIGN.md.
import { Command, CommanderError } from 'commander';
import { DiagnosticError, renderDiagnostics, type Diagnostic } from '../ir';
import { registrationsFor } from './commands';
import { UserError } from './user-error';
import { WorkLimitError } from '../../sim/core/limits';
import { tesseraVersion } from './version';

// The package version: compiled in by bin/build.mjs (dist/), else read from package.json (tsx, vitest).
declare const __TESSERA_VERSION__: string | undefined;
const VERSION = typeof __TESSERA_VERSION__ === 'string' ? __TESSERA_VERSION__ : undefined;

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('tessera')
    .description('Tessera: accelerator design toolchain (einsum cascades, targets, schedules, simulators)')
    .version(VERSION ?? tesseraVersion())
    .exitOverride()
    .showHelpAfterError();
  for (const register of await registrationsFor(argv)) register(program);
  return program;
}

/** Under --json an error is also a document on stdout: `{"schemaVersion": 1, "diagnostics": [...]}` (docs/schema/diagnostics.schema.json). */
async function printDiagnosticsJson(diags: readonly Diagnostic[]): Promise<void> {
  const { diagnosticsJson } = await import('./diagnostics-schema');
  process.stdout.write(JSON.stringify(diagnosticsJson(diags), null, 2) + '\n');
}

export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has printed the usage error on stderr; under --json it is a document on stdout too
      if (e.exitCode !== 0 && argv.includes('--json')) await printDiagnosticsJson([{ severity: 'error', code: 'usage', message: e.message.replace(/^error: /, '') }]);
      return e.exitCode === 0 ? 0 : 1;
    }
    if (e instanceof DiagnosticError) {
      process.stderr.write(renderDiagnostics(e.diagnostics, e.source, e.sources) + '\n');
      if (argv.includes('--json')) await printDiagnosticsJson(e.diagnostics);
      return 1;
    }
    if (e instanceof UserError || e instanceof WorkLimitError) {
      process.stderr.write(`error: ${e.message}\n`);
      if (argv.includes('--json')) await printDiagnosticsJson([{ severity: 'error', code: e instanceof UserError ? 'user-error' : 'work-limit', message: e.message }]);
      return 1;
    }
    process.stderr.write(`internal error: ${(e instanceof Error ? e.message : String(e)).replace(/^internal: /, '')}\nThis is a bug in Tessera; please report it with the command you ran.\n`);
    if (process.env.TESSERA_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 2;
  }
}

