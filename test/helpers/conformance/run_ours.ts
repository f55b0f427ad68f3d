/**
 * One conformance case on webgpu-cnn: the prepared model through the public
 * loader, compile on the shared device, run with the runtime inputs, every
 * output compared with the case's own. A typed error of the library is a
 * refusal with a reason category; anything else is a crash (a bug).
 */
import { WebGpuCnnError, UnsupportedOnnxError, OnnxFormatError } from '../../../src/errors.js';
import type { GpuContext } from '../../../src/gpu/device.js';
import { compile, type CompiledModel } from '../../../src/graph/executor.js';
import { loadOnnx } from '../../../src/onnx/load.js';
import { MaterializeBudget } from '../../../src/onnx/budget.js';
import { decodeTensor } from '../../../src/onnx/tensor.js';
import type { TensorProto } from '../../../src/onnx/proto.js';
import type { ConformanceCase } from './cases.js';
import { compareOutput } from './compare.js';
import type { Outcome } from './outcome.js';
import { prepareCase } from './runtime_inputs.js';

/** A TensorProto's values and dims, read by the importer's own decoder. */
export function tensorValues(t: TensorProto, what: string): { data: Float32Array; dims: number[] } {
  const c = decodeTensor(t, what, new MaterializeBudget());
  return { data: c.data instanceof Float32Array ? c.data : Float32Array.from(c.data), dims: [...c.dims] };
}

/** A message with its case-specific parts (quoted names, shapes, numbers) blanked, cut to its first words: like refusals group together. */
export function messageCategory(message: string, words = 9): string {
  const generic = message
    .replace(/^onnx: /, '')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\[[^\]]*\]/g, '[…]')
    .replace(/\([^)]*\)/g, '(…)')
    .replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/g, 'N');
  const cut = generic.split(/\s+/).slice(0, words).join(' ');
  return cut.replace(/[,:;]$/, '');
}

/** The reason category of a typed error: unsupported operators by op type, other errors by class and the first words of the message. */
export function refusalReason(e: WebGpuCnnError): string {
  if (e instanceof UnsupportedOnnxError) {
    if (e.kind === 'operators') return `UnsupportedOnnxError(operators): ${e.operators.map((o) => o.opType + (o.nodes.some((n) => n.endsWith('(on a runtime tensor)')) ? ' on a runtime tensor' : '')).join(', ')}`;
    return `UnsupportedOnnxError(${e.kind}): ${messageCategory(e.message)}`;
  }
  return `${e.name}: ${messageCategory(e.message)}`;
}

/**
 * parseOnnx turns an untyped error in the importer into an OnnxFormatError
 * "the model is inconsistent (…)", meant for corrupted files; on ONNX's own
 * well-formed test models it is a bug of ours, so it counts as a crash.
 */
function isWrappedBug(e: unknown): boolean {
  return e instanceof OnnxFormatError && /^onnx: the model is inconsistent \(/.test(e.message) && e.cause !== undefined && !(e.cause instanceof WebGpuCnnError);
}

/** A typed error of ours is a refusal with its reason category; anything else is a crash, described by its class and message. */
export function classifyError(e: unknown): { kind: 'refused' | 'crash'; reason: string } {
  if (e instanceof WebGpuCnnError && !isWrappedBug(e)) return { kind: 'refused', reason: refusalReason(e) };
  return { kind: 'crash', reason: describe(isWrappedBug(e) ? (e as Error).cause : e) };
}

const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0]!.slice(0, 240);

/** Runs `c` and classifies what happened. */
export async function runCaseOnOurs(ctx: GpuContext, c: ConformanceCase): Promise<Outcome> {
  const start = performance.now();
  const done = (o: Omit<Outcome, 'name' | 'ms'>): Outcome => ({ name: c.name, ms: performance.now() - start, ...o });
  let compiled: CompiledModel | undefined;
  try {
    const prepared = prepareCase(c.model, c.inputs);
    const onnx = await loadOnnx(prepared.model);
    compiled = await compile(ctx, onnx.graph, onnx.weights);
    const feeds = Object.fromEntries(prepared.runtime.map((r) => [r.name, tensorValues(r.tensor, r.name).data]));
    const { outputs } = await compiled.run(feeds);
    const problems: string[] = [];
    let maxError = 0;
    onnx.outputs.forEach((o, i) => {
      const want = c.outputs[i];
      if (!want) return void problems.push(`output ${o.name} has no expected data`);
      const expected = tensorValues(want, o.name);
      const got = outputs[o.name];
      if (!got) return void problems.push(`output ${o.name} was not returned`);
      // int64 outputs (ArgMax, TopK indices) compare as the numbers they hold
      const m = compareOutput(got instanceof BigInt64Array ? Array.from(got, Number) : got, expected.data, expected.dims, o.shape);
      if (m) {
        problems.push(`${o.name}: ${m.problem}`);
        maxError = Math.max(maxError, m.maxError);
      }
    });
    if (onnx.outputs.length !== c.outputs.length) problems.push(`${onnx.outputs.length} outputs, expected ${c.outputs.length}`);
    return problems.length ? done({ kind: 'wrong', detail: problems.join('; '), maxError }) : done({ kind: 'pass' });
  } catch (e) {
    return done(classifyError(e));
  } finally {
    compiled?.dispose();
  }
}
