// One line per command module; each exports `register(program)`.
import type { Command } from 'commander';

export const commands: ((program: Command) => void)[] = [];
