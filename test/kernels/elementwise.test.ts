import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { activation, BINARY_OPS, broadcastStrides, elementwiseBinary, type BinaryOp, type Shape4 } from '../../src/kernels/elementwise.js';
import { ACTIVATIONS, type Activation } from '../../src/kernels/epilogue.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, relativeL2, Rng } from '../helpers/random.js';
import { activationRef, elementwiseBinaryRef } from '../reference/elementwise.js';

/** How the second shape relates to the full one (the first operand may take either role). */
const PATTERNS = ['same', 'n11c', '111c', 'scalar', 'nhw1', 'mixed'] as const;
type Pattern = (typeof PATTERNS)[number];

function broadcastOf(full: Shape4, pattern: Pattern, rng: Rng): Shape4 {
  const [n, h, w, c] = full;
  switch (pattern) {
    case 'same':
      return full;
    case 'n11c':
      return [n, 1, 1, c];
    case '111c':
      return [1, 1, 1, c];
    case 'scalar':
      return [1, 1, 1, 1];
    case 'nhw1':
      return [n, h, w, 1];
    case 'mixed':
      return full.map((d) => (rng.bool() ? d : 1)) as unknown as Shape4;
  }
}

const fmt = (s: Shape4): string => `[${s.join(',')}]`;

/** Values away from zero with either sign, so a divisor never explodes. */
function divisor(length: number, rng: Rng): Float32Array {
  const a = rng.array(length, 0.5, 2);
  for (let i = 0; i < length; i++) if (rng.bool()) a[i] = -a[i]!;
  return a;
}

describe('elementwise binary', () => {
  const rng = new Rng(20240611);
  // few activations per op keeps pipelines (op × activation) at 12
  const acts: Activation[] = ['none', 'relu', 'sigmoid'];
  const cases: { op: BinaryOp; aShape: Shape4; bShape: Shape4; act: Activation }[] = [];
  let k = 0;
  for (const op of BINARY_OPS)
    for (const pattern of PATTERNS)
      for (let rep = 0; rep < 2; rep++) {
        const full: Shape4 = [rng.int(1, 3), rng.pick([1, 2, 5, 7, 13]), rng.pick([1, 3, 7, 11]), rng.pick([1, 3, 5, 64, 67])];
        const other = broadcastOf(full, pattern, rng);
        // the broadcast operand is b on the first repetition, a on the second
        const [aShape, bShape] = rep === 0 ? [full, other] : [other, full];
        cases.push({ op, aShape, bShape, act: acts[k++ % acts.length]! });
      }

  for (const { op, aShape, bShape, act } of cases) {
    it(`${op} a=${fmt(aShape)} b=${fmt(bShape)} act=${act}`, async () => {
      const ctx = await testContext();
      const size = (s: Shape4): number => s.reduce((x, y) => x * y, 1);
      // pow: a positive base (a negative one takes integer exponents only: nan_inf.test.ts covers the NaNs)
      const a = op === 'pow' ? rng.array(size(aShape), 0.1, 3) : rng.array(size(aShape), -2, 2);
      const b = op === 'div' ? divisor(size(bShape), rng) : rng.array(size(bShape), -2, 2);
      const ref = elementwiseBinaryRef(op, a, aShape, b, bShape, act);
      const out = await runKernel(ctx, { a, b }, ref.out.length, (buf, o) => [elementwiseBinary({ op, aShape, bShape, activation: act }, buf.a!, buf.b!, o)]);
      expect(relativeL2(out, ref.out)).toBeLessThanOrEqual(F32_TOLERANCE);
    });
  }

  it('both operands broadcast: [2,1,5,3] + [1,7,1,3] → [2,7,5,3]', async () => {
    const ctx = await testContext();
    const aShape: Shape4 = [2, 1, 5, 3];
    const bShape: Shape4 = [1, 7, 1, 3];
    const a = rng.array(30);
    const b = rng.array(21);
    const ref = elementwiseBinaryRef('add', a, aShape, b, bShape, 'none');
    expect(ref.dims).toEqual([2, 7, 5, 3]);
    const out = await runKernel(ctx, { a, b }, ref.out.length, (buf, o) => [elementwiseBinary({ op: 'add', aShape, bShape }, buf.a!, buf.b!, o)]);
    expect(relativeL2(out, ref.out)).toBeLessThanOrEqual(F32_TOLERANCE);
  });

  it('computes strides with 0 on broadcast axes', () => {
    expect(broadcastStrides([2, 1, 1, 8], [2, 7, 7, 8], 'b')).toEqual([8, 0, 0, 1]);
    expect(broadcastStrides([1, 1, 1, 8], [2, 7, 7, 8], 'b')).toEqual([0, 0, 0, 1]);
    expect(broadcastStrides([2, 7, 7, 8], [2, 7, 7, 8], 'a')).toEqual([392, 56, 8, 1]);
    expect(broadcastStrides([1, 1, 1, 1], [2, 7, 7, 8], 'a')).toEqual([0, 0, 0, 0]);
  });

  it('rejects shapes that do not broadcast, naming the operand', () => {
    const fake = {} as GPUBuffer;
    const named = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        return (e as InvalidParameterError).parameter;
      }
      throw new Error('did not throw');
    };
    expect(named(() => elementwiseBinary({ op: 'add', aShape: [1, 4, 4, 3], bShape: [1, 4, 4, 5] }, fake, fake, fake))).toBe('aShape');
    expect(named(() => elementwiseBinary({ op: 'add', aShape: [1, 4, 4, 5], bShape: [1, 2, 4, 5] }, fake, fake, fake))).toBe('bShape');
    expect(named(() => elementwiseBinary({ op: 'mul', aShape: [3, 4, 4, 5], bShape: [1, 1, 1, 5], outShape: [2, 4, 4, 5] }, fake, fake, fake))).toBe('aShape');
    expect(named(() => elementwiseBinary({ op: 'mul', aShape: [1, 4, 5] as unknown as Shape4, bShape: [1, 1, 1, 5] }, fake, fake, fake))).toBe('aShape');
    expect(named(() => elementwiseBinary({ op: 'sub', aShape: [1, 4, 4, 5], bShape: [1, 0, 1, 5] }, fake, fake, fake))).toBe('bShape');
    expect(named(() => elementwiseBinary({ op: 'atan2' as BinaryOp, aShape: [1, 1, 1, 1], bShape: [1, 1, 1, 1] }, fake, fake, fake))).toBe('op');
    expect(named(() => elementwiseBinary({ op: 'add', aShape: [1, 1, 1, 1], bShape: [1, 1, 1, 1], activation: 'swish' as Activation }, fake, fake, fake))).toBe('activation');
  });
});

describe('activation', () => {
  const rng = new Rng(4242);
  // defined on all of [−8, 8]; the rest of the family (log, sqrt…) is tested over its own domain in activation_family.test.ts
  const cases = ACTIVATIONS.filter((a) => a !== 'log' && a !== 'sqrt').flatMap((act) => [rng.int(1, 9), rng.int(100, 5000)].map((total) => ({ act, total })));

  for (const { act, total } of cases) {
    it(`${act} total=${total}`, async () => {
      const ctx = await testContext();
      // wide enough to reach relu6's and hard-swish's upper knees
      const x = rng.array(total, -8, 8);
      const out = await runKernel(ctx, { x }, total, (b, o) => [activation(total, act, b.x!, o)]);
      expect(relativeL2(out, activationRef(x, act))).toBeLessThanOrEqual(F32_TOLERANCE);
    });
  }

  it('folds more than 65,535 workgroups into a 2-D grid: relu6 total=4,200,007', async () => {
    const ctx = await testContext();
    const total = 4_200_007;
    const spec = activation(total, 'relu6', {} as GPUBuffer, {} as GPUBuffer);
    expect(spec.workgroups[1]).toBeGreaterThan(1);
    const x = rng.array(total, -8, 8);
    const out = await runKernel(ctx, { x }, total, (b, o) => [activation(total, 'relu6', b.x!, o)]);
    expect(relativeL2(out, activationRef(x, 'relu6'))).toBeLessThanOrEqual(F32_TOLERANCE);
  });

  it('rejects an empty tensor and an unknown activation', () => {
    const fake = {} as GPUBuffer;
    expect(() => activation(0, 'relu', fake, fake)).toThrow(InvalidParameterError);
    expect(() => activation(5, 'swish' as Activation, fake, fake)).toThrow(InvalidParameterError);
  });
});
