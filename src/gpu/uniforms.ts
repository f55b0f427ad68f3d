import { InvalidParameterError, ShaderError } from '../errors.js';
import type { ReflectedShader } from './shader.js';

export type UniformValues = Readonly<Record<string, number | readonly number[]>>;

/**
 * Packs named values into the byte layout reflection found for the shader's
 * uniform struct. Every field must be given and no unknown name is accepted,
 * so a renamed field fails loudly instead of reading zero.
 *
 * A value the field's type cannot hold exactly throws `InvalidParameterError`
 * (naming the shader, the field and the value) instead of wrapping silently:
 * u32 takes integers in [0, 2³²), i32 integers in [−2³¹, 2³¹). f32 takes any
 * number the caller means, NaN and ±Infinity included (an absent clip bound is
 * ±Infinity, a pad value may be NaN: the shader sees what was asked); only a
 * finite value beyond f32's range is rejected, since rounding would turn it
 * into an infinity nobody asked for.
 */
export function packUniforms(shader: ReflectedShader, values: UniformValues): ArrayBuffer {
  const uniform = shader.uniform;
  if (!uniform) {
    if (Object.keys(values).length) throw new ShaderError(`shader ${shader.name} has no uniforms, got ${Object.keys(values).join(', ')}`);
    return new ArrayBuffer(0);
  }
  const bytes = new ArrayBuffer(Math.max(16, Math.ceil(uniform.size / 16) * 16));
  const view = new DataView(bytes);
  for (const name of Object.keys(values)) {
    if (!uniform.fields.has(name)) throw new ShaderError(`shader ${shader.name} has no uniform field ${name}`);
  }
  for (const [name, field] of uniform.fields) {
    const value = values[name];
    if (value === undefined) throw new ShaderError(`shader ${shader.name}: uniform field ${name} was not given`);
    const list = typeof value === 'number' ? [value] : value;
    if (list.length !== field.components) {
      throw new ShaderError(`shader ${shader.name}: uniform field ${name} takes ${field.components} values, got ${list.length}`);
    }
    list.forEach((v, i) => {
      const at = field.offset + 4 * i;
      checkRange(shader.name, field.components > 1 ? `${name}[${i}]` : name, field.type, v);
      if (field.type === 'f32') view.setFloat32(at, v, true);
      else if (field.type === 'i32') view.setInt32(at, v, true);
      else view.setUint32(at, v, true);
    });
  }
  return bytes;
}

const F32_MAX = 3.4028234663852886e38;
/** Halfway between F32_MAX and the next power of two: finite values at or past it round to ±Infinity. */
const F32_OVERFLOW = F32_MAX + 2 ** 103;

function checkRange(shaderName: string, field: string, type: 'u32' | 'i32' | 'f32', v: number): void {
  const parameter = `uniform ${shaderName}.${field}`;
  if (typeof v !== 'number') throw new InvalidParameterError(parameter, `${type} field takes a number, got ${typeof v} ${String(v)}`);
  if (type === 'f32') {
    if (Number.isFinite(v) && Math.abs(v) >= F32_OVERFLOW) throw new InvalidParameterError(parameter, `f32 field got ${v}, beyond f32's range (it would become ±Infinity)`);
    return;
  }
  const [lo, hi, range] = type === 'u32' ? [0, 2 ** 32, '[0, 2^32)'] : [-(2 ** 31), 2 ** 31, '[-2^31, 2^31)'];
  if (!Number.isInteger(v) || v < lo || v >= hi) throw new InvalidParameterError(parameter, `${type} field takes an integer in ${range}, got ${v}`);
}
