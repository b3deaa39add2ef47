// Runs the `tessera` CLI in process and captures what it prints: the same code path as the binary
// (program.ts maps errors to exit codes), without the cost of a process and tsx per case.
import { vi } from 'vitest';
import { main } from '../../compiler/driver/program';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `cwd`: run as if started there (the examples print paths relative to the repository root). */
export async function runCli(args: string[], opts: { cwd?: string } = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const cwd = process.cwd();
  try {
    if (opts.cwd !== undefined) process.chdir(opts.cwd);
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.chdir(cwd);
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}
