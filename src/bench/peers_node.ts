/**
 * The peers in Node, on Dawn: ONNX Runtime Web's WebGPU EP and TF.js's
 * WebGPU backend, both dev dependencies loaded by dynamic import so a CLI
 * installed without them says what to install. Dawn needs a few fixes for
 * ORT (see docs): a navigator with Dawn's gpu, ORT's dist file imported by
 * path (its `node` export is CPU-only), one wasm thread, copies of views on
 * ORT's SharedArrayBuffer heap before writeBuffer, and a warm-up on a tiny
 * model while V8 tiers up ORT's wasm.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type * as ORT from 'onnxruntime-web';
import type { GpuContext } from '../gpu/device.js';
import { getNodeGpu } from '../gpu/node_gpu.js';
import { lenet5 } from '../models/lenet.js';
import { randomWeights } from '../models/random_weights.js';
import { runOrtPeer, runTfjsPeer, type PeerJob, type PeerResult } from './peers.js';

export type { PeerJob, PeerResult } from './peers.js';

export const PEERS_INSTALL = 'npm i -D onnxruntime-web @tensorflow/tfjs-core @tensorflow/tfjs-backend-webgpu';

let prepared: Promise<void> | undefined;

/** navigator.gpu for the peers, and writeBuffer that accepts SharedArrayBuffer views. */
async function prepareDawn(ctx: GpuContext): Promise<void> {
  const gpu = await getNodeGpu();
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator?.gpu) Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu }, configurable: true, writable: true });
  const queue = Object.getPrototypeOf(ctx.device.queue) as GPUQueue & { __sabSafe?: boolean };
  if (!queue.__sabSafe) {
    const original = queue.writeBuffer;
    queue.writeBuffer = function (this: GPUQueue, buffer: GPUBuffer, offset: number, data: BufferSource | SharedArrayBuffer, dataOffset?: number, size?: number) {
      const shared = typeof SharedArrayBuffer !== 'undefined' && (data instanceof SharedArrayBuffer || (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer));
      if (shared) data = ArrayBuffer.isView(data) ? new (data.constructor as Uint8ArrayConstructor)(data as Uint8Array) : new Uint8Array(data as SharedArrayBuffer).slice();
      return original.call(this, buffer, offset, data as BufferSource, dataOffset, size);
    } as GPUQueue['writeBuffer'];
    queue.__sabSafe = true;
  }
}

async function loadOrt(): Promise<typeof ORT> {
  // the `/webgpu` subpath: the package root's `node` condition maps to a CPU-only build
  const ort = (await import('onnxruntime-web/webgpu')) as typeof ORT;
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return ort;
}

async function loadTfjs(): Promise<typeof TF> {
  const tf = (await import('@tensorflow/tfjs-core')) as typeof TF;
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its webgpu backend');
  await tf.ready();
  return tf;
}

/** TF.js with its WebGPU backend on Dawn (navigator.gpu must exist before the backend module is imported, or it never registers). */
export async function loadNodeTfjs(ctx: GpuContext): Promise<typeof TF> {
  prepared ??= prepareDawn(ctx);
  await prepared;
  return loadTfjs();
}

const missing = (e: unknown) => /Cannot find (package|module)|ERR_MODULE_NOT_FOUND/.test(String(e));

let ortWarm = false;

/** ORT-web on `job`, after (once per process) a warm-up on a tiny model while V8 tiers up its wasm. */
async function warmThenRunOrt(ort: typeof ORT, job: PeerJob, log: (line: string) => void): Promise<PeerResult> {
  if (!ortWarm) {
    log('ort-web: warming up on a tiny model (V8 tiers up its wasm first)');
    const tiny = lenet5();
    await runOrtPeer(ort, { graph: tiny, weights: randomWeights(tiny, 1), inputs: { image: new Float32Array(32 * 32) }, ours: { logits: new Float32Array(10) }, runs: 1, warmup: 1 });
    ortWarm = true;
  }
  log('ort-web: timing');
  return runOrtPeer(ort, job);
}

/**
 * ONNX Runtime Web's WebGPU EP alone on `job` (job.onnx, else the graph
 * exported), on the same Dawn GPU as `ctx`; unavailable with the reason
 * when onnxruntime-web is missing or refuses the model.
 *
 * @example
 * const ort = await runNodeOrt(ctx, { graph, weights, onnx, inputs, ours: outputs, runs: 3, warmup: 1 });
 */
export async function runNodeOrt(ctx: GpuContext, job: PeerJob, log: (line: string) => void = () => undefined): Promise<PeerResult> {
  prepared ??= prepareDawn(ctx);
  await prepared;
  let ort: typeof ORT;
  try {
    ort = await loadOrt();
  } catch (e) {
    return { name: 'ort-web webgpu', available: false, reason: missing(e) ? `onnxruntime-web is not installed: ${PEERS_INSTALL}` : String(e) };
  }
  return warmThenRunOrt(ort, job, log);
}

/**
 * Runs ORT-web and TF.js on the same GPU as `ctx` and compares each with
 * `job.ours`. A missing dev dependency is an unavailable peer saying what to
 * install, never a crash.
 *
 * @example
 * const peers = await runNodePeers(ctx, { graph, weights, inputs, ours: outputs, runs: 10, warmup: 2 });
 */
export async function runNodePeers(ctx: GpuContext, job: PeerJob, log: (line: string) => void = () => undefined): Promise<PeerResult[]> {
  prepared ??= prepareDawn(ctx);
  await prepared;
  const results: PeerResult[] = [];
  let ort: typeof ORT | undefined;
  try {
    ort = await loadOrt();
  } catch (e) {
    results.push({ name: 'ort-web webgpu', available: false, reason: missing(e) ? `onnxruntime-web is not installed: ${PEERS_INSTALL}` : String(e) });
  }
  if (ort) results.push(await warmThenRunOrt(ort, job, log));
  let tf: typeof TF | undefined;
  try {
    tf = await loadTfjs();
  } catch (e) {
    results.push({ name: 'tfjs webgpu', available: false, reason: missing(e) ? `TF.js is not installed: ${PEERS_INSTALL}` : String(e) });
  }
  if (tf) {
    log('tfjs: timing');
    results.push(await runTfjsPeer(tf, job));
  }
  return results;
}
