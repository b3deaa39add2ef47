// GPU area figures: (1) the GPU model checked against the published H100 measurements (split by
// shape, calibrated, scored), calibration time and prediction throughput;
// (2) the WGSL back end on SwiftShader: cases equal to the interpreter, and a 128^3 GEMM's time.
// Run: npx tsx bench/gpu.bench.ts
import { existsSync, readFileSync } from 'node:fs';
import { buildModel, parseModelConfig } from '../compiler/graph';
import { compareTensors, compileCascadeToWgsl, getWebGpuDevice, runWgslProgram } from '../compiler/codegen/wgsl';
import { interpret, randomInputs } from '../compiler/interp';
import { parseCascade } from '../compiler/lang';
import { DEFAULT_PARAMS, gpuContext, gpuHardwareFromSpec, loadMeasurements, mergeMeasurements, simulateCascadeOnGpu, predictRecordSeconds, validateGpuModel } from '../sim/gpu';
import { loadBuiltinTarget } from '../targets/spec';
import { WGSL_CASES } from '../test/codegen/wgsl-cases';

const P = 'native/measurements/published';
const FILES = ['h100-vidur-llama2-7b-linear.json', 'h100-flash-attention-2-fwdbwd.json', 'h100-flash-attention-3-fwd.json'].map((f) => `${P}/${f}`);
const hw = gpuHardwareFromSpec(loadBuiltinTarget('h100'));
const files = FILES.map((file) => ({ file, mf: loadMeasurements(file) }));
const mf = { records: mergeMeasurements(files) };
let t0 = performance.now();
const rep = validateGpuModel(hw, files, mf.records);
const calSeconds = (performance.now() - t0) / 1e3;
const p = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log(`GPU model vs the published H100 measurements (${P}: published by others, not measured here)`);
console.log(`  held-out kernels: ${rep.heldOut.model.points}; model MAPE ${p(rep.heldOut.model.mape)} (max ${p(rep.heldOut.model.maxError)}, Spearman ${rep.heldOut.model.spearman.toFixed(3)}); roofline MAPE ${p(rep.heldOut.roofline.mape)} (max ${p(rep.heldOut.roofline.maxError)})`);
console.log(`  split + calibrate + score: ${calSeconds.toFixed(2)} s`);
t0 = performance.now();
let n = 0;
while (performance.now() - t0 < 500) for (const r of mf.records) (predictRecordSeconds(hw, DEFAULT_PARAMS, r), n++);
console.log(`  kernel predictions: ${((n / (performance.now() - t0)) * 1e3 / 1e6).toFixed(2)} M/s`);

// (2) a whole model through the GPU model: LLaMA-2-7B decode (b 1, kv 2048), one kernel per einsum
{
  const spec = parseModelConfig(readFileSync('data/models/llama-2-7b.json', 'utf8'), 'llama-2-7b.json', 'llama-2-7b');
  const c = buildModel(spec, { kind: 'decode', batch: 1, kvLen: 2048 });
  const ctx = gpuContext(loadBuiltinTarget('h100'));
  const times: number[] = [];
  let r;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    r = simulateCascadeOnGpu(c, ctx.hw, ctx.params, { target: 'h100', workload: 'decode' }, ctx.levels);
    times.push(performance.now() - t);
  }
  console.log(`LLaMA-2-7B decode on h100 (${c.einsums.length} kernels): first ${times[0]!.toFixed(0)} ms, then ${Math.min(...times.slice(1)).toFixed(0)} ms in process; predicts ${(r!.latencySeconds * 1e3).toFixed(2)} ms`);
}

if (!process.env.VK_ICD_FILENAMES && existsSync('/usr/lib/chromium/vk_swiftshader_icd.json')) process.env.VK_ICD_FILENAMES = '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const dev = await getWebGpuDevice();
if (!dev.device) console.log(`WGSL: not run (${dev.reason})`);
else {
  let ok = 0;
  t0 = performance.now();
  for (const [i, tc] of WGSL_CASES.entries()) {
    const c = parseCascade(tc.ein).cascade!;
    const inputs = randomInputs(c, 100 + i);
    const ref = interpret(c, inputs);
    const got = await runWgslProgram(compileCascadeToWgsl(c), inputs);
    if (c.outputs.every((o) => compareTensors(o, got.tensors.get(o)!.data, ref.get(o)!.data, ref.get(o)!.dtype).ok)) ok++;
  }
  console.log(`WGSL on ${dev.adapter}: ${ok}/${WGSL_CASES.length} cases equal the interpreter (${((performance.now() - t0) / 1e3).toFixed(1)} s incl. shader compilation)`);
  const g = parseCascade('rank M = 128, N = 128, K = 128\ninput A[M, K]: fp32\ninput B[K, N]: fp32\nZ[m, n] = A[m, k] * B[k, n]\noutput Z\n').cascade!;
  const r = await runWgslProgram(compileCascadeToWgsl(g), randomInputs(g, 1), { timingRuns: 10 });
  console.log(`  128^3 fp32 GEMM (naive kernel): median ${(r.medianSeconds! * 1e3).toFixed(2)} ms = ${((2 * 128 ** 3) / r.medianSeconds! / 1e9).toFixed(2)} GFLOP/s`);
}
process.exit(0);
