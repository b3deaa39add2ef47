// Runs a WgslProgram through WebGPU (the `webgpu` npm package: Dawn, on Vulkan, D3D12 or Metal).
// Here and in CI the Vulkan driver is SwiftShader (VK_ICD_FILENAMES, see docs/GPU.md); on an NVIDIA
// machine the same code runs on the NVIDIA Vulkan driver.
import { create, globals } from 'webgpu';
import { tensorElements, type Cascade, type DType } from '../../ir';
import type { WgslProgram } from './index';
import { MAX_GROUPS_X, WORKGROUP_SIZE } from './emit';
import { WgslError } from './schedule';

/** Same shape as compiler/interp's TensorData (row-major over the dims' extents). */
export interface TensorData {
  dtype: DType;
  shape: number[];
  data: Float64Array;
}

export interface WgslRunOptions {
  /** timing mode: run the whole program this many times after warm-up and report the median */
  timingRuns?: number;
  warmupRuns?: number;
}

export interface WgslRunResult {
  /** every computed tensor (intermediates and outputs) */
  tensors: Map<string, TensorData>;
  adapter: string;
  /** timing mode only: median wall time of one whole program, submit to completion */
  medianSeconds?: number;
}

export type DeviceHandle = { device: GPUDevice; adapter: string } | { device: null; reason: string };
let handle: Promise<DeviceHandle> | null = null;
// Dawn's instance must outlive every device it made: if the GPU object is garbage-collected,
// the process aborts inside Dawn. Keep it for the life of the process.
let gpuInstance: GPU | null = null;

/** One device per process. Resolves to a reason (never throws) when no WebGPU adapter exists. */
export function getWebGpuDevice(): Promise<DeviceHandle> {
  handle ??= (async (): Promise<DeviceHandle> => {
    try {
      Object.assign(globalThis, globals);
      gpuInstance = create([]);
      const adapter = await gpuInstance.requestAdapter();
      if (!adapter) return { device: null, reason: 'no WebGPU adapter (install a Vulkan driver, e.g. SwiftShader; see docs/GPU.md)' };
      const info = adapter.info;
      const name = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => s).join(' ') || 'unknown adapter';
      const device = await adapter.requestDevice({
        requiredLimits: {
          maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
          maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
          maxBufferSize: adapter.limits.maxBufferSize,
        },
      });
      return { device, adapter: name };
    } catch (e) {
      return { device: null, reason: `WebGPU unavailable: ${e instanceof Error ? e.message : String(e)}` };
    }
  })();
  return handle;
}

const UNIFORM_STRIDE = 256; // minUniformBufferOffsetAlignment

function gridFor(invocations: number): [number, number] {
  const groups = Math.max(1, Math.ceil(invocations / WORKGROUP_SIZE));
  const x = Math.min(groups, MAX_GROUPS_X);
  return [x, Math.ceil(groups / x)];
}

export async function runWgslProgram(p: WgslProgram, inputs: Map<string, TensorData>, opts: WgslRunOptions = {}): Promise<WgslRunResult> {
  const h = await getWebGpuDevice();
  if (!h.device) throw new WgslError(h.reason);
  const device = h.device;
  const c: Cascade = p.cascade;
  device.pushErrorScope('validation');
  const buffers = createTensorBuffers(device, c, inputs);
  const bound = bindKernels(device, p, buffers);
  const runOnce = async () => {
    const enc = device.createCommandEncoder();
    encodeProgram(enc, p, bound);
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  await runOnce();
  const medianSeconds = opts.timingRuns && opts.timingRuns > 0 ? await medianRunSeconds(runOnce, opts.timingRuns, opts.warmupRuns ?? 2) : undefined;
  // Timing runs recompute the same values from the same inputs, so reading back afterwards is exact.
  const tensors = await readBack(device, c, buffers);
  for (const b of buffers.values()) b.destroy();
  bound.uniformAll.destroy();
  const out: WgslRunResult = { tensors, adapter: h.adapter };
  if (medianSeconds !== undefined) out.medianSeconds = medianSeconds;
  return out;
}

/** One storage buffer per tensor; inputs get their data. */
function createTensorBuffers(device: GPUDevice, c: Cascade, inputs: Map<string, TensorData>): Map<string, GPUBuffer> {
  const buffers = new Map<string, GPUBuffer>();
  for (const t of c.tensors) {
    const n = Math.max(1, tensorElements(t));
    if (n * 4 > device.limits.maxStorageBufferBindingSize || n >= 2 ** 31)
      throw new WgslError(`tensor ${t.name} has ${n} elements: more than this WebGPU device can bind (${device.limits.maxStorageBufferBindingSize} bytes); shrink the rank sizes`);
    const buf = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    if (t.role !== 'intermediate' && t.role !== 'output') {
      const given = inputs.get(t.name);
      if (!given) throw new WgslError(`no data for input tensor ${t.name}`);
      if (given.data.length !== tensorElements(t)) throw new WgslError(`input ${t.name} has ${given.data.length} elements, expected ${tensorElements(t)}`);
      device.queue.writeBuffer(buf, 0, Float32Array.from(given.data));
    }
    buffers.set(t.name, buf);
  }
  return buffers;
}

interface BoundKernels {
  pipelines: { pipeline: GPUComputePipeline; grid: [number, number] }[];
  bindGroups: GPUBindGroup[];
  /** uniform slots per kernel */
  slots: number;
  uniformAll: GPUBuffer;
}

/** A pipeline and bind group per kernel, and the uniforms they read. */
function bindKernels(device: GPUDevice, p: WgslProgram, buffers: Map<string, GPUBuffer>): BoundKernels {
  // Uniforms: kernel r, slot 0 for a dispatch outside loops, slot 1 + s for step s of a loop; each holds (step, groups_x).
  const maxSteps = Math.max(0, ...p.steps.map((s) => (s.kind === 'loop' ? s.steps : 0)));
  const pipelines = p.kernels.map((k) => {
    const layout = device.createBindGroupLayout({
      entries: [
        ...k.bindings.map((b, i) => ({ binding: i, visibility: GPUShaderStage.COMPUTE, buffer: { type: b.write ? ('storage' as const) : ('read-only-storage' as const) } })),
        { binding: k.bindings.length, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' as const, hasDynamicOffset: true } },
      ],
    });
    const pipeline = device.createComputePipeline({
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module: device.createShaderModule({ code: k.code, label: k.name }), entryPoint: 'main' },
    });
    return { pipeline, grid: gridFor(k.invocations) };
  });
  const slots = 1 + maxSteps;
  const uniformAll = device.createBuffer({ size: UNIFORM_STRIDE * slots * p.kernels.length, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const words = new Uint32Array((UNIFORM_STRIDE / 4) * slots * p.kernels.length);
  p.kernels.forEach((_, r) => {
    for (let s = 0; s < slots; s++) {
      const o = ((r * slots + s) * UNIFORM_STRIDE) / 4;
      words[o] = Math.max(0, s - 1);
      words[o + 1] = pipelines[r]!.grid[0];
    }
  });
  device.queue.writeBuffer(uniformAll, 0, words);
  const bindGroups = p.kernels.map((k, r) =>
    device.createBindGroup({
      layout: pipelines[r]!.pipeline.getBindGroupLayout(0),
      entries: [
        ...k.bindings.map((b, i) => ({ binding: i, resource: { buffer: buffers.get(b.tensor)! } })),
        { binding: k.bindings.length, resource: { buffer: uniformAll, size: 8 } },
      ],
    }),
  );
  return { pipelines, bindGroups, slots, uniformAll };
}

/** Every step of the program, in one compute pass. */
function encodeProgram(enc: GPUCommandEncoder, p: WgslProgram, { pipelines, bindGroups, slots }: BoundKernels): void {
  const pass = enc.beginComputePass();
  const dispatch = (ki: number, slot: number) => {
    const pl = pipelines[ki]!;
    pass.setPipeline(pl.pipeline);
    pass.setBindGroup(0, bindGroups[ki]!, [(ki * slots + slot) * UNIFORM_STRIDE]);
    pass.dispatchWorkgroups(pl.grid[0], pl.grid[1]);
  };
  for (const s of p.steps) {
    if (s.kind === 'einsum') dispatch(s.einsum, 0);
    else for (let t = 0; t < s.steps; t++) for (const m of s.members) dispatch(m, 1 + t);
  }
  pass.end();
}

async function medianRunSeconds(runOnce: () => Promise<void>, runs: number, warmup: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await runOnce();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await runOnce();
    times.push((performance.now() - t0) / 1e3);
  }
  times.sort((a, b) => a - b);
  return times.length % 2 ? times[(times.length - 1) / 2]! : (times[times.length / 2 - 1]! + times[times.length / 2]!) / 2;
}

/** Copies the computed tensors back; throws if WebGPU rejected anything since the error scope was pushed. */
async function readBack(device: GPUDevice, c: Cascade, buffers: Map<string, GPUBuffer>): Promise<Map<string, TensorData>> {
  const computed = c.tensors.filter((t) => t.role === 'intermediate' || t.role === 'output');
  const staging = computed.map((t) => device.createBuffer({ size: Math.max(1, tensorElements(t)) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }));
  const enc = device.createCommandEncoder();
  computed.forEach((t, i) => enc.copyBufferToBuffer(buffers.get(t.name)!, 0, staging[i]!, 0, Math.max(1, tensorElements(t)) * 4));
  device.queue.submit([enc.finish()]);
  const err = await device.popErrorScope();
  if (err) throw new Error(`WebGPU rejected the generated code: ${err.message}`);
  const tensors = new Map<string, TensorData>();
  for (let i = 0; i < computed.length; i++) {
    const t = computed[i]!;
    await staging[i]!.mapAsync(GPUMapMode.READ);
    const f = new Float32Array(staging[i]!.getMappedRange().slice(0));
    staging[i]!.unmap();
    staging[i]!.destroy();
    tensors.set(t.name, { dtype: t.dtype, shape: t.dims.map((d) => d.extent), data: Float64Array.from(f.subarray(0, tensorElements(t))) });
  }
  return tensors;
}
