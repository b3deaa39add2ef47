// `tessera import model.onnx -o model.ein [--weights DIR]`: an ONNX model as a cascade (compiler/import).
// With --weights, the initializers are written as DIR/<tensor>.npy; put the inputs beside them and
// `tessera run model.ein --inputs DIR` interprets the model with its own weights.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../user-error';
import { writeNpy } from '../../import/npy-write';

export function register(program: Command): void {
  program
    .command('import')
    .description('translate an ONNX model (.onnx) into a cascade (.ein)')
    .argument('<model>', 'ONNX model file')
    .option('-o, --output <file>', 'write the .ein here (default: stdout)')
    .option('--weights <dir>', 'write the initializers as DIR/<tensor>.npy (for tessera run --inputs)')
    .action(async (model: string, o: { output?: string; weights?: string }) => {
      const { importOnnxFile } = await import('../../import/onnx');
      const m = importOnnxFile(model);
      const write = (file: string, data: string | Uint8Array) => {
        try {
          writeFileSync(file, data);
        } catch (e) {
          throw new UserError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      };
      if (o.weights !== undefined) {
        try {
          mkdirSync(o.weights, { recursive: true });
        } catch (e) {
          throw new UserError(`cannot create ${o.weights}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        for (const [name, t] of m.weights) write(join(o.weights, `${name}.npy`), writeNpy(t));
      }
      if (o.output === undefined || o.output === '-') process.stdout.write(m.text);
      else {
        write(o.output, m.text);
        process.stderr.write(`${o.output}: ${m.cascade.einsums.length} einsums, ${m.weights.size} weights${o.weights !== undefined ? ` (in ${o.weights})` : ''}\n`);
      }
    });
}
