import { loadCascadeFile } from './compiler/lang';
import { interpret, randomInputs } from './compiler/interp';
import { compileCascadeToWgsl, runWgslProgram, compareTensors } from './compiler/codegen/wgsl';
for (const f of process.argv.slice(2)) {
  const c = loadCascadeFile(f);
  const inputs = randomInputs(c, 1);
  const ref = interpret(c, inputs);
  const t0 = Date.now();
  const r = await runWgslProgram(compileCascadeToWgsl(c), inputs, { timingRuns: Number(process.env.TR ?? 0) });
  for (const o of c.outputs) {
    const cmp = compareTensors(o, r.tensors.get(o)!.data, ref.get(o)!.data, ref.get(o)!.dtype);
    console.log(f, o, cmp.ok, cmp.maxRelError, cmp.worst, Date.now() - t0, 'ms', r.medianSeconds, r.adapter);
  }
}
process.exit(0);
