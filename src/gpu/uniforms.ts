import { ShaderError } from '../errors.js';
import type { ReflectedShader } from './shader.js';

export type UniformValues = Readonly<Record<string, number | readonly number[]>>;

/**
 * Packs named values into the byte layout reflection found for the shader's
 * uniform struct. Every field must be given and no unknown name is accepted,
 * so a renamed field fails loudly instead of reading zero.
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
      if (field.type === 'f32') view.setFloat32(at, v, true);
      else if (field.type === 'i32') view.setInt32(at, v, true);
      else {
        if (v < 0 || !Number.isInteger(v)) throw new ShaderError(`shader ${shader.name}: u32 field ${name} got ${v}`);
        view.setUint32(at, v, true);
      }
    });
  }
  return bytes;
}
