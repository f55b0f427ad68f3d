/**
 * The strided-walk machinery every any-rank kernel stands on
 * (src/kernels/strided.ts): compactWalk drops unit axes and merges runs
 * without changing which elements each view visits (checked against a plain
 * enumeration of the walk), walkUniforms pads to the shaders' 8 axes and
 * refuses more with a typed error, and stridedCopy on random views — permuted,
 * reversed, broadcast, offset, ranks 0–6 — against a CPU gather.
 */
import { describe, expect, it } from 'vitest';
import { InvalidParameterError, UnsupportedConfigurationError } from '../../src/errors.js';
import { compactWalk, MAX_WALK_AXES, rowMajorStrides, stridedCopies, stridedCopy, walkUniforms, type View, type Walk } from '../../src/kernels/strided.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { thrown } from '../helpers/thrown.js';

/** The element offset of each view at every element of the walk, in row-major walk order (the definition compactWalk must keep). */
function enumerate(walk: Walk): number[][] {
  const total = walk.dims.reduce((a, b) => a * b, 1);
  return walk.views.map((v) =>
    Array.from({ length: total }, (_, index) => {
      let rest = index;
      let offset = v.offset;
      for (let k = walk.dims.length - 1; k >= 0; k--) {
        offset += (rest % walk.dims[k]!) * v.strides[k]!;
        rest = Math.floor(rest / walk.dims[k]!);
      }
      return offset;
    }),
  );
}

describe('compactWalk', () => {
  it('drops unit axes and merges a contiguous run into one axis', () => {
    expect(compactWalk({ dims: [2, 1, 3, 4], views: [{ strides: [12, 0, 4, 1], offset: 5 }] })).toEqual({ dims: [24], views: [{ strides: [1], offset: 5 }] });
  });

  it('merges a run walked backwards and consecutive broadcast axes', () => {
    // a row-major [3, 4] read in reverse, written forwards; then a stride-0 [2, 5] block
    expect(compactWalk({ dims: [3, 4], views: [{ strides: [-4, -1], offset: 11 }, { strides: [4, 1], offset: 0 }] })).toEqual({
      dims: [12],
      views: [{ strides: [-1], offset: 11 }, { strides: [1], offset: 0 }],
    });
    expect(compactWalk({ dims: [2, 5, 3], views: [{ strides: [0, 0, 1], offset: 0 }, { strides: [15, 3, 1], offset: 0 }] })).toEqual({
      dims: [10, 3],
      views: [{ strides: [0, 1], offset: 0 }, { strides: [3, 1], offset: 0 }],
    });
  });

  it('keeps axes apart when any one view does not step through them as a run', () => {
    // the second view is a transpose: its axes are not contiguous, so nothing merges
    const walk = { dims: [2, 3, 4], views: [{ strides: [12, 4, 1], offset: 0 }, { strides: [1, 2, 6], offset: 0 }] };
    expect(compactWalk(walk)).toEqual(walk);
  });

  it('a rank-0 walk (one element) and an all-unit walk compact to no axes', () => {
    expect(compactWalk({ dims: [], views: [{ strides: [], offset: 3 }] })).toEqual({ dims: [], views: [{ strides: [], offset: 3 }] });
    expect(compactWalk({ dims: [1, 1, 1], views: [{ strides: [7, 9, 2], offset: 1 }] })).toEqual({ dims: [], views: [{ strides: [], offset: 1 }] });
  });

  it('visits the same offsets in the same order as the walk it compacts (random walks of up to 9 axes)', () => {
    const rng = new Rng(1301);
    let merged = 0;
    for (let trial = 0; trial < 300; trial++) {
      const rank = rng.int(0, 9);
      const dims = Array.from({ length: rank }, () => rng.pick([1, 1, 2, 3, 4]));
      const views: View[] = Array.from({ length: rng.int(1, 3) }, () => {
        // row-major strides (which merge), a few of them permuted, negated or zeroed (which may not)
        const strides = rowMajorStrides(dims).map((s) => (rng.bool(0.2) ? 0 : rng.bool(0.2) ? -s : s));
        if (rank > 1 && rng.bool(0.3)) {
          const [i, j] = [rng.int(0, rank - 1), rng.int(0, rank - 1)];
          [strides[i], strides[j]] = [strides[j]!, strides[i]!];
        }
        return { strides, offset: rng.int(0, 50) };
      });
      const walk = { dims, views };
      const c = compactWalk(walk);
      expect(c.dims.every((d) => d > 1), `seed trial ${trial}`).toBe(true);
      expect(enumerate(c), `trial ${trial}: dims [${dims}]`).toEqual(enumerate(walk));
      if (c.dims.length < dims.filter((d) => d > 1).length) merged++;
    }
    // the trials really exercised merging, not only unit-axis removal
    expect(merged).toBeGreaterThan(30);
  });

  it('refuses dims that are not positive integers and views with the wrong number of strides (typed)', () => {
    const e = thrown(() => compactWalk({ dims: [2, 0], views: [{ strides: [1, 1], offset: 0 }] }));
    expect(e).toBeInstanceOf(InvalidParameterError);
    expect(e.message).toBe('invalid dims[1]: must be a positive integer, got 0');
    const f = thrown(() => compactWalk({ dims: [2, 3], views: [{ strides: [3, 1], offset: 0 }, { strides: [1], offset: 0 }] }));
    expect(f).toBeInstanceOf(InvalidParameterError);
    expect(f.message).toBe('invalid views[1]: has 1 strides for 2 axes');
  });
});

describe('walkUniforms', () => {
  it('pads the compacted walk with leading unit axes (stride 0) to 8, split in two vec4s', () => {
    const u = walkUniforms({ dims: [2, 3, 4], views: [{ strides: [1, 2, 6], offset: 0 }, { strides: [12, 4, 1], offset: 0 }] }, ['a', 'b'], 'test');
    expect(u).toEqual({ dims0: [1, 1, 1, 1], dims1: [1, 2, 3, 4], total: 24, a0: [0, 0, 0, 0], a1: [0, 1, 2, 6], b0: [0, 0, 0, 0], b1: [0, 12, 4, 1] });
  });

  it('a rank-0 walk is one element', () => {
    expect(walkUniforms({ dims: [], views: [{ strides: [], offset: 0 }] }, ['s'], 'scalar')).toMatchObject({ dims0: [1, 1, 1, 1], dims1: [1, 1, 1, 1], total: 1 });
  });

  it('takes 8 independent axes, and refuses 9 with a typed error naming the caller', () => {
    const dims = (n: number): number[] => new Array<number>(n).fill(2);
    // reversed row-major: every axis steps against its neighbours, so none merge
    const reversed = (n: number): View => ({ strides: rowMajorStrides(dims(n)).reverse(), offset: 0 });
    expect(walkUniforms({ dims: dims(MAX_WALK_AXES), views: [reversed(MAX_WALK_AXES)] }, ['s'], 'eight').total).toBe(256);
    const e = thrown(() => walkUniforms({ dims: dims(9), views: [reversed(9)] }, ['s'], 'my_copy'));
    expect(e).toBeInstanceOf(UnsupportedConfigurationError);
    expect(e.message).toBe('my_copy: the tensors need 9 independent axes; kernels walk at most 8');
    // the same 9 axes contiguous in every view merge into one and are fine
    expect(walkUniforms({ dims: dims(9), views: [{ strides: rowMajorStrides(dims(9)), offset: 0 }] }, ['s'], 'nine').dims1).toEqual([1, 1, 1, 512]);
  });
});

describe('stridedCopy on random views vs a CPU gather', () => {
  /** A random input view over `dims`: strides in −3..3 per axis (0 broadcasts, negative walks back), offset so every index is in range. */
  function randomView(rng: Rng, dims: readonly number[]): { view: View; length: number } {
    const strides = dims.map(() => rng.int(-3, 3));
    let lo = 0;
    let hi = 0;
    dims.forEach((d, k) => {
      const reach = (d - 1) * strides[k]!;
      lo += Math.min(0, reach);
      hi += Math.max(0, reach);
    });
    const pad = rng.int(0, 4);
    return { view: { strides, offset: pad - lo }, length: hi - lo + 1 + pad + rng.int(0, 3) };
  }

  const rng = new Rng(1302);
  const cases = Array.from({ length: 24 }, (_, i) => {
    const rank = i % 7;
    const dims = Array.from({ length: rank }, () => rng.int(1, 4));
    // the output: row-major in a permuted axis order (every element written once), at an offset
    const order = dims.map((_, k) => k).sort(() => rng.next() - 0.5);
    const permutedStrides = new Array<number>(rank);
    let s = 1;
    for (let j = order.length - 1; j >= 0; j--) {
      permutedStrides[order[j]!] = s;
      s *= dims[order[j]!]!;
    }
    return { dims, from: randomView(rng, dims), to: { strides: permutedStrides, offset: rng.int(0, 5) }, seed: rng.int(1, 1e6) };
  });

  for (const { dims, from, to, seed } of cases) {
    it(`dims [${dims}] in strides [${from.view.strides}] at ${from.view.offset} → out strides [${to.strides}] at ${to.offset}`, async () => {
      const total = dims.reduce((a, b) => a * b, 1);
      const input = new Rng(seed).array(from.length);
      const outLength = to.offset + total + 2;
      // a sentinel the copy must leave alone outside the output view
      const initial = new Float32Array(outLength).fill(-7.5);
      const got = await runKernel(await testContext(), { input }, outLength, (b, out) => [stridedCopy(dims, from.view, to, b.input!, out)], initial);
      const expected = Float32Array.from(initial);
      const [src, dst] = enumerate({ dims, views: [from.view, to] });
      src!.forEach((at, i) => (expected[dst![i]!] = input[at]!));
      // a copy moves bits: exact
      expect(Array.from(got)).toEqual(Array.from(expected));
    });
  }
});

describe('stridedCopies: walks of more than 8 independent axes', () => {
  it('a 10-axis walk (a rank-5 tile split in two per axis) runs as several dispatches and copies every element', async () => {
    const rng = new Rng(1303);
    // five axes of extent 3, each walked as repeat 2 (input stride 0) × 3: no two walk axes merge
    const dims = [2, 3, 2, 3, 2, 3, 2, 3, 2, 3];
    const inStrides = [0, 81, 0, 27, 0, 9, 0, 3, 0, 1];
    const out = rowMajorStrides(dims);
    const from = { strides: inStrides, offset: 0 };
    const to = { strides: out, offset: 0 };
    const specs = stridedCopies(dims, from, to, {} as GPUBuffer, {} as GPUBuffer, 'tile');
    // peeling the outer repeat (2) leaves 9 axes, peeling the next extent (3) leaves 8: 2 × 3 dispatches
    expect(specs.length).toBe(6);
    const input = rng.array(243);
    const total = dims.reduce((a, b) => a * b, 1);
    const got = await runKernel(await testContext(), { input }, total, (b, o) => stridedCopies(dims, from, to, b.input!, o, 'tile'));
    const [src, dst] = enumerate({ dims, views: [from, to] });
    const expected = new Float32Array(total);
    src!.forEach((at, i) => (expected[dst![i]!] = input[at]!));
    expect(Array.from(got)).toEqual(Array.from(expected));
    // a walk that fits is one dispatch
    expect(stridedCopies([4, 5], { strides: [1, 4], offset: 0 }, { strides: [5, 1], offset: 0 }, {} as GPUBuffer, {} as GPUBuffer).length).toBe(1);
  });
});
