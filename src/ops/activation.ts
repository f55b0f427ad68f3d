/**
 * Activations (relu, relu6, sigmoid, silu, hardswish, tanh, leaky_relu,
 * hardsigmoid, clip) applied elementwise. A standalone activation executes
 * as an `activation` node (one pass over the data, any layout); the fusion
 * passes fold it into the epilogue of the conv, linear or binary before it.
 */
import { GraphError } from '../errors.js';
import { activation as activationDispatch } from '../kernels/elementwise.js';
import type { Activation, ActivationParams } from '../vocabulary.js';
import { dispatchOnly, type BuildContext, type ExportContext, type KernelContext, type KernelDef, type LowerContext, type NodeKernel, type OpDef, type OnnxNodeSpec } from './op.js';
import { runtime, type OnnxHandler, type OnnxNodeContext, type Value } from './onnx_import.js';
import { elementCount, type ExecNodeBase, type NodeBase, type Tensor } from './types.js';

/** The parametric activations' numbers (see ActivationParams for defaults) and the node's name. */
export interface ActivationOptions extends ActivationParams {
  name?: string;
}

export interface ActivationNode extends NodeBase {
  readonly op: 'activation';
  readonly activation: Exclude<Activation, 'none'>;
  readonly params?: ActivationParams;
}

export interface ActivationExecNode extends ExecNodeBase {
  readonly kind: 'activation';
  readonly activation: Activation;
  readonly activationParams?: ActivationParams;
}

/** The largest float32: Clip's bound when a side is open. */
const FLOAT_MAX = 3.4028234663852886e38;

/**
 * An activation; leaky_relu, hardsigmoid and clip take their numbers in the options.
 * @example activation(b, x, 'clip', { min: 0, max: 6 })   // ±Infinity for an absent bound
 */
export function activation(b: BuildContext, x: Tensor, kind: Exclude<Activation, 'none'>, options?: string | ActivationOptions): Tensor {
  const o = typeof options === 'string' ? { name: options } : (options ?? {});
  const name = b.nodeName(o.name, kind);
  const params = activationParams(name, kind, o);
  return b.node<ActivationNode>({ op: 'activation', name, activation: kind, ...(params ? { params } : {}) }, [x], x.shape);
}

/** The node's parameters with their defaults filled in (undefined for the activations without any); rejects non-numbers. */
function activationParams(name: string, activation: Activation, o: ActivationParams): ActivationParams | undefined {
  const number = (key: keyof ActivationParams, value: number | undefined, finite: boolean): void => {
    if (value === undefined) return;
    if (typeof value !== 'number' || Number.isNaN(value) || (finite && !Number.isFinite(value))) throw new GraphError(name, `${key} must be a ${finite ? 'finite ' : ''}number, got ${value}`);
  };
  switch (activation) {
    case 'leaky_relu':
      number('alpha', o.alpha, true);
      return { alpha: o.alpha ?? 0.01 };
    case 'hardsigmoid':
      number('alpha', o.alpha, true);
      number('beta', o.beta, true);
      return { alpha: o.alpha ?? 0.2, beta: o.beta ?? 0.5 };
    case 'clip': {
      number('min', o.min, false);
      number('max', o.max, false);
      const [min, max] = [o.min ?? -Infinity, o.max ?? Infinity];
      if (min > max) throw new GraphError(name, `clip min ${min} is above max ${max}`);
      return { min, max };
    }
    default:
      return undefined;
  }
}

/** clip(0, 6) is relu6 and clip(0, ∞) relu: kernels already compiled for those serve them. */
export function canonicalActivation(n: ActivationNode): { activation: Activation; activationParams?: ActivationParams } {
  if (n.activation === 'clip' && n.params?.min === 0 && n.params.max === 6) return { activation: 'relu6' };
  if (n.activation === 'clip' && n.params?.min === 0 && n.params.max === Infinity) return { activation: 'relu' };
  return n.params ? { activation: n.activation, activationParams: n.params } : { activation: n.activation };
}

/**
 * The ONNX nodes of an activation; ONNX 13 has no SiLU or HardSwish, so they
 * are composed from the gate and a Mul (SiLU = x·σ(x), hard-swish =
 * x·hardσ(x)), and ReLU6 is a Clip.
 */
function exportActivation(n: ActivationNode, c: ExportContext): void {
  const x = c.name(n.inputs[0]!);
  const y = c.name(n.output);
  const base = { name: n.name, inputs: [x], outputs: [y] };
  const nodes = ((): OnnxNodeSpec[] => {
    switch (n.activation) {
      case 'relu':
        return [{ ...base, op: 'Relu' }];
      case 'sigmoid':
        return [{ ...base, op: 'Sigmoid' }];
      case 'tanh':
        return [{ ...base, op: 'Tanh' }];
      case 'relu6':
        return [{ ...base, op: 'Clip', inputs: [x, c.scalar('const_zero', 0), c.scalar('const_six', 6)] }];
      case 'silu':
        return [
          { name: `${n.name}.sigmoid`, op: 'Sigmoid', inputs: [x], outputs: [`${y}.gate`] },
          { ...base, op: 'Mul', inputs: [x, `${y}.gate`] },
        ];
      case 'leaky_relu':
        return [{ ...base, op: 'LeakyRelu', attrs: { alpha: { float: n.params?.alpha ?? 0.01 } } }];
      case 'hardsigmoid':
        return [{ ...base, op: 'HardSigmoid', attrs: { alpha: { float: n.params?.alpha ?? 0.2 }, beta: { float: n.params?.beta ?? 0.5 } } }];
      case 'clip': {
        const [lo, hi] = [n.params?.min ?? -FLOAT_MAX, n.params?.max ?? FLOAT_MAX];
        return [{ ...base, op: 'Clip', inputs: [x, c.scalar(`const_${lo}`, lo), c.scalar(`const_${hi}`, hi)] }];
      }
      case 'hardswish':
        return [
          { name: `${n.name}.hardsigmoid`, op: 'HardSigmoid', inputs: [x], outputs: [`${y}.gate`], attrs: { alpha: { float: 1 / 6 }, beta: { float: 0.5 } } },
          { ...base, op: 'Mul', inputs: [x, `${y}.gate`] },
        ];
    }
  })();
  for (const node of nodes) c.emit(node);
}

/** An activation on a runtime value of any rank up to 4. */
function activate(c: OnnxNodeContext, kind: Exclude<Activation, 'none'>, params: Omit<ActivationOptions, 'name'> = {}): Value[] {
  const v = c.runtimeInput(0);
  return [runtime(activation(c.build, c.tensor(v), kind, { name: c.name, ...params }))];
}

const simple =
  (kind: Exclude<Activation, 'none'>): OnnxHandler =>
  (c) =>
    activate(c, kind);

function scalar(c: OnnxNodeContext, i: number, what: string): number {
  const t = c.constInput(i, what);
  if (t.data.length !== 1) throw c.format(`${what} must be a scalar, has ${t.data.length} values`);
  return t.data[0]!;
}

/** Clip's bounds: attributes before opset 11, optional inputs from 11. */
const importClip: OnnxHandler = (c) => {
  let min: number;
  let max: number;
  if (c.opset < 11) {
    min = c.attrs.float('min', -FLOAT_MAX);
    max = c.attrs.float('max', FLOAT_MAX);
  } else {
    min = c.inputs[1] ? scalar(c, 1, 'min') : -Infinity;
    max = c.inputs[2] ? scalar(c, 2, 'max') : Infinity;
  }
  if (min === 0 && max === 6) return activate(c, 'relu6');
  if (min === 0 && max >= FLOAT_MAX) return activate(c, 'relu');
  if (min > max) {
    // ONNX: every output is max when min > max
    min = max;
  }
  return activate(c, 'clip', { min, max });
};

const importHardSigmoid: OnnxHandler = (c) => activate(c, 'hardsigmoid', { alpha: c.attrs.float('alpha', 0.2), beta: c.attrs.float('beta', 0.5) });
const importLeakyRelu: OnnxHandler = (c) => activate(c, 'leaky_relu', { alpha: c.attrs.float('alpha', 0.01) });

export const activationOp: OpDef<ActivationNode> = {
  ops: ['activation'],
  lower: (n, c: LowerContext): ActivationExecNode => ({ ...c.base, kind: 'activation', ...canonicalActivation(n) }),
  exportOnnx: exportActivation,
  onnx: {
    Relu: simple('relu'),
    Sigmoid: simple('sigmoid'),
    Tanh: simple('tanh'),
    HardSwish: simple('hardswish'),
    HardSigmoid: importHardSigmoid,
    LeakyRelu: importLeakyRelu,
    Clip: importClip,
  },
};

export const activationKernel: KernelDef<ActivationExecNode> = {
  kinds: ['activation'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const total = elementCount(c.shape(n.output));
    const label = c.label;
    return dispatchOnly((b) => [activationDispatch(total, n.activation, b.read(n.inputs[0]!), b.write, label, n.activationParams)]);
  },
};
