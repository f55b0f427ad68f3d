/**
 * Runs once before the suite: makes sure a WebGPU adapter exists. Without a
 * GPU that means SwiftShader from Debian's chromium package; as root with
 * apt-get we install it, otherwise we stop with the exact command. A missing
 * adapter fails the suite loudly, never skips it.
 */
import { ensureWebGpuAdapter } from './helpers/ensure_adapter.js';

export default async function setup(): Promise<void> {
  const description = await ensureWebGpuAdapter();
  console.log(`[webgpu-cnn tests] adapter: ${description}`);
}
