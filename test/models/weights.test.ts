import { describe, expect, it, vi } from 'vitest';
import { WeightError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { parseSafetensors, readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { weightsForGraph, type ShapedTensor } from '../../src/models/weights.js';
import { Rng } from '../helpers/random.js';

/** conv (no bias) → BN → ReLU → global pool → linear: 7 parameters, torchvision-style names. */
function smallGraph(): Graph {
  const g = new GraphBuilder();
  let x = g.input('image', [1, 3, 8, 8]);
  x = g.conv2d(x, { name: 'conv1', outChannels: 4, kernel: 3, pad: 1, bias: false });
  x = g.batchNorm(x, { name: 'bn1' });
  x = g.relu(x);
  x = g.flatten(g.globalAvgPool(x));
  g.output(g.linear(x, { name: 'fc', outFeatures: 5 }));
  return g.build();
}

/** Tensors exactly as the graph wants them. */
function tensorsFor(graph: Graph, rng = new Rng(3)): Map<string, ShapedTensor> {
  return new Map([...graph.parameters.values()].map((p) => [p.name, { shape: [...p.shape], data: rng.array(p.shape.reduce((a, b) => a * b, 1)) }]));
}

/** The file with an I64 scalar appended, as PyTorch saves BatchNorm's step counter. */
function withCounter(bytes: Uint8Array, name: string): Uint8Array {
  const file = parseSafetensors(bytes);
  const header: Record<string, unknown> = { __metadata__: file.metadata };
  let end = 0;
  for (const e of file.entries.values()) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: e.dataOffsets };
    end = Math.max(end, e.dataOffsets[1]);
  }
  header[name] = { dtype: 'I64', shape: [], data_offsets: [end, end + 8] };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const data = bytes.subarray(bytes.length - end);
  const out = new Uint8Array(8 + json.length + end + 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  new DataView(out.buffer).setBigInt64(8 + json.length + end, 1234n, true);
  return out;
}

function weightErrorOf(fn: () => unknown): WeightError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WeightError);
    return error as WeightError;
  }
  throw new Error('expected a WeightError');
}

describe('weightsForGraph', () => {
  const graph = smallGraph();

  it('an exact match gives every parameter, the arrays passed through', () => {
    expect([...graph.parameters.keys()]).toEqual(['conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'fc.weight', 'fc.bias']);
    const tensors = tensorsFor(graph);
    const onNotice = vi.fn();
    const weights = weightsForGraph(graph, tensors, { onNotice });
    expect([...weights.keys()].sort()).toEqual([...graph.parameters.keys()].sort());
    for (const [name, t] of tensors) expect(weights.get(name)).toBe(t.data);
    expect(onNotice).not.toHaveBeenCalled();
  });

  it('loads through a safetensors round trip, with the I64 BatchNorm counter a torchvision file has', () => {
    const tensors = tensorsFor(graph);
    const bytes = withCounter(writeSafetensors(tensors, { format: 'pt' }), 'bn1.num_batches_tracked');
    expect(parseSafetensors(bytes).entries.get('bn1.num_batches_tracked')!.dtype).toBe('I64');
    const weights = weightsForGraph(graph, readSafetensors(bytes));
    for (const [name, t] of tensors) expect(weights.get(name)).toEqual(t.data);
  });

  it('num_batches_tracked keys are ignored silently', () => {
    const tensors = tensorsFor(graph);
    tensors.set('bn1.num_batches_tracked', { shape: [], data: Float32Array.of(1000) });
    const onNotice = vi.fn();
    const weights = weightsForGraph(graph, tensors, { onNotice });
    expect(weights.has('bn1.num_batches_tracked')).toBe(false);
    expect(weights.size).toBe(7);
    expect(onNotice).not.toHaveBeenCalled();
  });

  it('missing, unexpected and mis-shaped tensors are all listed in one WeightError', () => {
    const tensors = tensorsFor(graph);
    tensors.delete('bn1.running_var');
    tensors.delete('fc.bias');
    tensors.set('fc2.weight', { shape: [1], data: Float32Array.of(0) });
    tensors.set('layer9.bias', { shape: [1], data: Float32Array.of(0) });
    // same element count, wrong layout: [in, out] instead of [out, in]
    tensors.set('fc.weight', { shape: [4, 5], data: new Float32Array(20) });
    // same count, wrong rank: a conv weight flattened
    tensors.set('conv1.weight', { shape: [4, 27], data: new Float32Array(108) });
    // a shape that contradicts its own data: reported by size
    tensors.set('bn1.bias', { shape: [4], data: new Float32Array(3) });
    const error = weightErrorOf(() => weightsForGraph(graph, tensors));
    expect(error.missing).toEqual(['bn1.running_var', 'fc.bias']);
    expect(error.unexpected).toEqual(['fc2.weight', 'layer9.bias']);
    expect(error.misshapen).toEqual([
      { name: 'conv1.weight', expected: [4, 3, 3, 3], actual: 108, actualShape: [4, 27] },
      { name: 'bn1.bias', expected: [4], actual: 3 },
      { name: 'fc.weight', expected: [5, 4], actual: 20, actualShape: [4, 5] },
    ]);
    expect(error.message).toBe(
      'weights do not match the graph: missing bn1.running_var, fc.bias; unexpected fc2.weight, layer9.bias; ' +
        'wrong size bn1.bias (expected [4] = 4 values, got 3); ' +
        'wrong shape conv1.weight (expected [4, 3, 3, 3], got [4, 27]), fc.weight (expected [5, 4], got [4, 5])',
    );
  });

  it('a single wrong shape and a single missing tensor each throw', () => {
    const wrong = tensorsFor(graph);
    wrong.set('bn1.running_mean', { shape: [1, 4], data: new Float32Array(4) });
    expect(() => weightsForGraph(graph, wrong)).toThrow(/wrong shape bn1\.running_mean \(expected \[4\], got \[1, 4\]\)/);
    const missing = tensorsFor(graph);
    missing.delete('conv1.weight');
    expect(() => weightsForGraph(graph, missing)).toThrow(/^weights do not match the graph: missing conv1\.weight$/);
  });

  it('skipPrefixes drops auxiliary keys with ONE notice that counts them', () => {
    const tensors = tensorsFor(graph);
    for (const aux of ['aux1', 'aux2']) {
      for (const layer of ['conv.conv.weight', 'conv.bn.weight', 'conv.bn.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight']) {
        tensors.set(`${aux}.${layer}`, { shape: [1], data: Float32Array.of(0) });
      }
    }
    tensors.set('aux1.conv.bn.num_batches_tracked', { shape: [], data: Float32Array.of(0) });
    const onNotice = vi.fn();
    const weights = weightsForGraph(graph, tensors, {
      skipPrefixes: ['aux1.', 'aux2.'],
      skipReason: 'auxiliary classifiers; the inference graph has none',
      onNotice,
    });
    expect(weights.size).toBe(7);
    expect(onNotice).toHaveBeenCalledExactlyOnceWith('skipped 13 tensors of aux1., aux2. (auxiliary classifiers; the inference graph has none)');
  });

  it('skipped keys still fail on other problems; a prefix never hides a declared parameter', () => {
    const tensors = tensorsFor(graph);
    tensors.set('aux1.fc.weight', { shape: [1], data: Float32Array.of(0) });
    tensors.set('fc.weight', { shape: [1], data: Float32Array.of(0) });
    const onNotice = vi.fn();
    // 'fc.' is a prefix of declared parameters: they are matched (and mis-shaped), not skipped
    const error = weightErrorOf(() => weightsForGraph(graph, tensors, { skipPrefixes: ['aux1.', 'fc.'], onNotice }));
    expect(error.misshapen.map((m) => m.name)).toEqual(['fc.weight']);
    expect(onNotice).not.toHaveBeenCalled();
  });

  it('the notice goes to console.info by default, and only names prefixes that matched', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    try {
      const tensors = tensorsFor(graph);
      tensors.set('aux2.fc.weight', { shape: [1], data: Float32Array.of(0) });
      weightsForGraph(graph, tensors, { skipPrefixes: ['aux1.', 'aux2.'] });
      expect(info).toHaveBeenCalledExactlyOnceWith('skipped 1 tensor of aux2.');
    } finally {
      info.mockRestore();
    }
  });
});
