/** Lowering of elementwise ops: Add/Sub/Mul/Div with numpy broadcasting, the activations, Clip and PRelu. */
import type { Tensor } from '../graph/builder.js';
import type { ActivationOptions } from '../graph/builder.js';
import type { Activation } from '../kernels/epilogue.js';
import { carrierShape, runtime, type NodeContext, type Value } from './context.js';
import { scalarConst } from './ops_nn.js';
import { broadcastDims } from './shape_math.js';

type Handler = (c: NodeContext) => Value[];

const shapeOf = (v: Value): readonly number[] => (v.kind === 'const' ? v.value.dims : v.shape);
const padLeft = (shape: readonly number[], rank: number): number[] => [...Array(rank - shape.length).fill(1), ...shape];

/** Both operands as builder tensors in a common rank-2 or rank-4 layout of their broadcast shape. */
function operands(c: NodeContext, a: Value, b: Value): { ta: Tensor; tb: Tensor; shape: number[] } {
  const shape = broadcastDims(shapeOf(a), shapeOf(b));
  const carrier = (s: readonly number[]): number[] => {
    const padded = padLeft(s, shape.length);
    return shape.length === 2 || shape.length === 4 ? padded : carrierShape(padded)!;
  };
  if (!carrierShape(shape)) throw c.unsupported('shape', `a rank-${shape.length} result [${shape.join(', ')}] is not supported`);
  const one = (v: Value, i: number): Tensor =>
    v.kind === 'runtime' ? c.tensor(v, carrier(v.shape)) : c.state.constantTensor(v.value, carrier(v.value.dims), c.node.input?.[i] || `${c.name}.input${i}`);
  return { ta: one(a, 0), tb: one(b, 1), shape };
}

function binary(op: 'add' | 'sub' | 'mul' | 'div'): Handler {
  return (c) => {
    const { ta, tb, shape } = operands(c, c.input(0), c.input(1));
    return [runtime(c.g[op](ta, tb, c.name), shape)];
  };
}

/** An activation on a runtime value of any rank up to 4. */
function activate(c: NodeContext, kind: Exclude<Activation, 'none'>, params: Omit<ActivationOptions, 'name'> = {}): Value[] {
  const v = c.runtimeInput(0);
  return [runtime(c.g.activation(c.carrier(v), kind, { name: c.name, ...params }), v.shape)];
}

const simple = (kind: Exclude<Activation, 'none'>): Handler => (c) => activate(c, kind);

/** Clip's bounds: attributes before opset 11, optional inputs from 11. */
const clip: Handler = (c) => {
  let min: number;
  let max: number;
  if (c.opset < 11) {
    min = c.attrs.float('min', -3.4028234663852886e38);
    max = c.attrs.float('max', 3.4028234663852886e38);
  } else {
    min = c.inputs[1] ? scalar(c, 1, 'min') : -Infinity;
    max = c.inputs[2] ? scalar(c, 2, 'max') : Infinity;
  }
  if (min === 0 && max === 6) return activate(c, 'relu6');
  if (min === 0 && max >= 3.4028234663852886e38) return activate(c, 'relu');
  if (min > max) {
    // ONNX: every output is max when min > max
    min = max;
  }
  return activate(c, 'clip', { min, max });
};

function scalar(c: NodeContext, i: number, what: string): number {
  const t = c.constInput(i, what);
  if (t.data.length !== 1) throw c.format(`${what} must be a scalar, has ${t.data.length} values`);
  return t.data[0]!;
}

/** PRelu: a per-channel slope is the builder's prelu, one slope is leaky_relu, anything else relu(x) − slope·relu(−x). */
const prelu: Handler = (c) => {
  const v = c.runtimeInput(0);
  const slopeIn = c.input(1);
  if (slopeIn.kind === 'const') {
    const slope = slopeIn.value;
    if (slope.data.length === 1) return activate(c, 'leaky_relu', { alpha: slope.data[0]! });
    const channels = v.shape[1];
    const dims = padLeft(slope.dims, v.shape.length);
    const perChannel = v.shape.length >= 2 && dims.every((d, i) => (i === 1 ? d === channels : d === 1));
    if (perChannel && (v.shape.length === 2 || v.shape.length === 4)) {
      const y = c.g.prelu(c.tensor(v), { name: c.name });
      c.state.setWeight(`${c.name}.weight`, Float32Array.from(slope.data));
      return [runtime(y)];
    }
  }
  const x = c.carrier(v);
  const positive = c.g.activation(x, 'relu', c.sub('positive'));
  const negated = c.g.mul(x, c.state.constantTensor(scalarConst(-1), [1, 1].concat(x.shape.length === 4 ? [1, 1] : []), `${c.name}.minus_one`), c.sub('negate'));
  const negative = c.g.activation(negated, 'relu', c.sub('negative'));
  const { ta, tb, shape } = operandsFor(c, negative, v.shape, slopeIn);
  const scaledNegative = c.g.mul(ta, tb, c.sub('slope'));
  return [runtime(c.g.sub(positive, scaledNegative, c.name), shape)];
};

function operandsFor(c: NodeContext, t: Tensor, shape: readonly number[], other: Value): { ta: Tensor; tb: Tensor; shape: number[] } {
  return operands(c, runtime(t, shape), other);
}

const hardSigmoid: Handler = (c) => activate(c, 'hardsigmoid', { alpha: c.attrs.float('alpha', 0.2), beta: c.attrs.float('beta', 0.5) });
const leakyRelu: Handler = (c) => activate(c, 'leaky_relu', { alpha: c.attrs.float('alpha', 0.01) });

export const ELEMENTWISE_OPS: Record<string, Handler> = {
  Add: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  Div: binary('div'),
  Relu: simple('relu'),
  Sigmoid: simple('sigmoid'),
  Tanh: simple('tanh'),
  HardSwish: simple('hardswish'),
  HardSigmoid: hardSigmoid,
  LeakyRelu: leakyRelu,
  Clip: clip,
  PRelu: prelu,
};
