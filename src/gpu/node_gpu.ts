/**
 * WebGPU for Node through Dawn (the optional peer dependency `webgpu`).
 * Imported only by the Node entry point, so Dawn and `fs` never reach a
 * browser bundle.
 */
import { existsSync } from 'node:fs';
import { WebGpuUnavailableError } from '../errors.js';
import { createGpuContext, type CreateGpuContextOptions, type GpuContext } from './device.js';

/** Debian's chromium package ships SwiftShader's Vulkan driver here. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface NodeGpuOptions extends Omit<CreateGpuContextOptions, 'gpu'> {
  /** Fall back to SwiftShader when no hardware adapter is found (default true). */
  allowSoftwareFallback?: boolean;
  /** Dawn toggles, e.g. `enable-dawn-features=allow_unsafe_apis`. */
  dawnToggles?: string[];
}

type DawnModule = { create(toggles: string[]): GPU; globals: Record<string, unknown> };

/**
 * Dawn frees its instance when the JS object from `create()` is collected,
 * even while devices made from it are still in use (a crash in
 * InstanceBase::ProcessEvents). Every instance we hand out stays referenced
 * for the life of the process.
 */
const liveInstances = new Set<GPU>();

function createInstance(dawn: DawnModule, toggles: string[]): GPU {
  const gpu = dawn.create(toggles);
  liveInstances.add(gpu);
  return gpu;
}

async function loadDawn(): Promise<DawnModule> {
  try {
    return (await import('webgpu')) as unknown as DawnModule;
  } catch (cause) {
    throw new WebGpuUnavailableError(
      'no-webgpu',
      'Node has no WebGPU: install the optional peer dependency with `npm install webgpu`',
      { cause },
    );
  }
}

/**
 * Returns Dawn's `GPU` object, with its globals (GPUBufferUsage, ...)
 * installed. When Dawn finds no adapter and SwiftShader is installed, it
 * retries with `VK_ICD_FILENAMES` pointing at SwiftShader.
 */
export async function getNodeGpu(options: NodeGpuOptions = {}): Promise<GPU> {
  const dawn = await loadDawn();
  Object.assign(globalThis, dawn.globals);
  // the Vulkan loader complains on every instance without it
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const toggles = options.dawnToggles ?? [];
  let gpu = createInstance(dawn, toggles);
  if (await gpu.requestAdapter()) return gpu;
  if (options.allowSoftwareFallback !== false && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    // the Vulkan loader reads this variable when an instance is created, so a new instance picks it up
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    gpu = createInstance(dawn, toggles);
    if (await gpu.requestAdapter()) return gpu;
  }
  throw noNodeAdapter(options);
}

/** Node's advice for no adapter: which driver to install, or the fallback that was turned off. */
function noNodeAdapter(options: NodeGpuOptions): WebGpuUnavailableError {
  const facts = { softwareFallback: options.allowSoftwareFallback !== false, icd: process.env.VK_ICD_FILENAMES, swiftShaderInstalled: existsSync(SWIFTSHADER_ICD) };
  return new WebGpuUnavailableError('no-adapter', nodeNoAdapterMessage(facts));
}

/** What Dawn's finding no adapter means and what to install, from the facts that decide it. */
export function nodeNoAdapterMessage(facts: { softwareFallback: boolean; icd: string | undefined; swiftShaderInstalled: boolean }): string {
  const why = !facts.softwareFallback
    ? 'Dawn found no GPU adapter (the SwiftShader fallback is off: allowSoftwareFallback: false)'
    : facts.icd && facts.icd !== SWIFTSHADER_ICD
      ? `Dawn found no GPU adapter with VK_ICD_FILENAMES=${facts.icd.slice(0, 200)}: check that this Vulkan driver file exists and loads, or unset it`
      : facts.swiftShaderInstalled
        ? `Dawn found no GPU adapter, not even SwiftShader (${SWIFTSHADER_ICD}): install the Vulkan loader with \`sudo apt-get install -y libvulkan1\``
        : 'Dawn found no GPU adapter';
  return (
    `${why}. With a GPU, install its Vulkan driver; without one, install SwiftShader with \`sudo apt-get install -y chromium libvulkan1\` ` +
    `(it provides ${SWIFTSHADER_ICD}) or set VK_ICD_FILENAMES to another Vulkan driver's JSON file.`
  );
}

/**
 * A GpuContext in Node: Dawn, the adapter's real limits, optional features.
 *
 * @example
 * import { createNodeGpuContext } from 'webgpu-cnn/node';
 * const ctx = await createNodeGpuContext();
 */
export async function createNodeGpuContext(options: NodeGpuOptions = {}): Promise<GpuContext> {
  const gpu = await getNodeGpu(options);
  try {
    return await createGpuContext({ ...options, gpu });
  } catch (error) {
    // e.g. the powerPreference asked for found no adapter: Node's advice, not the browser's
    if (error instanceof WebGpuUnavailableError && error.reason === 'no-adapter') throw noNodeAdapter(options);
    throw error;
  }
}
