/**
 * How each executable node runs: the weights it uploads (in its kernel's
 * layout), the scratch it needs, and — once memory is placed — its
 * dispatches. Kept in two phases because scratch must be planned before the
 * dispatches can name buffers.
 */
import { BindingLimitError } from '../errors.js';
import { resolveConvStrategy } from '../kernels/conv2d.js';
import type { ChannelSlice } from '../kernels/conv2d_shape.js';
import type { BufferBinding, DispatchSpec } from '../kernels/dispatch.js';
import { activation as activationKernel, elementwiseBinary, type Shape4 } from '../kernels/elementwise.js';
import { gemm, linearWeightToGemm } from '../kernels/gemm.js';
import { globalAvgPool } from '../kernels/global_avg_pool.js';
import { adaptiveAvgPool } from '../kernels/adaptive_avg_pool.js';
import { copyChannels } from '../kernels/concat.js';
import { permute4d } from '../kernels/layout_transform.js';
import { lrn } from '../kernels/lrn.js';
import { pad2d } from '../kernels/pad2d.js';
import { pool2d } from '../kernels/pool2d.js';
import { slice4d } from '../kernels/slice4d.js';
import { softmax } from '../kernels/softmax.js';
import type { ExecGraph, ExecNode } from './exec_graph.js';
import { elementCount, type Shape } from './ir.js';
import { convShapeOf } from './passes/choose_strategy.js';
import { isRowMajorStorage, operandDims, storageAxis } from './tensor_layout.js';

/** What the executor hands a node once memory is placed. */
export interface NodeBindings {
  /** The whole (contiguous) binding of a tensor the node reads. */
  read(tensor: number): BufferBinding;
  /** Where the node writes its output, and which channel slice of it. */
  write: BufferBinding;
  slice: ChannelSlice;
  weights: Readonly<Record<string, BufferBinding>>;
  scratch?: BufferBinding;
  unused: BufferBinding;
}

export interface NodeKernel {
  /** Weight arrays to upload, by role, already in the kernel's layout. */
  weights: Record<string, Float32Array>;
  scratchFloats: number;
  /** The node's output can be written straight into a channel slice (for concat). */
  writesSlices: boolean;
  dispatches(b: NodeBindings): DispatchSpec[];
}

/** Logical [N, C, H, W] → NHWC dims; [N, F] → [N, 1, 1, F]. */
export function nhwcDims(shape: Shape): Shape4 {
  return shape.length === 4 ? [shape[0]!, shape[2]!, shape[3]!, shape[1]!] : [shape[0]!, 1, 1, shape[1]!];
}

export function nodeKernel(g: ExecGraph, n: ExecNode, maxBindingBytes: number): NodeKernel {
  const shapeOf = (t: number) => g.shapes.get(t)!;
  const inShape = shapeOf(n.inputs[0]!);
  const outShape = shapeOf(n.output);
  const label = n.sources.join('+');
  switch (n.kind) {
    case 'conv': {
      const s = convShapeOf(g, n);
      const strategy = resolveConvStrategy(s, n.strategy);
      const weights: Record<string, Float32Array> = { weight: strategy.layoutWeights(s, n.weight) };
      if (n.bias) weights.bias = n.bias;
      return {
        weights,
        scratchFloats: strategy.scratchLength(s),
        writesSlices: true,
        dispatches: (b) =>
          strategy
            .dispatches(
              s,
              {
                input: b.read(n.inputs[0]!),
                weight: b.weights.weight!,
                bias: b.weights.bias,
                residual: n.residual !== undefined ? b.read(n.residual) : undefined,
                output: b.write,
                scratch: b.scratch,
                unused: b.unused,
              },
              { activation: n.activation, activationParams: n.activationParams },
              b.slice,
            )
            .map((d) => ({ ...d, label: `${label} (${d.label})` })),
      };
    }
    case 'linear': {
      // a weight larger than one storage binding (VGG's 25088×4096 fc) is split into column blocks, one GEMM each
      const chunks = linearColumnChunks(n.inFeatures, n.outFeatures, maxBindingBytes, n.name);
      const full = linearWeightToGemm(n.weight, n.outFeatures, n.inFeatures);
      const weights: Record<string, Float32Array> = {};
      chunks.forEach(([begin, end], i) => {
        weights[`weight${i}`] = chunks.length === 1 ? full : columnBlock(full, n.inFeatures, n.outFeatures, begin, end);
        if (n.bias) weights[`bias${i}`] = n.bias.subarray(begin, end);
      });
      return {
        weights,
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) =>
          chunks.map(([begin, end], i) =>
            gemm(
              { m: inShape[0]!, n: end - begin, k: n.inFeatures, ldc: n.outFeatures, colOffset: begin },
              { a: b.read(n.inputs[0]!), b: b.weights[`weight${i}`]!, bias: b.weights[`bias${i}`], output: b.write, unused: b.unused },
              { activation: n.activation, activationParams: n.activationParams },
              undefined,
              chunks.length === 1 ? label : `${label} columns ${begin}..${end}`,
            ),
          ),
      };
    }
    case 'pool': {
      const [batch, channels, inHeight, inWidth] = inShape as [number, number, number, number];
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: true,
        dispatches: (b) => [pool2d(n.op, { batch, channels, inHeight, inWidth, ...n.attrs }, b.read(n.inputs[0]!), b.write, b.slice, label)],
      };
    }
    case 'globalavgpool': {
      const [batch, channels, height, width] = inShape as [number, number, number, number];
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: true,
        dispatches: (b) => [globalAvgPool({ batch, channels, height, width }, b.read(n.inputs[0]!), b.write, b.slice, label)],
      };
    }
    case 'adaptiveavgpool': {
      const [batch, channels, inHeight, inWidth] = inShape as [number, number, number, number];
      const [, , outHeight, outWidth] = outShape as [number, number, number, number];
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => [adaptiveAvgPool({ batch, channels, inHeight, inWidth, outHeight, outWidth }, b.read(n.inputs[0]!), b.write, label)],
      };
    }
    case 'binary': {
      // a constant operand is uploaded with the node; the single input is then the other operand
      const c = n.constant;
      const shapes = c ? (c.position === 0 ? [c.shape, inShape] : [inShape, c.shape]) : [inShape, shapeOf(n.inputs[1]!)];
      const rank = outShape.length;
      return {
        weights: c ? { constant: c.data } : {},
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => {
          const operand = (i: 0 | 1): BufferBinding => (c?.position === i ? b.weights.constant! : b.read(n.inputs[c ? 0 : i]!));
          return [
            elementwiseBinary(
              { op: n.op, aShape: operandDims(shapes[0]!, rank), bShape: operandDims(shapes[1]!, rank), outShape: nhwcDims(outShape), activation: n.activation, activationParams: n.activationParams },
              operand(0),
              operand(1),
              b.write,
              label,
            ),
          ];
        },
      };
    }
    case 'activation':
    case 'identity':
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => [
          n.kind === 'activation'
            ? activationKernel(elementCount(outShape), n.activation, b.read(n.inputs[0]!), b.write, label, n.activationParams)
            : activationKernel(elementCount(outShape), 'none', b.read(n.inputs[0]!), b.write, label),
        ],
      };
    case 'constant':
      // copied into the arena each run (a tensor's memory is shared over its lifetime); binary ops take constants inline instead
      return {
        weights: { value: n.data },
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => [activationKernel(n.data.length, 'none', b.weights.value!, b.write, label)],
      };
    case 'matmul': {
      const [m, k] = inShape as [number, number];
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => [
          gemm({ m, n: outShape[1]!, k }, { a: b.read(n.inputs[0]!), b: b.read(n.inputs[1]!), output: b.write, unused: b.unused }, { activation: n.activation, activationParams: n.activationParams }, undefined, label),
        ],
      };
    }
    case 'pad': {
      const [batch, channels, height, width] = inShape as [number, number, number, number];
      const [padTop, padLeft, padBottom, padRight] = n.pads;
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => [pad2d({ batch, channels, height, width, padTop, padLeft, padBottom, padRight, value: n.value }, b.read(n.inputs[0]!), b.write, label)],
      };
    }
    case 'transpose': {
      // output storage axis j holds logical axis [N, H, W, C][j] of the output, i.e. input logical axis perm of it
      const rank = inShape.length;
      const logicalOf = rank === 4 ? [0, 2, 3, 1] : [0, -1, -1, 1];
      const perm = logicalOf.map((l, j) => (l < 0 ? j : storageAxis(rank, n.perm[l]!))) as [number, number, number, number];
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => [permute4d(nhwcDims(inShape), perm, b.read(n.inputs[0]!), b.write, label)],
      };
    }
    case 'reshape': {
      // through NCHW order: gather the input to row-major unless it is already, scatter to NHWC unless the output is row-major
      const gatherIn = !isRowMajorStorage(inShape);
      const scatterOut = !isRowMajorStorage(outShape);
      const total = elementCount(outShape);
      const toNchw = (src: BufferBinding, dst: BufferBinding) => permute4d(nhwcDims(inShape), [0, 3, 1, 2], src, dst, `${label} (to NCHW)`);
      const toNhwc = (src: BufferBinding, dst: BufferBinding) => permute4d(outShape as [number, number, number, number], [0, 2, 3, 1], src, dst, `${label} (to NHWC)`);
      return {
        weights: {},
        scratchFloats: gatherIn && scatterOut ? total : 0,
        writesSlices: false,
        dispatches: (b) => {
          const x = b.read(n.inputs[0]!);
          if (gatherIn && scatterOut) return [toNchw(x, b.scratch!), toNhwc(b.scratch!, b.write)];
          if (gatherIn) return [toNchw(x, b.write)];
          if (scatterOut) return [toNhwc(x, b.write)];
          return [activationKernel(total, 'none', x, b.write, label)];
        },
      };
    }
    case 'slice': {
      const dims = nhwcDims(inShape) as [number, number, number, number];
      const axis = storageAxis(inShape.length, n.axis);
      const start: [number, number, number, number] = [0, 0, 0, 0];
      const end: [number, number, number, number] = [...dims];
      const step: [number, number, number, number] = [1, 1, 1, 1];
      start[axis] = n.start;
      end[axis] = Math.min(n.end, dims[axis]!);
      step[axis] = n.step;
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => [slice4d(dims, start, end, step, b.read(n.inputs[0]!), b.write, label)],
      };
    }
    case 'concat':
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: false,
        // inputs written in place by their producers are skipped by the executor (see copiedInputs)
        dispatches: () => [],
      };
    case 'flatten': {
      // NHWC data flattened in PyTorch's (C, H, W) order: a gather to NCHW; a pure alias when H·W = 1
      const [batch, channels, height, width] = inShape as [number, number, number, number];
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => [permute4d([batch, height, width, channels], [0, 3, 1, 2], b.read(n.inputs[0]!), b.write, label)],
      };
    }
    case 'softmax':
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => [softmax({ rows: outShape[0]!, length: outShape[1]! }, b.read(n.inputs[0]!), b.write, label)],
      };
    case 'lrn': {
      const [batch, channels, height, width] = inShape as [number, number, number, number];
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => [lrn({ batch, channels, height, width, size: n.size, alpha: n.alpha, beta: n.beta, k: n.k, convention: n.convention }, b.read(n.inputs[0]!), b.write, label)],
      };
    }
  }
}

/** The copy that places one concat input into its channel slice (when its producer could not). */
export function concatCopy(g: ExecGraph, input: number, source: BufferBinding, output: BufferBinding, slice: ChannelSlice, label: string): DispatchSpec {
  const [batch, channels, height, width] = g.shapes.get(input)! as [number, number, number, number];
  return copyChannels({ pixels: batch * height * width, channels, slice }, source, output, label);
}

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
