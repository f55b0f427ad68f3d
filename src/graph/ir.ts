/**
 * The graph IR: tensors with logical shapes (NCHW for images, [N, F] for
 * features — PyTorch's view of them; the GPU keeps images NHWC), nodes that
 * read tensors and write one, and parameter declarations by name. Parameter
 * data is not in the graph: it comes with compile(), so one graph serves
 * random, trained and reloaded weights. The node types are declared by the
 * operator modules (src/ops/) and listed in ops/table.ts.
 */
import { GraphError } from '../errors.js';
import type { GraphNode } from '../ops/table.js';
import type { ParameterInfo, TensorInfo } from '../ops/types.js';

export type { GraphNode, OpName } from '../ops/table.js';
export type { Conv2dAttrs } from '../ops/conv2d.js';
export type { PoolAttrs } from '../ops/pool.js';
export { elementCount, type ElementType, type Shape, type TensorInfo, type ParameterInfo } from '../ops/types.js';

export interface Graph {
  readonly tensors: readonly TensorInfo[];
  /** In topological order: every node's inputs are written by earlier nodes or are graph inputs. */
  readonly nodes: readonly GraphNode[];
  readonly inputs: readonly { name: string; tensor: number }[];
  readonly outputs: readonly { name: string; tensor: number }[];
  readonly parameters: ReadonlyMap<string, ParameterInfo>;
}

/** Parameter data by name, in PyTorch layouts (OIHW conv weights, [out][in] linear weights). */
export type WeightMap = ReadonlyMap<string, Float32Array>;

/**
 * Graph inputs, and graph outputs, each need a name of their own: run() takes
 * inputs and returns outputs by name, so a second one of a name would be
 * silently dropped.
 */
export function checkGraphIo(graph: Pick<Graph, 'inputs' | 'outputs'>): void {
  for (const [kind, list] of [['input', graph.inputs], ['output', graph.outputs]] as const) {
    const seen = new Map<string, number>();
    for (const { name, tensor } of list) {
      const other = seen.get(name);
      if (other !== undefined) {
        throw new GraphError('graph', `two graph ${kind}s are named "${name}" (tensors ${other} and ${tensor}): give each ${kind} its own name, since run() ${kind === 'input' ? 'takes inputs' : 'returns outputs'} by name`);
      }
      seen.set(name, tensor);
    }
  }
}
