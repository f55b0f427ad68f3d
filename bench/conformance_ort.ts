/**
 * npm run bench:conformance -- [--runtimes ours,ort-node,ort-web] [--cases node/test_abs,...]
 *
 * The ONNX conformance cases of test/fixtures/conformance/cases.txt, with
 * the test's rule for which graph inputs become initializers, through our
 * runtime, onnxruntime-node (CPU) and ONNX Runtime Web's WebGPU EP on the
 * same Dawn GPU; prints each runtime's table and the counts side by side.
 * Not a test: a peer's failures are facts about the peer. For the peers
 * every error is a refusal (`create:` or `run:` says where); only ours can
 * crash (an untyped error of ours is a bug).
 */
import type * as OrtWeb from 'onnxruntime-web';
import { createNodeGpuContext, getNodeGpu } from '../src/gpu/node_gpu.js';
import type { GpuContext } from '../src/gpu/device.js';
import { conformanceCaseNames, readConformanceCase, requireConformanceData, type ConformanceCase } from '../test/helpers/conformance/cases.js';
import { compareOutput } from '../test/helpers/conformance/compare.js';
import { formatComparison, formatOutcomes, withTimeout, type Outcome } from '../test/helpers/conformance/outcome.js';
import { messageCategory, runCaseOnOurs, tensorValues } from '../test/helpers/conformance/run_ours.js';
import { prepareCase } from '../test/helpers/conformance/runtime_inputs.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const CASE_TIMEOUT_MS = 60_000;
const runtimes = (option('runtimes') ?? 'ours,ort-node,ort-web').split(',');
requireConformanceData();
const names = option('cases')?.split(',') ?? conformanceCaseNames();
const log = (line: string) => console.error(`  ${line}`);

/** The two ORT flavours share this much of their API: a session from bytes, run on feeds, tensors with dims and data. */
interface OrtTensor {
  dims: readonly number[];
  data: unknown;
  getData?(): Promise<unknown>;
  dispose?(): void;
}
interface OrtSession {
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtApi {
  makeSession(bytes: Uint8Array): Promise<OrtSession>;
  tensor(data: Float32Array, dims: readonly number[]): unknown;
}

// ORT's messages carry its build machine's source paths: dropped, so that like errors group
const first = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.replace(/\/\S+\.(cc|h|cpp):\d+ /g, '');

/** One case on an ORT flavour: a create or run error is a refusal, outputs are compared as ours are. */
async function runCaseOnOrt(api: OrtApi, c: ConformanceCase): Promise<Outcome> {
  const start = performance.now();
  const done = (o: Omit<Outcome, 'name' | 'ms'>): Outcome => ({ name: c.name, ms: performance.now() - start, ...o });
  const prepared = prepareCase(c.model, c.inputs);
  let session: OrtSession;
  try {
    session = await api.makeSession(prepared.model);
  } catch (e) {
    return done({ kind: 'refused', reason: `create: ${messageCategory(first(e), 12)}` });
  }
  try {
    const feeds = Object.fromEntries(prepared.runtime.map((r) => {
      const v = tensorValues(r.tensor, r.name);
      return [r.name, api.tensor(v.data, v.dims)];
    }));
    let results: Record<string, OrtTensor>;
    try {
      results = await session.run(feeds);
    } catch (e) {
      return done({ kind: 'refused', reason: `run: ${messageCategory(first(e), 12)}` });
    }
    const problems: string[] = [];
    let maxError = 0;
    for (const [i, name] of session.outputNames.entries()) {
      const t = results[name]!;
      const data = (t.getData ? await t.getData() : t.data) as ArrayLike<number>;
      const want = tensorValues(c.outputs[i]!, name);
      const m = compareOutput(data, want.data, want.dims, t.dims);
      if (m) {
        problems.push(`${name}: ${m.problem}`);
        maxError = Math.max(maxError, m.maxError);
      }
      t.dispose?.();
    }
    return problems.length ? done({ kind: 'wrong', detail: problems.join('; '), maxError }) : done({ kind: 'pass' });
  } finally {
    await session.release().catch(() => undefined);
  }
}

async function ortNode(): Promise<OrtApi> {
  const ort = await import('onnxruntime-node');
  return {
    makeSession: (bytes) => ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 2 }) as Promise<OrtSession>,
    tensor: (data, dims) => new ort.Tensor('float32', data, [...dims]),
  };
}

/**
 * ORT-web's WebGPU EP in Node on Dawn: navigator.gpu from the `webgpu`
 * package, its `/webgpu` build (the package root's node build is CPU-only),
 * one wasm thread, and writeBuffer given copies of views on ORT's
 * SharedArrayBuffer heap, which Dawn refuses (src/bench/peers_node.ts
 * does the same for the peers bench).
 */
async function ortWeb(ctx: GpuContext): Promise<OrtApi> {
  const gpu = await getNodeGpu();
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator?.gpu) Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu }, configurable: true, writable: true });
  const queue = Object.getPrototypeOf(ctx.device.queue) as GPUQueue;
  const original = queue.writeBuffer;
  queue.writeBuffer = function (this: GPUQueue, buffer: GPUBuffer, offset: number, data: BufferSource | SharedArrayBuffer, dataOffset?: number, size?: number) {
    const shared = data instanceof SharedArrayBuffer || (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer);
    if (shared) data = ArrayBuffer.isView(data) ? new (data.constructor as Uint8ArrayConstructor)(data as Uint8Array) : new Uint8Array(data as SharedArrayBuffer).slice();
    return original.call(this, buffer, offset, data as BufferSource, dataOffset, size);
  } as GPUQueue['writeBuffer'];
  const ort = (await import('onnxruntime-web/webgpu')) as typeof OrtWeb;
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return {
    makeSession: (bytes) => ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' }) as unknown as Promise<OrtSession>,
    tensor: (data, dims) => new ort.Tensor('float32', data, [...dims]),
  };
}

async function runAll(label: string, one: (c: ConformanceCase) => Promise<Outcome>): Promise<{ runtime: string; outcomes: Outcome[]; seconds: number }> {
  log(`${label}: ${names.length} cases`);
  const start = performance.now();
  const outcomes: Outcome[] = [];
  for (const name of names) {
    const t = performance.now();
    outcomes.push(await withTimeout(one(readConformanceCase(name)), CASE_TIMEOUT_MS, () => new Error(`timed out after ${CASE_TIMEOUT_MS / 1000} s`)).catch((e: unknown): Outcome => ({ name, kind: 'crash', reason: first(e), ms: performance.now() - t })));
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(formatOutcomes(label, outcomes, seconds), '\n');
  return { runtime: label, outcomes, seconds };
}

const ctx = await createNodeGpuContext();
const rows: Awaited<ReturnType<typeof runAll>>[] = [];
if (runtimes.includes('ours')) rows.push(await runAll('webgpu-cnn (WebGPU)', (c) => runCaseOnOurs(ctx, c)));
if (runtimes.includes('ort-node')) {
  const api = await ortNode();
  rows.push(await runAll('onnxruntime-node (CPU)', (c) => runCaseOnOrt(api, c)));
}
if (runtimes.includes('ort-web')) {
  try {
    const api = await ortWeb(ctx);
    rows.push(await runAll('onnxruntime-web (WebGPU EP)', (c) => runCaseOnOrt(api, c)));
  } catch (e) {
    console.log(`onnxruntime-web (WebGPU EP): could not start in Node: ${first(e)}\n`);
  }
}
console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture} ${ctx.adapter.description}`);
console.log(formatComparison(rows));
ctx.device.destroy();
process.exit(0);
