// One line per command module; each exports `register(program)`.
import type { Command } from 'commander';
import * as targets from './targets';
import * as check from './check';
import * as print from './print';
import * as scalesim from './scalesim';
import * as run from './run';
import * as analyze from './analyze';
import * as lower from './lower';
import * as validate from './validate';
import * as repro from './repro';
import * as schedule from './schedule';
import * as demo from './demo';

export const commands: ((program: Command) => void)[] = [
  targets.register,
  check.register,
  print.register,
  scalesim.register,
  run.register,
  analyze.register,
  lower.register,
  validate.register,
  repro.register,
  schedule.register,
  demo.register,
];
