/**
 * A run's inputs: checked against the model's (names, sizes, buffer usage)
 * before anything is encoded, so a mistake is an InputError naming the
 * input; GPUBuffer inputs are copied into their staging buffers under error
 * scopes of their own.
 */
import { InputError } from '../errors.js';
import { withErrorScopes } from '../gpu/error_capture.js';
import type { Shape } from './ir.js';

/** A run input: NCHW (or [N, F]) float32 data, on the CPU or already on the GPU. */
export type TensorInput = Float32Array | GPUBuffer;

/** A graph input or output as the run path sees it. */
export interface IoTensor {
  name: string;
  tensor: number;
  shape: Shape;
  elements: number;
}

/** A graph input with the buffer its data is written to before each run. */
export interface StagedInput extends IoTensor {
  staging: GPUBuffer;
}

/** One tensor (single-input models) or a record by name → a checked map with every input. */
export function normalizeInputs(inputs: readonly IoTensor[], input: TensorInput | Readonly<Record<string, TensorInput>>): Map<string, TensorInput> {
  const byName = new Map<string, TensorInput>();
  const isTensor = (x: unknown): x is TensorInput => x instanceof Float32Array || isGpuBuffer(x);
  if (Array.isArray(input) || (ArrayBuffer.isView(input) && !(input instanceof Float32Array))) {
    throw new InputError(inputs[0]?.name ?? 'input', `expected a Float32Array or GPUBuffer, got ${describeValue(input)}: wrap the values as new Float32Array(...), NCHW`);
  }
  if (isTensor(input)) {
    if (inputs.length !== 1) throw new InputError(inputs.map((i) => i.name).join(', '), `this model has ${inputs.length} inputs: pass a record by name`);
    byName.set(inputs[0]!.name, input);
  } else if (typeof input === 'object' && input !== null && !ArrayBuffer.isView(input)) {
    for (const [name, value] of Object.entries(input)) byName.set(name, value);
  } else {
    throw new InputError(inputs[0]?.name ?? 'input', `expected a Float32Array or GPUBuffer, got ${describeValue(input)}`);
  }
  for (const io of inputs) {
    const value = byName.get(io.name);
    if (value === undefined) throw new InputError(io.name, 'missing');
    if (value instanceof Float32Array) {
      if (value.length !== io.elements) throw new InputError(io.name, `expected ${io.elements} floats for shape [${io.shape.join(', ')}], got ${value.length}`);
    } else if (isGpuBuffer(value)) {
      if (value.size < io.elements * 4) throw new InputError(io.name, `GPU buffer has ${value.size} bytes; shape [${io.shape.join(', ')}] needs ${io.elements * 4}`);
      if ((value.usage & GPUBufferUsage.COPY_SRC) === 0) throw new InputError(io.name, 'the GPU buffer lacks GPUBufferUsage.COPY_SRC: create it with COPY_SRC so the model can copy it in');
      if (value.mapState !== 'unmapped') throw new InputError(io.name, `the GPU buffer is ${value.mapState}: unmap it before running`);
    } else {
      throw new InputError(io.name, `expected a Float32Array or GPUBuffer, got ${describeValue(value)}`);
    }
  }
  for (const name of byName.keys()) if (!inputs.some((i) => i.name === name)) throw new InputError(name, `no such input; inputs are ${inputs.map((i) => i.name).join(', ')}`);
  return byName;
}

/**
 * Copies GPUBuffer inputs into their staging buffers, one submit per input
 * under its own error scopes: a destroyed buffer or one from another device
 * is only detectable there, and must become an InputError naming it.
 */
export function copyGpuInputs(device: GPUDevice, inputs: readonly StagedInput[], given: ReadonlyMap<string, TensorInput>): Promise<InputError | undefined> {
  const checks = inputs.flatMap((io) => {
    const data = given.get(io.name)!;
    if (data instanceof Float32Array) return [];
    const { error } = withErrorScopes(device, { operation: `input "${io.name}"` }, () => {
      const encoder = device.createCommandEncoder({ label: `input ${io.name}` });
      encoder.copyBufferToBuffer(data, 0, io.staging, 0, io.elements * 4);
      device.queue.submit([encoder.finish()]);
    });
    return [
      error.then((e) =>
        e
          ? new InputError(io.name, `the GPU buffer could not be read — it may be destroyed, mapped, or made on another device than this model's (WebGPU said: ${e.gpuMessage.split('\n')[0]})`)
          : undefined,
      ),
    ];
  });
  return Promise.all(checks).then((errors) => errors.find((e) => e !== undefined));
}

/** Writes the Float32Array inputs into their staging buffers (queued before the run's submit). */
export function writeCpuInputs(device: GPUDevice, inputs: readonly StagedInput[], given: ReadonlyMap<string, TensorInput>): void {
  for (const io of inputs) {
    const data = given.get(io.name)!;
    if (data instanceof Float32Array) device.queue.writeBuffer(io.staging, 0, data.buffer, data.byteOffset, data.byteLength);
  }
}

export function isGpuBuffer(x: unknown): x is GPUBuffer {
  return typeof x === 'object' && x !== null && 'mapAsync' in x && 'usage' in x && 'size' in x;
}

/** What a value is, for messages: `an Array of 3`, `Float64Array`, `null`, `Object`. */
export function describeValue(x: unknown): string {
  if (Array.isArray(x)) return `an Array of ${x.length}`;
  if (x === null) return 'null';
  if (ArrayBuffer.isView(x)) return x.constructor.name;
  return typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x;
}
