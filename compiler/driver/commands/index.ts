// The CLI's commands, each a module exporting `register(program)`. Modules load lazily: a run of
// `tessera check` imports only check.ts and what it needs, not the solvers, Dawn or the simulators,
// which keeps start-up short. Help and unknown commands load them all.
import type { Command } from 'commander';

type Register = (program: Command) => void;

export const commands: Record<string, () => Promise<{ register: Register }>> = {
  targets: () => import('./targets'),
  check: () => import('./check'),
  print: () => import('./print'),
  scalesim: () => import('./scalesim'),
  run: () => import('./run'),
  analyze: () => import('./analyze'),
  lower: () => import('./lower'),
  validate: () => import('./validate'),
  calibrate: () => import('./calibrate'),
  repro: () => import('./repro'),
  schedule: () => import('./schedule'),
  demo: () => import('./demo'),
  report: () => import('./report'),
  sweep: () => import('./sweep'),
  import: () => import('./import'),
};

/** The registrations needed to run `argv`: only its command's when it names one. */
export async function registrationsFor(argv: readonly string[]): Promise<Register[]> {
  const name = argv.find((a) => !a.startsWith('-'));
  const names = name !== undefined && name in commands ? [name] : Object.keys(commands);
  const modules = await Promise.all(names.map((n) => commands[n]!()));
  return modules.map((m) => m.register);
}
