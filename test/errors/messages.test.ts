/**
 * Messages that fail the user (issue #11, item 8): each failure below gives a
 * short typed message that names the problem and the fix; lists are
 * summarized (counts and the first few names) while the error keeps them whole.
 */
import { describe, expect, it, vi } from 'vitest';
import { memoryAutotuneStore, parseDocument, shapeKey, storedChoiceProblem, type AutotuneDocument } from '../../src/autotune/store.js';
import { autotuneConvs } from '../../src/autotune/autotune.js';
import { BindingLimitError, GraphError, WeightError, WebGpuUnavailableError } from '../../src/errors.js';
import { createGpuContext, unavailableMessage, type GpuContext } from '../../src/gpu/device.js';
import { nodeNoAdapterMessage, SWIFTSHADER_ICD } from '../../src/gpu/node_gpu.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { checkWeights, lower, tensorLabel } from '../../src/graph/exec_graph.js';
import type { Graph } from '../../src/graph/ir.js';
import { linearColumnChunks } from '../../src/graph/node_kernels.js';
import { chooseStrategies } from '../../src/graph/passes/choose_strategy.js';
import { planStorage } from '../../src/graph/storage_plan.js';
import { conv2dShape } from '../../src/kernels/conv2d_shape.js';
import { GEMM_TILE_NAMES } from '../../src/kernels/gemm.js';
import { resnet18 } from '../../src/models/resnet.js';
import { vgg16 } from '../../src/models/vgg.js';
import { weightsForGraph, type ShapedTensor } from '../../src/models/weights.js';
import { randomWeights } from '../helpers/random_graph.js';
import { Rng } from '../helpers/random.js';
import { thrown } from '../helpers/thrown.js';

/** A short message: one line, under `max` characters. */
function expectShort(message: string, max = 400): void {
  expect(message.length, message).toBeLessThan(max);
  expect(message).not.toContain('\n');
}


/** Tensors named like `graph`'s parameters (or with those names changed); data is one float, enough for names that do not match. */
function namesOf(graph: Graph, rename: (name: string) => string = (n) => n): Map<string, ShapedTensor> {
  return new Map([...graph.parameters.keys()].map((name) => [rename(name), { shape: [1], data: new Float32Array(1) }]));
}

describe('WeightError summarizes its lists', () => {
  it('a file for another architecture (VGG-16 keys into ResNet-18): counts, first names, and the likely cause', () => {
    const graph = resnet18();
    const total = graph.parameters.size;
    const error = thrown(() => weightsForGraph(graph, namesOf(vgg16())));
    expect(error).toBeInstanceOf(WeightError);
    const e = error as WeightError;
    // the lists stay whole on the error
    expect(e.missing).toHaveLength(total);
    expect(e.unexpected).toHaveLength(32);
    expect(e.parameterCount).toBe(total);
    expect(e.message).toContain(`missing ${total} of ${total} graph parameters (conv1.weight, bn1.weight, bn1.bias and ${total - 3} more)`);
    expect(e.message).toContain('unexpected 32 (features.0.weight, features.0.bias, features.2.weight and 29 more)');
    expect(e.message).toContain(`is this file for another architecture? only 0 of ${total} graph parameters are in it`);
    expect(e.message).not.toContain('layer4');
    expectShort(e.message);
  });

  it('thousands of names (a large header) still give a short message', () => {
    const missing = Array.from({ length: 3000 }, (_, i) => `blocks.${i}.conv.weight`);
    const unexpected = Array.from({ length: 100_000 }, (_, i) => `encoder.layers.${i}.attention.q_proj.weight`);
    const misshapen = Array.from({ length: 2000 }, (_, i) => ({ name: `head.${i}.weight`, expected: [10, 512], actual: 512_000, actualShape: [1000, 512] }));
    const e = new WeightError(missing, unexpected, misshapen, 3100);
    // every list is long, so each shows its first name only
    expect(e.message).toContain('missing 3000 of 3100 graph parameters (blocks.0.conv.weight and 2999 more)');
    expect(e.message).toContain('unexpected 100000 (encoder.layers.0.attention.q_proj.weight and 99999 more)');
    expect(e.message).toContain('wrong shape 2000 (head.0.weight (expected [10, 512], got [1000, 512]) and 1999 more)');
    expect(e.message).toContain('is this file for another architecture? only 100 of 3100 graph parameters are in it');
    expectShort(e.message);
    expect(e.unexpected).toHaveLength(100_000);
  });

  it('a name of 10,000 characters is cut in the message, kept whole on the error', () => {
    const long = `x${'.y'.repeat(5000)}`;
    const e = new WeightError([], [long], []);
    expect(e.unexpected[0]).toBe(long);
    expect(e.message).toMatch(/^weights do not match the graph: unexpected x(\.y)+…$/);
    expectShort(e.message);
  });

  it('keys saved with an extra prefix (DataParallel\'s "module.") are recognised and the fix named', () => {
    const graph = resnet18();
    const e = thrown(() => weightsForGraph(graph, namesOf(graph, (n) => `module.${n}`))) as WeightError;
    expect(e).toBeInstanceOf(WeightError);
    expect(e.message).toContain('the file\'s names carry an extra prefix "module." (strip it from its keys)');
    expectShort(e.message);
  });

  it('keys lacking the graph\'s prefix are recognised too', () => {
    const g = new GraphBuilder();
    let x = g.input('x', [1, 3, 8, 8]);
    for (let i = 0; i < 6; i++) x = g.conv2d(x, { name: `backbone.conv${i}`, outChannels: 4, kernel: 3, pad: 1 });
    g.output(x, 'y');
    const graph = g.build();
    const e = thrown(() => weightsForGraph(graph, namesOf(graph, (n) => n.slice('backbone.'.length)))) as WeightError;
    expect(e.message).toContain('the file\'s names lack the graph\'s prefix "backbone." (add it to its keys)');
    expectShort(e.message);
  });

  it('compile\'s own check (checkWeights) summarizes the same way', () => {
    const graph = resnet18();
    const weights = new Map([...namesOf(vgg16())].map(([k, v]) => [k, v.data]));
    const e = thrown(() => checkWeights(graph, weights)) as WeightError;
    expect(e).toBeInstanceOf(WeightError);
    expect(e.message).toContain(`missing ${graph.parameters.size} of ${graph.parameters.size} graph parameters`);
    expect(e.message).toContain('another architecture');
    expectShort(e.message);
  });

  it('a few problems are still listed in full, with no guess', () => {
    const e = new WeightError(['fc.bias'], ['fc2.weight'], [{ name: 'fc.weight', expected: [5, 4], actual: 20, actualShape: [4, 5] }], 7);
    expect(e.message).toBe('weights do not match the graph: missing fc.bias; unexpected fc2.weight; wrong shape fc.weight (expected [5, 4], got [4, 5])');
  });
});

/** conv1 → relu → fc: small enough to lower with random weights. */
function smallGraph(): Graph {
  const g = new GraphBuilder();
  let x = g.input('image', [2, 3, 16, 16]);
  x = g.conv2d(x, { name: 'conv1', outChannels: 8, kernel: 3, pad: 1 });
  x = g.relu(x, 'relu1');
  g.output(g.linear(g.flatten(g.globalAvgPool(x, 'gap'), 'flat'), { name: 'fc', outFeatures: 5 }), 'logits');
  return g.build();
}

describe('BindingLimitError names the layer and the tensor\'s role', () => {
  const exec = lower(smallGraph(), randomWeights(smallGraph(), new Rng(1)));
  // one step per node, as the executor schedules them
  const steps = exec.nodes.map((n) => ({ reads: [...n.inputs], writes: [n.output], scratchBytes: 0 }));
  const rootBytes = new Map([...exec.shapes].map(([t, shape]) => [t, shape.reduce((a, b) => a * b, 4)] as const));
  // conv1's output is 2·8·16·16·4 = 16 KiB, the image 6 KiB: only conv1's output (and relu1's) are over 8 KiB
  const limits = { alignment: 256, maxBindingSize: 8192, maxBufferSize: 1 << 30 };

  it('a tensor over the binding limit is "output of layer conv1", with the sizes and the fix', () => {
    const e = thrown(() => planStorage(steps, rootBytes, new Set(), limits, { tensor: (t) => tensorLabel(exec, t), step: (i) => exec.nodes[i]!.name }));
    expect(e).toBeInstanceOf(BindingLimitError);
    const b = e as BindingLimitError;
    expect(b.what).toMatch(/^output of layer "(conv1|relu1)"$/);
    expect(b.message).toMatch(/^output of layer "(conv1|relu1)" needs 16384 bytes in one storage binding, but this device allows 8192 \(16 KiB > 8 KiB, maxStorageBufferBindingSize\)/);
    expect(b.message).toContain('use a smaller batch or input size');
    expect(b.message).not.toMatch(/tensor \d/);
    expect(b).toMatchObject({ bytes: 16384, limit: 8192 });
    expectShort(b.message);
  });

  it('tensorLabel names graph inputs and outputs by their names', () => {
    expect(tensorLabel(exec, exec.inputs[0]!.tensor)).toBe('graph input "image"');
    expect(tensorLabel(exec, exec.outputs[0]!.tensor)).toBe('output of layer "fc" (graph output "logits")');
    expect(tensorLabel(exec, exec.nodes[0]!.output)).toBe('output of layer "conv1"');
  });

  it('a linear weight whose smallest block is over the limit names the layer', () => {
    const e = thrown(() => linearColumnChunks(25088, 4096, 64 * 1024, 'classifier.0'));
    expect(e).toBeInstanceOf(BindingLimitError);
    expect(e.message).toContain('weight of layer "classifier.0" (its smallest block: 64 columns of 25088 inputs) needs 6422528 bytes in one storage binding, but this device allows 65536 (6.1');
    expect(e.message).toContain('MiB > 64 KiB, maxStorageBufferBindingSize)');
    expectShort(e.message);
  });
});

describe('graph inputs and outputs need a name each', () => {
  it('two outputs with one name: a GraphError naming it, at output() time', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 4]);
    g.output(g.relu(x), 'y');
    const e = thrown(() => g.output(g.identity(x), 'y'));
    expect(e).toBeInstanceOf(GraphError);
    expect(e.message).toContain('two graph outputs are named "y"');
    expect(e.message).toContain('give each output its own name');
    expectShort(e.message);
  });

  it('two inputs with one name: a GraphError naming it', () => {
    const g = new GraphBuilder();
    g.input('x', [1, 4]);
    const e = thrown(() => g.input('x', [1, 4]));
    expect(e).toBeInstanceOf(GraphError);
    expect(e.message).toContain('two graph inputs are named "x"');
  });

  it('a hand-made Graph with two outputs of one name is rejected when lowered, not silently shortened', () => {
    const graph = smallGraph();
    const twice: Graph = { ...graph, outputs: [graph.outputs[0]!, { name: 'logits', tensor: graph.nodes[0]!.output }] };
    const e = thrown(() => lower(twice, randomWeights(graph, new Rng(2))));
    expect(e).toBeInstanceOf(GraphError);
    expect(e.message).toMatch(/two graph outputs are named "logits" \(tensors \d+ and \d+\)/);
  });
});

describe('a tampered autotune cache is ignored with a notice, never a TypeError', () => {
  const shape = conv2dShape({ batch: 1, inChannels: 12, inHeight: 9, inWidth: 11, outChannels: 12, kernelHeight: 1, kernelWidth: 1 });
  const valid = { strategy: 'pointwise', tile: '4x256', timings: { pointwise: 0.5 }, measuredAt: '2025-01-01T00:00:00Z' };

  it.each([
    ['not an object', 7, /not an object/],
    ['no strategy', { tile: '64x64', timings: {}, measuredAt: 'x' }, /no strategy/],
    ['an unknown strategy', { ...valid, strategy: 'winograd' }, /unknown strategy "winograd"/],
    // The message lists every registered tile; built from the registry so a new tile does not break it.
    ['an unknown tile', { ...valid, tile: '9x9' }, new RegExp(`unknown GEMM tile "9x9" \\(known: ${GEMM_TILE_NAMES.join(', ')}\\)`)],
    ['a tile of the wrong type', { ...valid, tile: 3 }, /unknown GEMM tile 3/],
    ['timings that are not numbers', { ...valid, timings: { pointwise: 'fast' } }, /timings are not numbers/],
    ['no timings', { strategy: 'pointwise', measuredAt: 'x' }, /timings are not numbers/],
    ['incorrect not a list', { ...valid, incorrect: 'direct' }, /incorrect is not a list/],
    ['no measuredAt', { strategy: 'pointwise', timings: {} }, /no measuredAt/],
  ])('%s', (_, entry, reason) => {
    expect(storedChoiceProblem(entry, shape)).toMatch(reason);
  });

  it('a strategy that cannot run the shape (depthwise on a dense 1×1) is unusable; a valid entry is usable', () => {
    expect(storedChoiceProblem({ ...valid, strategy: 'depthwise', tile: undefined }, shape)).toBe('depthwise cannot run this shape');
    expect(storedChoiceProblem(valid, shape)).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"version": 1, "adapters": {', /the autotune cache \/tmp\/t\.json is not valid JSON; ignoring it/],
    ['another version', '{"version": 2, "adapters": {}}', /has version 2, not 1; ignoring it/],
    ['not a document', '[1, 2, 3]', /is not an autotune document/],
  ])('a stored text that is %s gives an empty document and a notice', (_, text, notice) => {
    const onNotice = vi.fn();
    expect(parseDocument(text, { source: 'the autotune cache /tmp/t.json', onNotice })).toEqual({ version: 1, adapters: {} });
    expect(onNotice).toHaveBeenCalledOnce();
    expect(onNotice.mock.calls[0]![0]).toMatch(notice);
    expectShort(onNotice.mock.calls[0]![0]);
  });

  it('an adapter entry that is not an object is dropped; the others kept', () => {
    const onNotice = vi.fn();
    const doc = parseDocument(JSON.stringify({ version: 1, adapters: { a: null, b: { k: valid } } }), { onNotice });
    expect(doc.adapters).toEqual({ b: { k: valid } });
    expect(onNotice).toHaveBeenCalledExactlyOnceWith(expect.stringContaining('malformed entry for adapter "a"'));
  });

  it('autotuneConvs drops the tampered entry with a notice and measures it again (a GPU run)', async () => {
    const { testContext } = await import('../helpers/gpu.js');
    const ctx: GpuContext = await testContext();
    const g = new GraphBuilder();
    const x = g.input('x', [1, 12, 9, 11]);
    g.output(g.conv2d(x, { name: 'p1', outChannels: 12, kernel: 1 }), 'y');
    const graph = g.build();
    const exec = chooseStrategies(lower(graph, randomWeights(graph, new Rng(3))), { deviceClass: ctx.deviceClass }, []);
    const key = shapeKey(shape);
    const { adapterKey } = await import('../../src/autotune/store.js');
    const tampered: AutotuneDocument = { version: 1, adapters: { [adapterKey(ctx.adapter)]: { [key]: { ...valid, tile: '9x9' } as never } } };
    const store = memoryAutotuneStore(tampered);
    const onNotice = vi.fn();
    const report = await autotuneConvs(ctx, exec, { store, runs: 1, warmup: 0, tiles: false, onNotice });
    expect(report.measured).toEqual([key]);
    expect(report.notices).toHaveLength(1);
    expect(report.notices![0]).toMatch(/^autotune: the stored choice for p1 \(.*\) is unusable \(unknown GEMM tile "9x9"/);
    expect(onNotice).toHaveBeenCalledExactlyOnceWith(report.notices![0]);
    // the measurement replaced the tampered entry
    const saved = (await store.load()).adapters[adapterKey(ctx.adapter)]![key]!;
    expect(storedChoiceProblem(saved, shape)).toBeUndefined();
  });
});

describe('no WebGPU / no adapter: advice for where we run', () => {
  it('a browser without WebGPU gets browser advice, never Node\'s', () => {
    const m = unavailableMessage('no-webgpu', { node: false, secureContext: true });
    expect(m).toMatch(/Chrome or Edge 113\+, Safari 26\+, or Firefox 141\+/);
    expect(m).toContain('chrome://flags/#enable-unsafe-webgpu');
    for (const nodeWord of ['VK_ICD_FILENAMES', 'apt-get', 'Node', 'npm']) expect(m).not.toContain(nodeWord);
    expectShort(m);
  });

  it('a page over plain http is told to use https or localhost', () => {
    const m = unavailableMessage('no-webgpu', { node: false, secureContext: false });
    expect(m).toBe('WebGPU needs a secure context: serve this page over https, or from localhost while developing');
  });

  it('a browser with WebGPU but no adapter: blocklist, hardware acceleration, driver — not VK_ICD_FILENAMES', () => {
    const m = unavailableMessage('no-adapter', { node: false });
    expect(m).toContain('offered no GPU adapter');
    expect(m).toContain('chrome://gpu');
    expect(m).toContain('hardware acceleration');
    for (const nodeWord of ['VK_ICD_FILENAMES', 'apt-get', 'SwiftShader', 'Node']) expect(m).not.toContain(nodeWord);
    expectShort(m);
  });

  it('in Node, the browser entry points at webgpu-cnn/node', async () => {
    expect(unavailableMessage('no-webgpu', { node: true })).toContain('createNodeGpuContext() from "webgpu-cnn/node"');
    // a GPU object whose adapter request finds nothing, called from Node
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    const e = await createGpuContext({ gpu }).catch((error: unknown) => error as WebGpuUnavailableError);
    expect(e).toBeInstanceOf(WebGpuUnavailableError);
    expect((e as WebGpuUnavailableError).reason).toBe('no-adapter');
    expect((e as Error).message).toContain('createNodeGpuContext()');
    expect((e as Error).message).not.toContain('chrome://');
  });

  it('Node\'s own advice names the driver to install, or the user\'s VK_ICD_FILENAMES that found nothing', () => {
    const bare = nodeNoAdapterMessage({ softwareFallback: true, icd: undefined, swiftShaderInstalled: false });
    expect(bare).toContain('sudo apt-get install -y chromium libvulkan1');
    expect(bare).toContain(SWIFTSHADER_ICD);
    expectShort(bare);
    const mine = nodeNoAdapterMessage({ softwareFallback: true, icd: '/opt/no-such.json', swiftShaderInstalled: true });
    expect(mine).toContain('VK_ICD_FILENAMES=/opt/no-such.json: check that this Vulkan driver file exists and loads, or unset it');
    const loader = nodeNoAdapterMessage({ softwareFallback: true, icd: SWIFTSHADER_ICD, swiftShaderInstalled: true });
    expect(loader).toContain('not even SwiftShader');
    expect(loader).toContain('libvulkan1');
    const off = nodeNoAdapterMessage({ softwareFallback: false, icd: undefined, swiftShaderInstalled: true });
    expect(off).toContain('allowSoftwareFallback: false');
  });
});
