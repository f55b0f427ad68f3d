/**
 * The unary family and the variadic/binary elementwise ops imported from
 * single-op ONNX models and checked against onnxruntime-node on the same
 * file, over rank-4 and rank-2 inputs (inputs uniform in [−2, 2]; Log, Sqrt
 * and a Pow base go through Abs first so both sides stay in the domain),
 * and the typed errors for what is refused.
 */
import { describe, expect, it } from 'vitest';
import { UnsupportedOnnxError } from '../../src/errors.js';
import { parseOnnx } from '../../src/onnx/import.js';
import { buildModel, expectMatchesOrt, floatTensor, node } from '../helpers/onnx_models.js';
import { thrown } from '../helpers/thrown.js';

// measured worst relative L2 over these cases (printed per case): 2.7e-7, Pow ^-1.5
const TOLERANCE = 1e-6;

type Attrs = Record<string, number | string>;
interface UnaryCase {
  op: string;
  opset: number;
  attrs?: Attrs;
  /** Abs first: the op is defined for x ≥ 0 only. */
  positive?: boolean;
}

const UNARY: UnaryCase[] = [
  { op: 'Elu', opset: 13 },
  { op: 'Elu', opset: 13, attrs: { alpha: 0.3 } },
  { op: 'Selu', opset: 13 },
  { op: 'Selu', opset: 13, attrs: { alpha: 1.5, gamma: 2.5 } },
  { op: 'Celu', opset: 13, attrs: { alpha: 1.7 } },
  { op: 'Softplus', opset: 13 },
  { op: 'Softsign', opset: 13 },
  { op: 'Mish', opset: 18 },
  { op: 'HardSwish', opset: 14 },
  { op: 'HardSigmoid', opset: 13, attrs: { alpha: 0.4, beta: 0.3 } },
  { op: 'ThresholdedRelu', opset: 13, attrs: { alpha: 0.7 } },
  { op: 'Gelu', opset: 20 },
  { op: 'Gelu', opset: 20, attrs: { approximate: 'tanh' } },
  { op: 'Erf', opset: 13 },
  { op: 'Exp', opset: 13 },
  { op: 'Log', opset: 13, positive: true },
  { op: 'Sqrt', opset: 13, positive: true },
  { op: 'Neg', opset: 13 },
  { op: 'Abs', opset: 13 },
  { op: 'Reciprocal', opset: 13 },
  { op: 'Floor', opset: 13 },
  { op: 'Ceil', opset: 13 },
  { op: 'Round', opset: 13 },
  { op: 'Sin', opset: 13 },
  { op: 'Cos', opset: 13 },
  { op: 'Tanh', opset: 13 },
  { op: 'Sigmoid', opset: 13 },
  { op: 'Sign', opset: 13 },
];

const SHAPES = [
  [2, 3, 5, 4],
  [3, 7],
];

function unaryModel(c: UnaryCase, shape: number[]): Uint8Array {
  const nodes = c.positive ? [node('Abs', ['x'], ['a']), node(c.op, ['a'], ['y'], c.attrs)] : [node(c.op, ['x'], ['y'], c.attrs)];
  return buildModel({ opset: c.opset, nodes, inputs: [{ name: 'x', shape }], outputs: ['y'] });
}

describe('onnx activation family vs onnxruntime', () => {
  UNARY.forEach((c, i) => {
    it(`${c.op} ${c.attrs ? JSON.stringify(c.attrs) : ''} (opset ${c.opset})`, async () => {
      for (const shape of SHAPES) {
        const { errors } = await expectMatchesOrt(unaryModel(c, shape), { seed: i, tolerance: TOLERANCE, label: `${c.op} [${shape}]` });
        console.log(`${c.op} [${shape}]: relative L2 ${errors.y!.toExponential(2)}`);
      }
    });
  });

  it('Pow: a constant scalar exponent (the pow activation), and runtime exponents with broadcasting (the binary op)', async () => {
    for (const [k, exponent] of [2, 3, 0.5, -1.5].entries()) {
      const bytes = buildModel({
        opset: 13,
        nodes: [node('Abs', ['x'], ['a']), node('Pow', ['a', 'e'], ['y'])],
        inputs: [{ name: 'x', shape: [2, 3, 4, 5] }],
        outputs: ['y'],
        initializers: [floatTensor('e', [], [exponent])],
      });
      const { model, errors } = await expectMatchesOrt(bytes, { seed: 40 + k, tolerance: TOLERANCE, label: `Pow ^${exponent}` });
      expect(model.graph.nodes.some((n) => n.op === 'activation' && n.activation === 'pow')).toBe(true);
      console.log(`Pow ^${exponent}: relative L2 ${errors.y!.toExponential(2)}`);
    }
    // a negative base takes integer exponents (a real one makes NaN), so the runtime exponent is rounded; and a per-channel exponent
    const rounded = buildModel({
      opset: 13,
      nodes: [node('Round', ['e'], ['r']), node('Pow', ['x', 'r'], ['y']), node('Abs', ['x'], ['a']), node('Pow', ['a', 'f'], ['z'])],
      inputs: [{ name: 'x', shape: [2, 3, 4, 5] }, { name: 'e', shape: [2, 3, 4, 5] }],
      outputs: ['y', 'z'],
      initializers: [floatTensor('f', [1, 3, 1, 1], [0.5, 1.5, -2])],
    });
    const { errors } = await expectMatchesOrt(rounded, { seed: 49, tolerance: TOLERANCE, label: 'Pow runtime' });
    console.log(`Pow runtime exponents: ${JSON.stringify(errors)}`);
  });

  it('Sum, Mean, Min, Max of 1, 2 and 3 inputs with broadcasting', async () => {
    for (const op of ['Sum', 'Mean', 'Min', 'Max']) {
      for (const count of [1, 2, 3]) {
        const names = ['a', 'b', 'c'].slice(0, count);
        const shapes = [[2, 3, 4, 5], [1, 3, 1, 5], [2, 3, 4, 5]];
        const bytes = buildModel({
          opset: 13,
          // a Neg after it keeps a 1-input op's output from being the graph's input itself
          nodes: [node(op, names, ['s']), node('Neg', ['s'], ['y'])],
          inputs: names.map((name, i) => ({ name, shape: shapes[i]! })),
          outputs: ['y'],
        });
        const { errors } = await expectMatchesOrt(bytes, { seed: op.length * 10 + count, tolerance: TOLERANCE, label: `${op} of ${count}` });
        console.log(`${op} of ${count}: relative L2 ${errors.y!.toExponential(2)}`);
      }
    }
    // a constant operand, rank 2
    const bytes = buildModel({
      opset: 13,
      nodes: [node('Max', ['x', 'k', 'x2'], ['y'])],
      inputs: [{ name: 'x', shape: [3, 6] }, { name: 'x2', shape: [3, 6] }],
      outputs: ['y'],
      initializers: [floatTensor('k', [6], [0.1, -0.5, 0.3, 1, -1, 0])],
    });
    await expectMatchesOrt(bytes, { seed: 77, tolerance: TOLERANCE, label: 'Max with a constant' });
  });

  it('refuses Gelu with an unknown approximation and Pow with a non-finite exponent, naming the node', () => {
    const gelu = buildModel({ opset: 20, nodes: [node('Gelu', ['x'], ['y'], { approximate: 'sigmoid' }, 'the_gelu')], inputs: [{ name: 'x', shape: [1, 4] }], outputs: ['y'] });
    const e = thrown(() => parseOnnx(gelu));
    expect(e).toBeInstanceOf(UnsupportedOnnxError);
    expect(e.message).toMatch(/the_gelu/);
    expect(e.message).toMatch(/approximate/);
    const pow = buildModel({ opset: 13, nodes: [node('Pow', ['x', 'e'], ['y'], {}, 'the_pow')], inputs: [{ name: 'x', shape: [1, 4] }], outputs: ['y'], initializers: [floatTensor('e', [], [Infinity])] });
    const p = thrown(() => parseOnnx(pow));
    expect(p).toBeInstanceOf(UnsupportedOnnxError);
    expect(p.message).toMatch(/the_pow/);
  });
});
