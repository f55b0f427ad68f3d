/**
 * Activations and unary math (relu, relu6, sigmoid, silu, hardswish, tanh,
 * leaky_relu, hardsigmoid, clip, elu, selu, celu, softplus, softsign, mish,
 * thresholded_relu, gelu, erf, exp, log, sqrt, neg, abs, reciprocal, floor,
 * ceil, round, sin, cos, sign, pow by a constant, scale) applied elementwise. A standalone activation executes
 * as an `activation` node (one pass over the data, any layout); the fusion
 * passes fold it into the epilogue of the conv, linear or binary before it.
 */
import { GraphError } from '../errors.js';
import { activation as activationDispatch } from '../kernels/elementwise.js';
import { SELU_ALPHA, SELU_GAMMA } from '../kernels/epilogue.js';
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
 * An activation; leaky_relu, hardsigmoid, clip, elu, selu, celu,
 * thresholded_relu, pow and scale take their numbers in the options.
 * @example activation(b, x, 'clip', { min: 0, max: 6 })   // ±Infinity for an absent bound
 * @example activation(b, x, 'pow', { exponent: 3 })
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
    case 'elu':
    case 'thresholded_relu':
      number('alpha', o.alpha, true);
      return { alpha: o.alpha ?? 1 };
    case 'celu':
      number('alpha', o.alpha, true);
      // celu divides by alpha
      if (o.alpha === 0) throw new GraphError(name, 'celu alpha must not be 0');
      return { alpha: o.alpha ?? 1 };
    case 'selu':
      number('alpha', o.alpha, true);
      number('gamma', o.gamma, true);
      return { alpha: o.alpha ?? SELU_ALPHA, gamma: o.gamma ?? SELU_GAMMA };
    case 'pow':
      if (o.exponent === undefined) throw new GraphError(name, 'pow needs an exponent');
      number('exponent', o.exponent, true);
      return { exponent: o.exponent };
    case 'scale':
      if (o.alpha === undefined) throw new GraphError(name, 'scale needs alpha, the factor');
      number('alpha', o.alpha, true);
      return { alpha: o.alpha };
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

/** ONNX op types that are the activation of the same name, with no attributes. */
const PLAIN_ONNX: Partial<Record<Activation, string>> = {
  relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softplus: 'Softplus', softsign: 'Softsign', erf: 'Erf', exp: 'Exp', log: 'Log', sqrt: 'Sqrt',
  neg: 'Neg', abs: 'Abs', reciprocal: 'Reciprocal', floor: 'Floor', ceil: 'Ceil', round: 'Round', sin: 'Sin', cos: 'Cos', sign: 'Sign',
};

/**
 * The ONNX nodes of an activation; ONNX 13 has no SiLU, HardSwish, Mish or
 * Gelu, so they are composed (SiLU = x·σ(x), hard-swish = x·hardσ(x),
 * mish = x·tanh(softplus(x)), gelu from Erf or Tanh), and ReLU6 is a Clip.
 */
/** The ONNX nodes of an activation; also what a fused activation of another op (conv3d) exports as. */
export function exportActivation(n: ActivationNode, c: ExportContext): void {
  const x = c.name(n.inputs[0]!);
  const y = c.name(n.output);
  const base = { name: n.name, inputs: [x], outputs: [y] };
  const plain = PLAIN_ONNX[n.activation];
  // the intermediate values of a composed activation: `${y}.${step}`
  const step = (op: string, suffix: string, inputs: string[]): OnnxNodeSpec => ({ name: `${n.name}.${suffix}`, op, inputs, outputs: [`${y}.${suffix}`] });
  const nodes = ((): OnnxNodeSpec[] => {
    if (plain) return [{ ...base, op: plain }];
    switch (n.activation) {
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
      case 'elu':
        return [{ ...base, op: 'Elu', attrs: { alpha: { float: n.params?.alpha ?? 1 } } }];
      case 'celu':
        return [{ ...base, op: 'Celu', attrs: { alpha: { float: n.params?.alpha ?? 1 } } }];
      case 'thresholded_relu':
        return [{ ...base, op: 'ThresholdedRelu', attrs: { alpha: { float: n.params?.alpha ?? 1 } } }];
      case 'selu':
        return [{ ...base, op: 'Selu', attrs: { alpha: { float: n.params?.alpha ?? SELU_ALPHA }, gamma: { float: n.params?.gamma ?? SELU_GAMMA } } }];
      case 'pow':
        return [{ ...base, op: 'Pow', inputs: [x, c.scalar(`const_${n.params!.exponent!}`, n.params!.exponent!)] }];
      case 'scale':
        return [{ ...base, op: 'Mul', inputs: [x, c.scalar(`const_${n.params!.alpha!}`, n.params!.alpha!)] }];
      case 'mish':
        return [step('Softplus', 'softplus', [x]), step('Tanh', 'tanh', [`${y}.softplus`]), { ...base, op: 'Mul', inputs: [x, `${y}.tanh`] }];
      case 'gelu':
        // x·(1 + erf(x/√2))/2
        return [
          step('Mul', 'scaled', [x, c.scalar('const_sqrt_half', Math.SQRT1_2)]),
          step('Erf', 'erf', [`${y}.scaled`]),
          step('Add', 'one_plus', [`${y}.erf`, c.scalar('const_one', 1)]),
          step('Mul', 'times_x', [x, `${y}.one_plus`]),
          { ...base, op: 'Mul', inputs: [`${y}.times_x`, c.scalar('const_half', 0.5)] },
        ];
      case 'gelu_tanh':
        // x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2
        return [
          step('Mul', 'square', [x, x]),
          step('Mul', 'cube', [`${y}.square`, x]),
          step('Mul', 'cube_scaled', [`${y}.cube`, c.scalar('const_gelu_cubic', 0.044715)]),
          step('Add', 'inner', [x, `${y}.cube_scaled`]),
          step('Mul', 'inner_scaled', [`${y}.inner`, c.scalar('const_sqrt_2_over_pi', Math.sqrt(2 / Math.PI))]),
          step('Tanh', 'tanh', [`${y}.inner_scaled`]),
          step('Add', 'one_plus', [`${y}.tanh`, c.scalar('const_one', 1)]),
          step('Mul', 'times_x', [x, `${y}.one_plus`]),
          { ...base, op: 'Mul', inputs: [`${y}.times_x`, c.scalar('const_half', 0.5)] },
        ];
      default:
        throw new GraphError(n.name, `activation ${n.activation} has no ONNX form`);
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
const withAlpha =
  (kind: 'elu' | 'celu' | 'thresholded_relu'): OnnxHandler =>
  (c) =>
    activate(c, kind, { alpha: c.attrs.float('alpha', 1) });
const importSelu: OnnxHandler = (c) => activate(c, 'selu', { alpha: c.attrs.float('alpha', SELU_ALPHA), gamma: c.attrs.float('gamma', SELU_GAMMA) });

/** Gelu (opset 20): the exact erf form, or approximate = 'tanh'. */
const importGelu: OnnxHandler = (c) => {
  const approximate = c.attrs.string('approximate', 'none');
  if (approximate !== 'none' && approximate !== 'tanh') throw c.unsupported('attribute', `Gelu approximate must be 'none' or 'tanh', got '${approximate}'`);
  return activate(c, approximate === 'tanh' ? 'gelu_tanh' : 'gelu');
};

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
    Elu: withAlpha('elu'),
    Celu: withAlpha('celu'),
    ThresholdedRelu: withAlpha('thresholded_relu'),
    Selu: importSelu,
    Softplus: simple('softplus'),
    Softsign: simple('softsign'),
    Mish: simple('mish'),
    Gelu: importGelu,
    Erf: simple('erf'),
    Exp: simple('exp'),
    Log: simple('log'),
    Sqrt: simple('sqrt'),
    Neg: simple('neg'),
    Abs: simple('abs'),
    Reciprocal: simple('reciprocal'),
    Floor: simple('floor'),
    Ceil: simple('ceil'),
    Round: simple('round'),
    Sin: simple('sin'),
    Cos: simple('cos'),
    Sign: simple('sign'),
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
