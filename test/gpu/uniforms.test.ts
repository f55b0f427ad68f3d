import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { defineShader, reflectShader } from '../../src/gpu/shader.js';
import { packUniforms } from '../../src/gpu/uniforms.js';

const shader = reflectShader(
  defineShader(
    'test_uniform_ranges',
    `struct Params { count: u32, delta: i32, scale: f32, dims: vec2<u32> }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(1) fn main() { out[0] = f32(params.count) + f32(params.delta) * params.scale + f32(params.dims.x); }`,
  ),
);
const good = { count: 1, delta: -1, scale: 0.5, dims: [2, 3] };
const offset = (name: string) => shader.uniform!.fields.get(name)!.offset;

function thrown(values: Record<string, number | number[]>): InvalidParameterError {
  try {
    packUniforms(shader, values);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameterError);
    return e as InvalidParameterError;
  }
  throw new Error(`packUniforms accepted ${JSON.stringify(values)}`);
}

describe('packUniforms value ranges', () => {
  it.each([-1, 0.5, Number.NaN, Infinity, -Infinity, 2 ** 32, 2 ** 40])('rejects u32 %s, naming shader, field and value', (v) => {
    const e = thrown({ ...good, count: v });
    expect(e.parameter).toBe('uniform test_uniform_ranges.count');
    expect(e.message).toContain('test_uniform_ranges.count');
    expect(e.message).toContain(String(v));
  });

  it('names the vector component', () => {
    const e = thrown({ ...good, dims: [2, -3] });
    expect(e.parameter).toBe('uniform test_uniform_ranges.dims[1]');
    expect(e.message).toContain('-3');
  });

  it.each([2 ** 31, -(2 ** 31) - 1, 1.5, Number.NaN, Infinity])('rejects i32 %s', (v) => {
    const e = thrown({ ...good, delta: v });
    expect(e.parameter).toBe('uniform test_uniform_ranges.delta');
    expect(e.message).toContain(String(v));
  });

  it('rejects a finite f32 value that would round to infinity', () => {
    expect(thrown({ ...good, scale: 1e39 }).parameter).toBe('uniform test_uniform_ranges.scale');
    expect(thrown({ ...good, scale: -1e39 }).message).toContain('-1e+39');
  });

  it('packs the boundary values exactly', () => {
    const view = new DataView(packUniforms(shader, { count: 2 ** 32 - 1, delta: -(2 ** 31), scale: 3.4028234663852886e38, dims: [0, 2 ** 32 - 1] }));
    expect(view.getUint32(offset('count'), true)).toBe(2 ** 32 - 1);
    expect(view.getInt32(offset('delta'), true)).toBe(-(2 ** 31));
    expect(view.getFloat32(offset('scale'), true)).toBe(3.4028234663852886e38);
    expect(view.getUint32(offset('dims'), true)).toBe(0);
    expect(view.getUint32(offset('dims') + 4, true)).toBe(2 ** 32 - 1);
    const top = new DataView(packUniforms(shader, { count: 0, delta: 2 ** 31 - 1, scale: 0, dims: [1, 1] }));
    expect(top.getUint32(offset('count'), true)).toBe(0);
    expect(top.getInt32(offset('delta'), true)).toBe(2 ** 31 - 1);
  });

  it('passes NaN and ±Infinity through f32 fields as given', () => {
    for (const v of [Number.NaN, Infinity, -Infinity]) {
      const view = new DataView(packUniforms(shader, { ...good, scale: v }));
      expect(Object.is(view.getFloat32(offset('scale'), true), v)).toBe(true);
    }
  });
});
