// Points Dawn at SwiftShader when no Vulkan driver was chosen and SwiftShader is installed
// (apt-get install chromium-common libvulkan1), so the tests run the same here and in CI.
import { existsSync } from 'node:fs';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export function useSwiftShaderIfUnset(): void {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
}
