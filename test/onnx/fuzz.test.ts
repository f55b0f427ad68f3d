/**
 * Fuzzing the loader: mutated, truncated and random bytes, and well-formed
 * protobuf with nonsense in its fields. Every case must end in a model or in
 * one of the library's typed errors — never a raw RangeError/TypeError,
 * never a hang (vitest's timeout would catch one), never an allocation past
 * the materialize budget (the fold bombs of issue #11 are seeds too). CPU only.
 */
import { describe, expect, it } from 'vitest';
import { WebGpuCnnError } from '../../src/errors.js';
import { parseOnnx, type ParseOnnxOptions } from '../../src/onnx/import.js';
import { decodeModelProto, encodeModelProto, type ModelProto } from '../../src/onnx/proto.js';
import { Rng } from '../helpers/random.js';
import { buildModel, floatTensor, foldBombs, int64Tensor, node } from '../helpers/onnx_models.js';

/** Small valid models that touch most of the importer: conv, BN, pooling, a folded shape chain, gemm. */
function seedModels(): Uint8Array[] {
  const rng = new Rng(99);
  return [
    buildModel({
      opset: 13,
      nodes: [
        node('Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }),
        node('BatchNormalization', ['c', 's', 'bb', 'm', 'v'], ['n']),
        node('Relu', ['n'], ['r']),
        node('MaxPool', ['r'], ['p'], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }),
        node('Shape', ['p'], ['sh']),
        node('Gather', ['sh', 'i0'], ['b0'], { axis: 0 }),
        node('Unsqueeze', ['b0', 'ax0'], ['b1']),
        node('Concat', ['b1', 'm1'], ['tgt'], { axis: 0 }),
        node('Reshape', ['p', 'tgt'], ['f']),
        node('Gemm', ['f', 'gw', 'gb'], ['y'], { transB: 1, alpha: { float: 0.5 } }),
      ],
      inputs: [{ name: 'x', shape: ['N', 3, 8, 8] }],
      outputs: ['y'],
      initializers: [
        floatTensor('w', [4, 3, 3, 3], rng.array(108)),
        floatTensor('b', [4], rng.array(4)),
        floatTensor('s', [4], rng.array(4)),
        floatTensor('bb', [4], rng.array(4)),
        floatTensor('m', [4], rng.array(4)),
        floatTensor('v', [4], rng.array(4, 0.5, 1)),
        int64Tensor('i0', [0], []),
        int64Tensor('ax0', [0]),
        int64Tensor('m1', [-1]),
        floatTensor('gw', [5, 16], rng.array(80)),
        floatTensor('gb', [5], rng.array(5)),
      ],
    }),
    buildModel({
      opset: 11,
      nodes: [
        node('Pad', ['x', 'pads'], ['p']),
        node('AveragePool', ['p'], ['a'], { kernel_shape: [3, 3], auto_pad: 'SAME_UPPER' }),
        node('Clip', ['a', 'lo', 'hi'], ['c']),
        node('Slice', ['c', 'st', 'en', 'axs'], ['s']),
        node('Concat', ['s', 's'], ['cc'], { axis: 1 }),
        node('GlobalAveragePool', ['cc'], ['g']),
        node('Flatten', ['g'], ['f']),
        node('Softmax', ['f'], ['y'], { axis: 1 }),
      ],
      inputs: [{ name: 'x', shape: [1, 2, 6, 6] }],
      outputs: ['y'],
      initializers: [
        int64Tensor('pads', [0, 0, 1, 1, 0, 0, 1, 1]),
        floatTensor('lo', [], [0]),
        floatTensor('hi', [], [6]),
        int64Tensor('st', [0, 1]),
        int64Tensor('en', [9223372036854775807, -1]),
        int64Tensor('axs', [1, 2]),
      ],
    }),
  ];
}

/** Whatever happens must be a model or a typed error. */
function expectTyped(bytes: Uint8Array, what: string, options?: ParseOnnxOptions): 'model' | 'error' {
  try {
    parseOnnx(bytes, options);
    return 'model';
  } catch (e) {
    if (!(e instanceof WebGpuCnnError)) {
      throw new Error(`${what}: untyped ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack}`);
    }
    return 'error';
  }
}

function byteMutations(seed: Uint8Array, rng: Rng): Uint8Array {
  const b = Uint8Array.from(seed);
  switch (rng.int(0, 4)) {
    case 0: {
      // bit flips
      const flips = rng.int(1, 8);
      for (let i = 0; i < flips; i++) b[rng.int(0, b.length - 1)]! ^= 1 << rng.int(0, 7);
      return b;
    }
    case 1: {
      const changes = rng.int(1, 6);
      for (let i = 0; i < changes; i++) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
      return b;
    }
    case 2:
      return b.subarray(0, rng.int(0, b.length - 1));
    case 3: {
      // a run of bytes inserted (varint lengths now point elsewhere)
      const at = rng.int(0, b.length);
      const extra = Uint8Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 255));
      return Uint8Array.from([...b.subarray(0, at), ...extra, ...b.subarray(at)]);
    }
    default:
      return Uint8Array.from({ length: rng.int(0, 400) }, () => rng.int(0, 255));
  }
}

const NONSENSE_INTS = [0, -1, -7, 1, 2, 3, 1e9, 2 ** 40, 9223372036854775807, -9223372036854775807];

/** Well-formed protobuf whose fields make no sense: dims, types, attributes, names, ops. */
function fieldMutations(seed: ModelProto, rng: Rng): Uint8Array {
  const m = structuredClone(seed);
  const g = m.graph!;
  const nodes = g.node ?? [];
  const inits = g.initializer ?? [];
  const mutations = rng.int(1, 3);
  for (let k = 0; k < mutations; k++) {
    switch (rng.int(0, 9)) {
      case 0: {
        const t = rng.pick(inits);
        if (t) t.dims = (t.dims ?? []).map((d) => (rng.bool(0.3) ? rng.pick(NONSENSE_INTS) : d));
        break;
      }
      case 1: {
        const t = rng.pick(inits);
        if (t) t.dataType = rng.int(0, 25);
        break;
      }
      case 2: {
        const n = rng.pick(nodes);
        const a = n && rng.pick(n.attribute ?? []);
        if (a) {
          if (rng.bool()) a.ints = (a.ints ?? [1]).map(() => rng.pick(NONSENSE_INTS));
          else a.type = rng.int(0, 12);
          if (rng.bool()) a.i = rng.pick(NONSENSE_INTS);
        }
        break;
      }
      case 3: {
        const n = rng.pick(nodes);
        if (n) n.opType = rng.pick(['Conv', 'Reshape', 'Gemm', 'Slice', 'Concat', 'Squeeze', 'Unsqueeze', 'Pad', 'Softmax', 'Transpose', 'Range', 'ConstantOfShape', 'Expand', 'MatMul', 'Div', 'Gather', 'Nope', '']);
        break;
      }
      case 4: {
        const n = rng.pick(nodes);
        if (n) n.input = [...(n.input ?? [])].reverse();
        break;
      }
      case 5: {
        const dims = g.input?.[0]?.type?.tensorType?.shape?.dim;
        if (dims) dims[rng.int(0, dims.length - 1)] = rng.bool() ? { dimValue: rng.pick(NONSENSE_INTS) } : { dimParam: 'S' };
        break;
      }
      case 6:
        g.node = [...nodes].sort(() => rng.next() - 0.5);
        break;
      case 7: {
        const t = rng.pick(inits);
        if (t && t.int64Data) t.int64Data = t.int64Data.map(() => rng.pick(NONSENSE_INTS));
        else if (t && t.floatData) t.floatData = t.floatData.slice(0, rng.int(0, t.floatData.length));
        break;
      }
      case 8:
        m.opsetImport = [{ domain: '', version: rng.pick([0, 1, 5, 7, 13, 18, 99]) }];
        break;
      default: {
        const n = rng.pick(nodes);
        if (n) n.output = rng.bool() ? [] : [...(n.output ?? []), 'extra'];
      }
    }
  }
  return encodeModelProto(m);
}

describe('onnx loader fuzz', () => {
  const seeds = seedModels();

  it('the seed models import', () => {
    for (const s of seeds) expect(expectTyped(s, 'seed')).toBe('model');
  });

  it('1200 mutated, truncated and random byte strings end in a model or a typed error', () => {
    const rng = new Rng(2024);
    const outcomes = { model: 0, error: 0 };
    for (let i = 0; i < 1200; i++) {
      const bytes = byteMutations(seeds[i % seeds.length]!, rng);
      outcomes[expectTyped(bytes, `byte case ${i}`)]++;
    }
    console.log(`[onnx fuzz] bytes: ${outcomes.model} models, ${outcomes.error} typed errors`);
    expect(outcomes.error).toBeGreaterThan(0);
  }, 600_000);

  it('600 well-formed models with nonsense fields end in a model or a typed error', () => {
    const rng = new Rng(77);
    const decoded = seeds.map(decodeModelProto);
    const outcomes = { model: 0, error: 0 };
    for (let i = 0; i < 600; i++) {
      const bytes = fieldMutations(decoded[i % decoded.length]!, rng);
      outcomes[expectTyped(bytes, `field case ${i}`)]++;
    }
    console.log(`[onnx fuzz] fields: ${outcomes.model} models, ${outcomes.error} typed errors`);
    expect(outcomes.error).toBeGreaterThan(0);
  }, 600_000);

  it('the fold bombs end in typed errors at once, under the default budget', () => {
    for (const b of foldBombs()) expect(expectTyped(b.bytes, b.name)).toBe('error');
  });

  // mutations may turn a bomb into a legit but large fold: a small budget keeps every case quick
  const small: ParseOnnxOptions = { materializeLimits: { maxTensorBytes: 8 * 2 ** 20, maxTotalBytes: 32 * 2 ** 20 } };

  it('600 mutated fold bombs, as bytes and as fields, end in a model or a typed error', () => {
    const bombs = foldBombs().map((b) => b.bytes);
    const decoded = bombs.map(decodeModelProto);
    const rng = new Rng(11);
    const outcomes = { model: 0, error: 0 };
    for (let i = 0; i < 300; i++) outcomes[expectTyped(byteMutations(bombs[i % bombs.length]!, rng), `bomb byte case ${i}`, small)]++;
    for (let i = 0; i < 300; i++) outcomes[expectTyped(fieldMutations(decoded[i % decoded.length]!, rng), `bomb field case ${i}`, small)]++;
    console.log(`[onnx fuzz] bombs: ${outcomes.model} models, ${outcomes.error} typed errors`);
    expect(outcomes.error).toBeGreaterThan(0);
  }, 600_000);
});
