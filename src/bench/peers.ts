/**
 * The peers — ONNX Runtime Web (WebGPU execution provider) and TF.js
 * (WebGPU backend) — run on a graph and its weights, the same in the browser
 * and in Node: the caller passes the loaded library namespaces. Each peer's
 * first output is compared with ours (relative L2) and reported as it is:
 * a peer that computes a layer wrongly shows a large error, not a hidden one.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type * as ORT from 'onnxruntime-web';
import type { Graph, WeightMap } from '../graph/ir.js';
import { exportOnnx } from '../onnx/export.js';
import { relL2, timeWall, type LatencyStats } from './stats.js';
import { tfjsModel } from './tfjs_graph.js';

export interface PeerResult {
  name: string;
  available: boolean;
  /** Why not, when unavailable. */
  reason?: string;
  /** Wall time per run, upload and readback included (as ours is measured). */
  wallMs?: LatencyStats;
  /** Session / model creation. */
  loadMs?: number;
  /** Cold start: creation plus the first run (pipelines compile on it), as `compile()` + first run for ours. */
  coldMs?: number;
  /** ‖peer − ours‖ / ‖ours‖ over the first output. */
  relL2?: number;
}

export interface PeerJob {
  graph: Graph;
  weights: WeightMap;
  /** The model as ONNX for ORT: the original file when there is one, else exported from the graph. */
  onnx?: Uint8Array;
  inputs: Readonly<Record<string, Float32Array>>;
  /** Our outputs for `inputs`. */
  ours: Readonly<Record<string, Float32Array>>;
  runs: number;
  warmup: number;
}

/**
 * Cold start (creation, already timed as `loadMs`, plus the first run), then
 * the timed runs, and the first output against ours. `run` returns the
 * peer's first output.
 */
async function timedPeer(name: string, loadMs: number, run: () => Promise<Float32Array>, job: PeerJob): Promise<PeerResult> {
  const firstStart = performance.now();
  let out = await run();
  const coldMs = loadMs + (performance.now() - firstStart);
  const wallMs = await timeWall(async () => (out = await run()), job.runs, Math.max(1, job.warmup));
  return { name, available: true, wallMs, loadMs, coldMs, relL2: relL2(out, job.ours[job.graph.outputs[0]!.name]!) };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);

/** ONNX Runtime Web with the WebGPU EP on the graph (exported to ONNX unless given). */
export async function runOrtPeer(ort: typeof ORT, job: PeerJob): Promise<PeerResult> {
  const name = 'ort-web webgpu';
  let session: ORT.InferenceSession | undefined;
  try {
    const bytes = job.onnx ?? exportOnnx(job.graph, job.weights);
    const t = performance.now();
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' });
    const loadMs = performance.now() - t;
    const feeds: Record<string, ORT.Tensor> = {};
    for (const i of job.graph.inputs) feeds[i.name] = new ort.Tensor('float32', job.inputs[i.name]!, [...job.graph.tensors[i.tensor]!.shape]);
    const first = job.graph.outputs[0]!.name;
    const s = session;
    return await timedPeer(name, loadMs, async () => {
      const r = await s.run(feeds);
      const out = (await r[first]!.getData()) as Float32Array;
      for (const v of Object.values(r)) v.dispose();
      return out;
    }, job);
  } catch (e) {
    return { name, available: false, reason: message(e) };
  } finally {
    await session?.release().catch(() => undefined);
  }
}

/** TF.js's WebGPU backend (already set with tf.setBackend('webgpu')) on our graph, via tfjsModel. */
export async function runTfjsPeer(tf: typeof TF, job: PeerJob): Promise<PeerResult> {
  const name = 'tfjs webgpu';
  let model: ReturnType<typeof tfjsModel> | undefined;
  try {
    const t = performance.now();
    model = tfjsModel(tf, job.graph, job.weights);
    const loadMs = performance.now() - t;
    const first = job.graph.outputs[0]!.name;
    const m = model;
    return await timedPeer(name, loadMs, async () => (await m.run(job.inputs))[first]!, job);
  } catch (e) {
    return { name, available: false, reason: message(e) };
  } finally {
    model?.dispose();
  }
}
