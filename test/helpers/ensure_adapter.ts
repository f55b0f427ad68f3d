import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SWIFTSHADER_ICD, getNodeGpu } from '../../src/gpu/node_gpu.js';

const INSTALL = 'apt-get update && apt-get install -y chromium libvulkan1';

function canInstall(): boolean {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  try {
    execFileSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Finds an adapter, installing SwiftShader first if needed and possible; returns a description of it. */
export async function ensureWebGpuAdapter(): Promise<string> {
  const missingSoftware = !existsSync(SWIFTSHADER_ICD) || !existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1');
  let gpu: GPU | undefined;
  try {
    gpu = await getNodeGpu({ allowSoftwareFallback: !missingSoftware });
  } catch (error) {
    if (!missingSoftware) throw error;
    if (!canInstall()) {
      throw new Error(`No WebGPU adapter and no SwiftShader. Run as root:\n  ${INSTALL}\nthen npm test again.`);
    }
    console.log(`[webgpu-cnn tests] no WebGPU adapter; installing SwiftShader: ${INSTALL}`);
    execFileSync('sh', ['-c', INSTALL], { stdio: 'inherit' });
    gpu = await getNodeGpu();
  }
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('WebGPU adapter disappeared after it was found');
  return `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim();
}
