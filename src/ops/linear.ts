/**
 * Fully connected layers (y = x·Wᵀ + b on [N, F], PyTorch's [out][in]
 * weight) and the matrix product of two runtime tensors. Both run on the
 * tiled GEMM, its tile and split-K planned for the device
 * (kernels/gemm_grid.ts), except a linear layer at batch ≤ 4, which runs the
 * GEMV; a linear weight larger than one storage binding (VGG's 25088×4096
 * fc) is split into column blocks, one GEMM each, planned each.
 */
import { BindingLimitError, GraphError } from '../errors.js';
import { linearWeightToGemm, type GemmParams } from '../kernels/gemm.js';
import { planGemmGrid } from '../kernels/gemm_grid.js';
import { gemv, gemvRowLength, gemvWeight, GEMV_MAX_ROWS } from '../kernels/gemv.js';
import { gemmDispatches, splitKScratchFloats, type GemmLaunch } from '../kernels/split_k.js';
import type { Activation, ActivationParams } from '../vocabulary.js';
import { binary } from './binary.js';
import { type BuildContext, type KernelContext, type KernelDef, type NodeKernel, type OpDef } from './op.js';
import { batchMatmul } from './batch_matmul.js';
import { constant, floatData, runtime, scalarConst, shapeOfValue, type ConstTensor, type OnnxHandler, type OnnxNodeContext } from './onnx_import.js';
import { transpose } from './transpose.js';
import { elementCount, showShape, type ExecNodeBase, type NodeBase, type Tensor } from './types.js';

export interface LinearOptions {
  name?: string;
  outFeatures: number;
  bias?: boolean;
}

export interface LinearNode extends NodeBase {
  readonly op: 'linear';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: string;
  readonly bias?: string;
}

/** [M, K] × [K, N], both runtime tensors. */
export interface MatmulNode extends NodeBase {
  readonly op: 'matmul';
}

export interface LinearExecNode extends ExecNodeBase {
  readonly kind: 'linear';
  /** [out][in]. */
  readonly weight: Float32Array;
  readonly bias?: Float32Array;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly activation: Activation;
  readonly activationParams?: ActivationParams;
  /** K slices of its GEMMs, when a pass was told (layerSplitK); else planned for the device. */
  readonly splitK?: number;
}

export interface MatmulExecNode extends ExecNodeBase {
  readonly kind: 'matmul';
  readonly activation: Activation;
  readonly activationParams?: ActivationParams;
}

export function linear(b: BuildContext, x: Tensor, o: LinearOptions): Tensor {
  const name = b.nodeName(o.name, 'fc');
  if (x.shape.length !== 2) throw new GraphError(name, `linear takes [N, F], got [${x.shape.join(', ')}]: flatten first`);
  const [n, inFeatures] = x.shape as [number, number];
  if (!Number.isInteger(o.outFeatures) || o.outFeatures < 1) throw new GraphError(name, `outFeatures must be a positive integer, got ${o.outFeatures}`);
  const weight = b.param(`${name}.weight`, [o.outFeatures, inFeatures], true);
  const bias = o.bias === false ? undefined : b.param(`${name}.bias`, [o.outFeatures], true);
  return b.node<LinearNode>({ op: 'linear', name, inFeatures, outFeatures: o.outFeatures, weight, bias }, [x], [n, o.outFeatures]);
}

/** [M, K] × [K, N] of two runtime tensors (a constant B belongs in linear()). */
export function matmul(b: BuildContext, a: Tensor, bb: Tensor, name?: string): Tensor {
  const n = b.nodeName(name, 'matmul');
  if (a.shape.length !== 2 || bb.shape.length !== 2) throw new GraphError(n, `matmul takes [M, K] and [K, N], got ${showShape(a.shape)} and ${showShape(bb.shape)}`);
  if (a.shape[1] !== bb.shape[0]) throw new GraphError(n, `shape mismatch: ${showShape(a.shape)} × ${showShape(bb.shape)} (inner dimensions differ)`);
  return b.node<MatmulNode>({ op: 'matmul', name: n }, [a, bb], [a.shape[0]!, bb.shape[1]!]);
}

/** y = a·W^T + b as a linear node, W given as [out][in]. */
function linearWithWeights(c: OnnxNodeContext, a: Tensor, weight: Float32Array, outFeatures: number, bias: Float32Array | undefined, name = c.name): Tensor {
  const y = linear(c.build, a, { name, outFeatures, bias: !!bias });
  c.setWeight(`${name}.weight`, weight);
  if (bias) c.setWeight(`${name}.bias`, bias);
  return y;
}

function scaled(t: ConstTensor, s: number): Float32Array {
  if (s === 1) return floatData(t);
  const out = Float32Array.from(t.data);
  if (s !== 1) for (let i = 0; i < out.length; i++) out[i]! *= s;
  return out;
}

const importGemm: OnnxHandler = (c) => {
  const alpha = c.attrs.float('alpha', 1);
  const beta = c.attrs.float('beta', 1);
  const transA = c.attrs.int('transA', 0) === 1;
  const transB = c.attrs.int('transB', 0) === 1;
  const av = c.runtimeInput(0);
  if (av.shape.length !== 2) throw c.format(`A must be 2-D, got [${av.shape.join(', ')}]`);
  let a = c.tensor(av);
  if (transA) a = transpose(c.build, a, [1, 0], c.sub('transA'));
  const k = a.shape[1]!;
  const bIn = c.input(1);
  const bShape = bIn.kind === 'const' ? bIn.value.dims : bIn.shape;
  if (bShape.length !== 2) throw c.format(`B must be 2-D, got [${bShape.join(', ')}]`);
  const n = transB ? bShape[0]! : bShape[1]!;
  if ((transB ? bShape[1] : bShape[0]) !== k) throw c.format(`A [${av.shape.join(', ')}] and B [${bShape.join(', ')}] do not multiply (transA ${+transA}, transB ${+transB})`);
  const cIn = c.inputs[2];
  // C as a bias row (scalar, [N] or [1, N]) folds into the linear node
  const cRow = cIn?.kind === 'const' && elementCount(cIn.value.dims) === n && cIn.value.dims.length <= 2 && (cIn.value.dims.length < 2 || cIn.value.dims[0] === 1);
  const cScalar = cIn?.kind === 'const' && cIn.value.data.length === 1;
  let y: Tensor;
  if (bIn.kind === 'const') {
    const w = transB ? bIn.value : c.transposeConst(bIn.value, [1, 0]);
    let bias: Float32Array | undefined;
    if (cIn && beta !== 0 && (cRow || cScalar)) bias = cScalar ? new Float32Array(n).fill(cIn.value.data[0]! * beta) : scaled(cIn.value, beta);
    y = linearWithWeights(c, a, scaled(w, alpha), n, bias);
    if (bias || !cIn || beta === 0) return [runtime(y)];
  } else {
    let bt = c.tensor(bIn);
    if (transB) bt = transpose(c.build, bt, [1, 0], c.sub('transB'));
    y = matmul(c.build, a, bt, alpha === 1 && (!cIn || beta === 0) ? c.name : c.sub('matmul'));
    if (alpha !== 1) y = binary(c.build, 'mul', y, c.constantTensor(scalarConst(alpha), [1, 1], `${c.name}.alpha`), cIn && beta !== 0 ? c.sub('alpha') : c.name);
    if (!cIn || beta === 0) return [runtime(y)];
  }
  // a general C ([M, N], [M, 1]…) is added after, scaled by beta
  const cv = cIn.kind === 'const' ? constant({ ...cIn.value, data: scaled(cIn.value, beta) }) : cIn;
  let ct = c.tensorOf(cv, `${c.name}.C`);
  if (cIn.kind === 'runtime' && beta !== 1) ct = binary(c.build, 'mul', ct, c.constantTensor(scalarConst(beta), [1, 1], `${c.name}.beta`), c.sub('beta'));
  return [runtime(binary(c.build, 'add', y, ct, c.sub('addC')))];
};

const importMatMul: OnnxHandler = (c) => {
  const av = c.runtimeInput(0);
  const bIn = c.input(1);
  const bShape = shapeOfValue(bIn);
  if (av.shape.length === 0 || bShape.length === 0) throw c.format('MatMul of a scalar');
  const k = av.shape[av.shape.length - 1]!;
  const rows = elementCount(av.shape) / k;
  if (av.shape.length >= 2 && bIn.kind === 'const' && bIn.value.dims.length === 2) {
    // [..., K] × [K, N]: the leading dimensions ride along as rows of a linear layer
    const [kb, n] = bIn.value.dims as [number, number];
    if (kb !== k) throw c.format(`[${av.shape.join(', ')}] × [${bIn.value.dims.join(', ')}]: inner dimensions differ`);
    const y = linearWithWeights(c, c.tensor(av, [rows, k]), floatData(c.transposeConst(bIn.value, [1, 0])), n, undefined);
    return [runtime(y, [...av.shape.slice(0, -1), n])];
  }
  const bv = c.runtimeInput(1);
  if (av.shape.length === 2 && bv.shape.length === 2) return [runtime(matmul(c.build, c.tensor(av), c.tensor(bv), c.name))];
  // numpy: a 1-D first operand is a row, a 1-D second a column, and that axis is dropped from the result
  const aShape = av.shape.length === 1 ? [1, ...av.shape] : av.shape;
  const bShape2 = bv.shape.length === 1 ? [...bv.shape, 1] : bv.shape;
  const y = batchMatmul(c.build, c.tensor(av, aShape), c.tensor(bv, bShape2), c.name);
  const out = [...y.shape];
  if (bv.shape.length === 1) out.splice(out.length - 1, 1);
  if (av.shape.length === 1) out.splice(out.length - (bv.shape.length === 1 ? 1 : 2), 1);
  return [runtime(y, out)];
};

export const linearOp: OpDef<LinearNode> = {
  ops: ['linear'],
  lower: (n, c): LinearExecNode => ({
    ...c.base,
    kind: 'linear',
    weight: c.weight(n.weight),
    bias: n.bias ? c.weight(n.bias) : undefined,
    inFeatures: n.inFeatures,
    outFeatures: n.outFeatures,
    activation: 'none',
  }),
  parameters: (n) => [n.weight, ...(n.bias ? [n.bias] : [])],
  macs: (n, shape) => shape(n.output)[0]! * n.inFeatures * n.outFeatures,
  exportOnnx: (n, c) =>
    c.emit({
      op: 'Gemm',
      name: n.name,
      inputs: [c.name(n.inputs[0]!), c.param(n.weight), ...(n.bias ? [c.param(n.bias)] : [])],
      outputs: [c.name(n.output)],
      attrs: { transB: { int: 1 } },
    }),
  onnx: { Gemm: importGemm, MatMul: importMatMul },
};

export const matmulOp: OpDef<MatmulNode> = {
  ops: ['matmul'],
  lower: (_n, c): MatmulExecNode => ({ ...c.base, kind: 'matmul', activation: 'none' }),
  macs: (n, shape) => elementCount(shape(n.output)) * shape(n.inputs[0]!)[1]!,
  exportOnnx: (n, c) => c.emit({ op: 'MatMul', name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)] }),
};

/** The launch of one GEMM of a linear layer or matmul: planned for the device unless the split is given. */
function launchOf(p: GemmParams, c: KernelContext, splitK?: number): GemmLaunch {
  if (splitK !== undefined) return { splitK };
  const plan = planGemmGrid(p, { computeUnits: c.computeUnits, maxPartialFloats: Math.floor(c.maxBindingBytes / 4) });
  return { tile: plan.tile, splitK: plan.splitK };
}

export const linearKernel: KernelDef<LinearExecNode> = {
  kinds: ['linear'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const inShape = c.shape(n.inputs[0]!);
    // batch ≤ 4: the GEMV (the GEMM's 4-row tile would idle 3 of 4 rows and run too few workgroups)
    if (inShape[0]! <= GEMV_MAX_ROWS) return linearGemvKernel(n, inShape[0]!, c);
    // a weight larger than one storage binding (VGG's 25088×4096 fc) is split into column blocks, one GEMM each
    const label = c.label;
    const chunks = linearColumnChunks(n.inFeatures, n.outFeatures, c.maxBindingBytes, n.name);
    const full = linearWeightToGemm(n.weight, n.outFeatures, n.inFeatures);
    const weights: Record<string, Float32Array> = {};
    chunks.forEach(([begin, end], i) => {
      weights[`weight${i}`] = chunks.length === 1 ? full : columnBlock(full, n.inFeatures, n.outFeatures, begin, end);
      if (n.bias) weights[`bias${i}`] = n.bias.subarray(begin, end);
    });
    const gemms = chunks.map(([begin, end]) => {
      const params: GemmParams = { m: inShape[0]!, n: end - begin, k: n.inFeatures, ldc: n.outFeatures, colOffset: begin };
      return { params, launch: launchOf(params, c, n.splitK) };
    });
    return {
      weights,
      // the blocks run one after another, so they share one partials buffer
      scratchFloats: 0,
      partialFloats: Math.max(0, ...gemms.map((g) => splitKScratchFloats(g.params, g.launch))),
      writesSlices: false,
      dispatches: (b) =>
        gemms.flatMap(({ params, launch }, i) =>
          gemmDispatches(
            params,
            { a: b.read(n.inputs[0]!), b: b.weights[`weight${i}`]!, bias: b.weights[`bias${i}`], output: b.write, partials: b.partials, unused: b.unused },
            { activation: n.activation, activationParams: n.activationParams },
            launch,
            chunks.length === 1 ? label : `${label} columns ${chunks[i]![0]}..${chunks[i]![1]}`,
          ),
        ),
    };
  },
};

/**
 * Batch ≤ 4: the GEMV, weights in its padded layout ([in][out rounded to
 * vec4s]), in column blocks that each fit one binding with their padding.
 */
function linearGemvKernel(n: LinearExecNode, m: number, c: KernelContext): NodeKernel {
  const chunks = linearColumnChunks(n.inFeatures, gemvRowLength(n.outFeatures), c.maxBindingBytes, n.name).map(([begin, end]): [number, number] => [begin, Math.min(end, n.outFeatures)]);
  const weights: Record<string, Float32Array> = {};
  chunks.forEach(([begin, end], i) => {
    weights[`weight${i}`] = gemvWeight(n.weight, n.outFeatures, n.inFeatures, begin, end);
    if (n.bias) weights[`bias${i}`] = n.bias.subarray(begin, end);
  });
  return {
    weights,
    scratchFloats: 0,
    writesSlices: false,
    dispatches: (b) =>
      chunks.map(([begin, end], i) =>
        gemv(
          { m, n: end - begin, k: n.inFeatures, ldc: n.outFeatures, colOffset: begin },
          { x: b.read(n.inputs[0]!), weight: b.weights[`weight${i}`]!, bias: b.weights[`bias${i}`], output: b.write, unused: b.unused },
          { activation: n.activation, activationParams: n.activationParams },
          chunks.length === 1 ? c.label : `${c.label} columns ${begin}..${end}`,
          { subgroups: c.subgroups },
        ),
      ),
  };
}

export const matmulKernel: KernelDef<MatmulExecNode> = {
  kinds: ['matmul'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const [m, k] = c.shape(n.inputs[0]!) as [number, number];
    const params: GemmParams = { m, n: c.shape(n.output)[1]!, k };
    const launch = launchOf(params, c);
    return {
      weights: {},
      scratchFloats: 0,
      partialFloats: splitKScratchFloats(params, launch),
      writesSlices: false,
      dispatches: (b) =>
        gemmDispatches(params, { a: b.read(n.inputs[0]!), b: b.read(n.inputs[1]!), output: b.write, partials: b.partials, unused: b.unused }, { activation: n.activation, activationParams: n.activationParams }, launch, c.label),
    };
  },
};

/**
 * Column ranges [begin, end) of a [inFeatures][outFeatures] GEMM weight such
 * that each block fits one storage binding; blocks are multiples of 64
 * columns (a GEMM tile, and 4-aligned for the vec4 kernel).
 */
export function linearColumnChunks(inFeatures: number, outFeatures: number, maxBindingBytes: number, layer?: string): [number, number][] {
  const columnBytes = inFeatures * 4;
  if (columnBytes * outFeatures <= maxBindingBytes) return [[0, outFeatures]];
  const perChunk = Math.floor(maxBindingBytes / columnBytes / 64) * 64;
  const of = layer !== undefined ? `layer "${layer}"` : 'a linear layer';
  if (perChunk < 64) throw new BindingLimitError(`weight of ${of} (its smallest block: 64 columns of ${inFeatures} inputs)`, columnBytes * 64, maxBindingBytes);
  const chunks: [number, number][] = [];
  for (let begin = 0; begin < outFeatures; begin += perChunk) chunks.push([begin, Math.min(outFeatures, begin + perChunk)]);
  return chunks;
}

function columnBlock(full: Float32Array, rows: number, cols: number, begin: number, end: number): Float32Array {
  const width = end - begin;
  const block = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) block.set(full.subarray(r * cols + begin, r * cols + end), r * width);
  return block;
}
