/**
 * How each executable node runs: the weights it uploads (in its kernel's
 * layout), the scratch it needs, and — once memory is placed — its
 * dispatches. Kept in two phases because scratch must be planned before the
 * dispatches can name buffers.
 */
import { CONV_STRATEGIES } from '../kernels/conv2d.js';
import type { ChannelSlice } from '../kernels/conv2d_shape.js';
import type { BufferBinding, DispatchSpec } from '../kernels/dispatch.js';
import { activation as activationKernel, elementwiseBinary, type Shape4 } from '../kernels/elementwise.js';
import { fullyConnected, linearWeightToGemm } from '../kernels/gemm.js';
import { globalAvgPool } from '../kernels/global_avg_pool.js';
import { adaptiveAvgPool } from '../kernels/adaptive_avg_pool.js';
import { copyChannels } from '../kernels/concat.js';
import { permute4d } from '../kernels/layout_transform.js';
import { lrn } from '../kernels/lrn.js';
import { pool2d } from '../kernels/pool2d.js';
import { softmax } from '../kernels/softmax.js';
import type { ExecGraph, ExecNode } from './exec_graph.js';
import { elementCount, type Shape } from './ir.js';
import { convShapeOf } from './passes/choose_strategy.js';

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
  /** A tensor that feeds a concat as a copy (not written in place): its binding is read(tensor). */
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

export function nodeKernel(g: ExecGraph, n: ExecNode): NodeKernel {
  const shapeOf = (t: number) => g.shapes.get(t)!;
  const inShape = shapeOf(n.inputs[0]!);
  const outShape = shapeOf(n.output);
  const label = n.sources.join('+');
  switch (n.kind) {
    case 'conv': {
      const s = convShapeOf(g, n);
      const strategy = CONV_STRATEGIES[n.strategy === 'auto' ? 'direct' : n.strategy];
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
              { activation: n.activation },
              b.slice,
            )
            .map((d) => ({ ...d, label: `${label} (${d.label})` })),
      };
    }
    case 'linear': {
      const weights: Record<string, Float32Array> = { weight: linearWeightToGemm(n.weight, n.outFeatures, n.inFeatures) };
      if (n.bias) weights.bias = n.bias;
      return {
        weights,
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => [
          {
            ...fullyConnected(
              { batch: inShape[0]!, inFeatures: n.inFeatures, outFeatures: n.outFeatures },
              { a: b.read(n.inputs[0]!), b: b.weights.weight!, bias: b.weights.bias, output: b.write, unused: b.unused },
              { activation: n.activation },
            ),
            label,
          },
        ],
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
    case 'binary':
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => [
          elementwiseBinary(
            { op: n.op, aShape: nhwcDims(inShape), bShape: nhwcDims(shapeOf(n.inputs[1]!)), outShape: nhwcDims(outShape), activation: n.activation },
            b.read(n.inputs[0]!),
            b.read(n.inputs[1]!),
            b.write,
            label,
          ),
        ],
      };
    case 'activation':
    case 'identity':
      return {
        weights: {},
        scratchFloats: 0,
        writesSlices: false,
        dispatches: (b) => [activationKernel(elementCount(outShape), n.kind === 'activation' ? n.activation : 'none', b.read(n.inputs[0]!), b.write, label)],
      };
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
