/**
 * The global max pool: [N, C, H, W] → [N, C, 1, 1], the maximum of each
 * channel's plane (ONNX's GlobalMaxPool; [N, C, L] imports as [N, C, 1, L]).
 * It lowers to the pool kernel with one window over the whole image, so it
 * shares max pooling's NaN rule and can write into a concat's channel slice.
 */
import { requireImage } from './checks.js';
import type { BuildContext, ExportContext, LowerContext, OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { onnxWindowInput } from './onnx_window.js';
import { volumeAsImage } from './onnx_window3d.js';
import type { PoolExecNode } from './pool.js';
import type { NodeBase, Tensor } from './types.js';

export interface GlobalMaxPoolNode extends NodeBase {
  readonly op: 'globalmaxpool';
}

/** [N, C, H, W] → [N, C, 1, 1]. */
export function globalMaxPool(b: BuildContext, x: Tensor, name?: string): Tensor {
  const n = b.nodeName(name, 'globalmaxpool');
  const [batch, c] = requireImage(x, n);
  return b.node<GlobalMaxPoolNode>({ op: 'globalmaxpool', name: n }, [x], [batch, c, 1, 1]);
}

const importGlobalMaxPool: OnnxHandler = (c) => {
  const v = c.runtimeInput(0);
  // [N, C, D, H, W]: the same max over one [D·H, W] plane per channel (a row-major view)
  if (v.shape.length === 5) return [runtime(globalMaxPool(c.build, c.tensor(v, volumeAsImage(v.shape)), c.name), [v.shape[0]!, v.shape[1]!, 1, 1, 1])];
  const x = onnxWindowInput(c);
  return [x.result(globalMaxPool(c.build, x.t, c.name))];
};

export const globalMaxPoolOp: OpDef<GlobalMaxPoolNode> = {
  ops: ['globalmaxpool'],
  lower: (_n, c: LowerContext): PoolExecNode => {
    const [, , h, w] = c.shape(c.base.inputs[0]!);
    const attrs = { kernelHeight: h!, kernelWidth: w!, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 };
    return { ...c.base, kind: 'pool', op: 'max', attrs: { ...attrs, ceilMode: false, countIncludePad: false } };
  },
  exportOnnx: (n, c: ExportContext) => c.emit({ op: 'GlobalMaxPool', name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)] }),
  onnx: { GlobalMaxPool: importGlobalMaxPool },
};
