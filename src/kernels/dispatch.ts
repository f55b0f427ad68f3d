/**
 * The contract between a kernel's TS face and the GPU. A kernel turns its
 * parameters into one or more DispatchSpecs: which shader, which override
 * constants, which named uniforms, which buffer goes to which shader
 * variable, how many workgroups. Binding numbers and byte offsets are not
 * here: they come from reflecting the shader.
 *
 * What is known when a model compiles (shader, constants, buffers) and what
 * changes per run (nothing, for now: shapes are fixed once compiled) are kept
 * in one spec so the executor can prepare it once and replay it.
 */
import { ShaderError } from '../errors.js';
import { getPipeline, bindGroupLayouts } from '../gpu/pipeline_cache.js';
import { reflectShader, resolveWorkgroupSize, type ShaderDef } from '../gpu/shader.js';
import { MAX_WORKGROUPS_PER_DIMENSION } from './geometry.js';
import { packUniforms, type UniformValues } from '../gpu/uniforms.js';

export type BufferBinding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

export interface DispatchSpec {
  readonly label: string;
  readonly shader: ShaderDef;
  /** Override constants: workgroup/tile sizes and the epilogue only. */
  readonly constants: Readonly<Record<string, number>>;
  /** Tensor dimensions, strides, pads: by uniform field name. */
  readonly uniforms: UniformValues;
  /** Buffers by shader variable name (the uniform buffer is made here). */
  readonly bindings: Readonly<Record<string, BufferBinding>>;
  readonly workgroups: readonly [number, number, number];
}

/** A dispatch with its pipeline and bind groups made: encoding it costs nothing more. */
export interface PreparedDispatch {
  readonly label: string;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroups: readonly GPUBindGroup[];
  readonly workgroups: readonly [number, number, number];
  /** Owned by this dispatch; destroy with releaseDispatch. */
  readonly uniformBuffer: GPUBuffer | undefined;
}

/**
 * Checks a spec against its shader's reflected interface without touching a
 * GPU: bindings named exactly as declared, every uniform field given, only
 * declared override constants, a resolvable workgroup size.
 */
export function validateSpec(spec: DispatchSpec): ArrayBuffer {
  const shader = reflectShader(spec.shader);
  const given = new Set(Object.keys(spec.bindings));
  const expected = [...shader.bindings.values()].filter((b) => b.kind !== 'uniform').map((b) => b.name);
  const missing = expected.filter((n) => !given.has(n));
  const extra = [...given].filter((n) => !expected.includes(n));
  if (missing.length || extra.length) {
    throw new ShaderError(
      `${spec.label}: shader ${shader.name} binds [${expected.join(', ')}]` +
        (missing.length ? `; missing ${missing.join(', ')}` : '') +
        (extra.length ? `; unknown ${extra.join(', ')}` : ''),
    );
  }
  for (const name of Object.keys(spec.constants)) {
    if (!shader.overrides.has(name)) throw new ShaderError(`${spec.label}: shader ${shader.name} has no override constant ${name}`);
  }
  const size = resolveWorkgroupSize(shader, spec.constants);
  const [x, y, z] = spec.workgroups;
  if (![x, y, z].every((n) => Number.isInteger(n) && n >= 1 && n <= MAX_WORKGROUPS_PER_DIMENSION)) {
    throw new ShaderError(`${spec.label}: bad workgroup count [${spec.workgroups.join(', ')}]`);
  }
  if (size[0] * size[1] * size[2] < 1) throw new ShaderError(`${spec.label}: empty workgroup`);
  return packUniforms(shader, spec.uniforms);
}

/**
 * Creates (or reuses) the pipeline, writes the uniforms, builds the bind
 * groups. Every GPU object is made before the first await (callers wrap the
 * call in error scopes); `own` is handed the uniform buffer at once, so a
 * caller that gives up before the pipeline is ready can still free it.
 */
export async function prepareDispatch(device: GPUDevice, spec: DispatchSpec, own?: (buffer: GPUBuffer) => void): Promise<PreparedDispatch> {
  const bytes = validateSpec(spec);
  const shader = reflectShader(spec.shader);
  const pipelinePromise = getPipeline(device, shader, spec.constants);
  let uniformBuffer: GPUBuffer | undefined;
  if (shader.uniform) {
    uniformBuffer = device.createBuffer({ label: `${spec.label} params`, size: bytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(uniformBuffer, 0, bytes);
    own?.(uniformBuffer);
  }
  const layouts = bindGroupLayouts(device, shader).groups;
  const entriesByGroup: GPUBindGroupEntry[][] = layouts.map(() => []);
  for (const b of shader.bindings.values()) {
    const source = b.kind === 'uniform' ? uniformBuffer! : spec.bindings[b.name]!;
    const resource = 'buffer' in source ? source : { buffer: source };
    entriesByGroup[b.group]!.push({ binding: b.binding, resource });
  }
  const bindGroups = layouts.map((layout, i) =>
    device.createBindGroup({ label: `${spec.label} group ${i}`, layout, entries: entriesByGroup[i]! }),
  );
  return { label: spec.label, pipeline: await pipelinePromise, bindGroups, workgroups: spec.workgroups, uniformBuffer };
}

/** Records one prepared dispatch into a compute pass. */
export function encodeDispatch(pass: GPUComputePassEncoder, d: PreparedDispatch): void {
  pass.setPipeline(d.pipeline);
  d.bindGroups.forEach((g, i) => pass.setBindGroup(i, g));
  pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
}

export function releaseDispatch(d: PreparedDispatch): void {
  d.uniformBuffer?.destroy();
}

/** Prepares, encodes into one command buffer, submits and waits: for tests and benches. */
export async function runDispatches(device: GPUDevice, specs: readonly DispatchSpec[]): Promise<void> {
  const prepared = await Promise.all(specs.map((s) => prepareDispatch(device, s)));
  const encoder = device.createCommandEncoder({ label: 'run' });
  const pass = encoder.beginComputePass();
  for (const d of prepared) encodeDispatch(pass, d);
  pass.end();
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  prepared.forEach(releaseDispatch);
}
