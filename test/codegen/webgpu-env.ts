// Points Dawn at SwiftShader when no Vulkan driver was chosen and SwiftShader is installed
// (apt-get install chromium-common libvulkan1), so the tests run the same here and in CI.
// Where SwiftShader (or a chosen Vulkan driver) is present, a missing adapter is a failure;
// only a machine with neither skips, visibly, with the reason printed.
import { existsSync } from 'node:fs';
import { getWebGpuDevice, type DeviceHandle } from '../../compiler/codegen/wgsl';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export function useSwiftShaderIfUnset(): void {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
}

/** True when this machine is set up to have a WebGPU adapter (CI installs SwiftShader). */
export function adapterExpected(): boolean {
  const icd = process.env.VK_ICD_FILENAMES;
  return icd !== undefined && icd.split(':').some((f) => existsSync(f));
}

/**
 * Opens a WebGPU device. With no adapter: throws where one is expected (a Vulkan driver is
 * installed), otherwise returns the handle so tests can skip visibly through `skipWithoutGpu`.
 */
export async function openWebGpu(): Promise<DeviceHandle> {
  useSwiftShaderIfUnset();
  const gpu = await getWebGpuDevice();
  if (!gpu.device && adapterExpected())
    throw new Error(`no WebGPU adapter although VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES} is installed: ${gpu.reason}`);
  if (!gpu.device) console.warn(`WebGPU tests skipped (no adapter and no Vulkan driver installed): ${gpu.reason}`);
  return gpu;
}

/** Marks the running test as skipped (reported as such by vitest) when there is no device. */
export function skipWithoutGpu(gpu: DeviceHandle, ctx: { skip: (note?: string) => void }): void {
  if (!gpu.device) ctx.skip(`no WebGPU adapter: ${gpu.reason}`);
}
