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
    .option('--json', 'print what was made as JSON (docs/schema/import.schema.json); the .ein text in it when there is no -o file')
    .action(async (model: string, o: { output?: string; weights?: string; json?: boolean }) => {
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
      const toFile = o.output !== undefined && o.output !== '-';
      if (o.json) {
        if (toFile) write(o.output!, m.text);
        const doc = { model, name: m.cascade.name ?? '', einsums: m.cascade.einsums.length, tensors: m.cascade.tensors.length, output: toFile ? o.output! : null, ein: toFile ? null : m.text, weights: m.weights.size, weightsDir: o.weights ?? null };
        process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      } else if (!toFile) process.stdout.write(m.text);
      else {
        write(o.output!, m.text);
        process.stderr.write(`${o.output}: ${m.cascade.einsums.length} einsums, ${m.weights.size} weights${o.weights !== undefined ? ` (in ${o.weights})` : ''}\n`);
      }
    });
}
