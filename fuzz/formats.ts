// The input formats Tessera reads, each with its seed files (from the repository) and every command
// that reads it. `{file}` is the mutant's path; `{out}` a fresh output folder for the case.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export type Format = {
  name: string;
  ext: string;
  json: boolean;
  seeds: string[];
  commands: string[][];
};

const files = (dir: string, re: RegExp): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => re.test(f)).map((f) => join(dir, f)).sort();

export function formats(): Format[] {
  return [
    {
      name: 'ein', ext: '.ein', json: false,
      seeds: [...files('examples', /\.ein$/)].filter((f) => !/broken/.test(f)),
      commands: [['check', '{file}'], ['print', '{file}'], ['analyze', '{file}'], ['run', '{file}'], ['run', '{file}', '--target', 'fusemax'], ['run', '{file}', '--target', 'tpu-v1', '--fidelity', 'cycle'], ['schedule', '{file}', '--target', 'sn40l', '--time-limit', '5']],
    },
    {
      name: 'arch', ext: '.arch', json: false,
      seeds: [...files('targets', /\.arch$/), ...files('examples/arch', /\.arch$/)].filter((f) => !/broken/.test(f)),
      commands: [['check', '{file}'], ['targets', '{file}'], ['run', 'examples/gemm/gemm.ein', '--target', '{file}'], ['run', 'examples/gemm/gemm.ein', '--target', '{file}', '--fidelity', 'cycle']],
    },
    {
      name: 'cfg', ext: '.cfg', json: false,
      seeds: files('data/scalesim', /\.cfg$/),
      commands: [['scalesim', '--config', '{file}', '--topology', 'data/scalesim/test.csv', '--outdir', '{out}']],
    },
    {
      name: 'csv', ext: '.csv', json: false,
      seeds: files('data/scalesim', /\.csv$/),
      commands: [['scalesim', '--config', 'data/scalesim/google.cfg', '--topology', '{file}', '--outdir', '{out}'], ['scalesim', '--target', 'tpu-v1', '--topology', '{file}', '--outdir', '{out}']],
    },
    {
      name: 'config', ext: '.json', json: true,
      seeds: files('data/models', /\.json$/),
      commands: [['lower', '--model', '{file}', '--layers', '1', '--seq', '8', '-o', '{out}/m.ein'], ['lower', '--model', '{file}', '--phase', 'decode', '--kv', '16', '--layers', '1', '-o', '{out}/m.ein']],
    },
    {
      name: 'measurements', ext: '.json', json: true,
      seeds: files('native/measurements', /\.json$/).slice(0, 4),
      commands: [['validate', 'gpu', '--measurements', '{file}']],
    },
  ];
}
