/**
 * A WGSL shader and what wgsl_reflect reads from it: bindings by variable
 * name, the uniform struct's field offsets, the override constants and the
 * workgroup size expressions. Nothing about a shader's interface is written
 * twice: kernels name variables, reflection supplies numbers.
 */
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { ShaderError } from '../errors.js';

export type BindingKind = 'uniform' | 'read-only-storage' | 'storage';
export type ScalarType = 'u32' | 'i32' | 'f32' | 'bool';

export interface ReflectedBinding {
  readonly name: string;
  readonly group: number;
  readonly binding: number;
  readonly kind: BindingKind;
}

export interface UniformField {
  readonly offset: number;
  readonly type: Exclude<ScalarType, 'bool'>;
  /** 1 for scalars, 2–4 for vectors. */
  readonly components: number;
}

export interface ReflectedShader {
  readonly name: string;
  readonly code: string;
  readonly entryPoint: string;
  /** Storage and uniform variables by name. */
  readonly bindings: ReadonlyMap<string, ReflectedBinding>;
  /** The single uniform struct, if the shader has one. */
  readonly uniform?: { readonly variable: string; readonly size: number; readonly fields: ReadonlyMap<string, UniformField> };
  readonly overrides: ReadonlyMap<string, ScalarType>;
  /** Each entry is a literal or the name of an override constant. */
  readonly workgroupSize: readonly (number | string)[];
}

/** A shader as a kernel file declares it: a name and its source parts. */
export interface ShaderDef {
  readonly name: string;
  /** Shared chunks first (e.g. the epilogue), then the kernel's own file. */
  readonly parts: readonly string[];
}

/** Declares a shader; reflection runs lazily, once. */
export function defineShader(name: string, ...parts: string[]): ShaderDef {
  return { name, parts };
}

const reflected = new Map<string, ReflectedShader>();

/** Parses a shader once and caches what reflection says about it. */
export function reflectShader(def: ShaderDef): ReflectedShader {
  const cached = reflected.get(def.name);
  if (cached) return cached;
  const code = def.parts.join('\n');
  let reflection: WgslReflect;
  try {
    reflection = new WgslReflect(code);
  } catch (cause) {
    throw new ShaderError(`shader ${def.name} does not parse: ${String(cause)}`, { cause });
  }
  const entry = reflection.entry.compute[0];
  if (!entry || reflection.entry.compute.length !== 1) {
    throw new ShaderError(`shader ${def.name} must have exactly one @compute entry point`);
  }
  const bindings = new Map<string, ReflectedBinding>();
  for (const u of reflection.uniforms) bindings.set(u.name, { name: u.name, group: u.group, binding: u.binding, kind: 'uniform' });
  for (const s of reflection.storage) {
    bindings.set(s.name, {
      name: s.name,
      group: s.group,
      binding: s.binding,
      kind: s.access === 'read' ? 'read-only-storage' : 'storage',
    });
  }
  if (reflection.uniforms.length > 1) throw new ShaderError(`shader ${def.name} must declare at most one uniform struct`);
  const uniformVar = reflection.uniforms[0];
  let uniform: ReflectedShader['uniform'];
  if (uniformVar) {
    const fields = new Map<string, UniformField>();
    const members = (uniformVar.type as { members?: { name: string; offset: number; type: { name: string; format?: { name: string } } }[] }).members ?? [];
    for (const m of members) {
      const vector = /^vec([234])/.exec(m.type.name);
      const scalar = (vector ? m.type.format?.name : m.type.name) as string;
      if (scalar !== 'u32' && scalar !== 'i32' && scalar !== 'f32') {
        throw new ShaderError(`shader ${def.name}: uniform field ${m.name} has unsupported type ${m.type.name}`);
      }
      fields.set(m.name, { offset: m.offset, type: scalar, components: vector ? Number(vector[1]) : 1 });
    }
    uniform = { variable: uniformVar.name, size: uniformVar.size, fields };
  }
  const overrides = new Map<string, ScalarType>();
  for (const o of reflection.overrides) overrides.set(o.name, o.type?.name as ScalarType);
  const sizeAttr = entry.attributes?.find((a: { name: string }) => a.name === 'workgroup_size');
  const rawSize = sizeAttr ? ([] as unknown[]).concat(sizeAttr.value) : [1];
  const workgroupSize = rawSize.map((v) => (/^\d+u?$/.test(String(v)) ? parseInt(String(v), 10) : String(v)));
  const result: ReflectedShader = { name: def.name, code, entryPoint: entry.name, bindings, uniform, overrides, workgroupSize };
  reflected.set(def.name, result);
  return result;
}

/** The workgroup size a pipeline will have once `constants` are applied. */
export function resolveWorkgroupSize(shader: ReflectedShader, constants: Readonly<Record<string, number>>): [number, number, number] {
  const dims = shader.workgroupSize.map((d) => {
    if (typeof d === 'number') return d;
    const value = constants[d];
    if (value === undefined) throw new ShaderError(`shader ${shader.name}: workgroup size ${d} needs a value`);
    return value;
  });
  return [dims[0] ?? 1, dims[1] ?? 1, dims[2] ?? 1];
}
