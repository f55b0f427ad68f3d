/**
 * Fault injection for the GPU: a GpuContext whose device is the real Dawn
 * device behind a proxy that can make chosen calls fail the way a driver
 * would, and that counts live buffers and command encoders.
 *
 * - validation faults are real: the proxy issues an invalid call of the same
 *   kind, so Dawn itself raises the error into whatever scope is open;
 * - out-of-memory cannot be provoked cheaply, so the proxy records it in the
 *   innermost open 'out-of-memory' scope, which then pops with an error —
 *   exactly what a refused allocation looks like to the caller.
 */
import type { GpuContext } from '../../src/gpu/device.js';

export type Fault = 'out-of-memory' | 'validation';

export interface FaultPlan {
  /** A fault for this buffer creation, or undefined to let it through. */
  buffer?(descriptor: GPUBufferDescriptor): Fault | undefined;
  /** A fault for this queue submit. */
  submit?(index: number): Fault | undefined;
  /** A fault for this command encoder: validation leaves a debug group open, so its finish() raises a real error. */
  encoder?(descriptor: GPUCommandEncoderDescriptor | undefined): Fault | undefined;
  /** Make this pipeline creation reject. */
  pipeline?(descriptor: GPUComputePipelineDescriptor): boolean;
}

export interface FaultyContext {
  ctx: GpuContext;
  /** Set or replace the plan at any time. */
  plan: FaultPlan;
  /** Buffers created through this device and not destroyed. */
  liveBuffers(): number;
  /** How many faults were injected so far. */
  injected(): number;
  /** Command encoders created through this device so far. */
  encoders(): number;
}

interface Scope {
  filter: GPUErrorFilter;
  injected?: string;
}

export function faultyContext(base: GpuContext): FaultyContext {
  const real = base.device;
  const scopes: Scope[] = [];
  const live = new Set<GPUBuffer>();
  let injected = 0;
  let submits = 0;
  let encoders = 0;
  const state: FaultyContext = {
    ctx: undefined as unknown as GpuContext,
    plan: {},
    liveBuffers: () => live.size,
    injected: () => injected,
    encoders: () => encoders,
  };

  const injectOutOfMemory = (what: string): void => {
    injected++;
    const scope = [...scopes].reverse().find((s) => s.filter === 'out-of-memory');
    if (scope) scope.injected ??= `injected: not enough memory for ${what}`;
  };

  const track = (buffer: GPUBuffer): GPUBuffer => {
    live.add(buffer);
    const destroy = buffer.destroy.bind(buffer);
    buffer.destroy = () => {
      live.delete(buffer);
      destroy();
    };
    return buffer;
  };

  const queue = new Proxy(real.queue, {
    get(target, key) {
      if (key === 'submit') {
        return (buffers: GPUCommandBuffer[]) => {
          const fault = state.plan.submit?.(submits++);
          if (fault === 'out-of-memory') injectOutOfMemory('a submit');
          if (fault === 'validation') {
            injected++;
            // a real invalid submit: a command buffer that was already submitted
            const enc = real.createCommandEncoder({ label: 'injected fault' });
            const cb = enc.finish();
            target.submit([cb]);
            target.submit([cb]);
          }
          target.submit(buffers);
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });

  const device = new Proxy(real, {
    get(target, key) {
      switch (key) {
        case 'queue':
          return queue;
        case 'pushErrorScope':
          return (filter: GPUErrorFilter) => {
            scopes.push({ filter });
            target.pushErrorScope(filter);
          };
        case 'popErrorScope':
          return () => {
            const scope = scopes.pop();
            return target.popErrorScope().then((error) => error ?? (scope?.injected ? ({ message: scope.injected } as GPUError) : null));
          };
        case 'createBuffer':
          return (descriptor: GPUBufferDescriptor) => {
            const fault = state.plan.buffer?.(descriptor);
            if (fault === 'out-of-memory') injectOutOfMemory(`buffer "${descriptor.label}" (${descriptor.size} bytes)`);
            if (fault === 'validation') {
              injected++;
              // a real invalid buffer: MAP_READ may only be combined with COPY_DST
              return track(target.createBuffer({ ...descriptor, usage: descriptor.usage | GPUBufferUsage.MAP_READ | GPUBufferUsage.MAP_WRITE }));
            }
            return track(target.createBuffer(descriptor));
          };
        case 'createCommandEncoder':
          return (descriptor?: GPUCommandEncoderDescriptor) => {
            encoders++;
            const fault = state.plan.encoder?.(descriptor);
            if (fault === 'out-of-memory') injectOutOfMemory(`encoder "${descriptor?.label}"`);
            const encoder = target.createCommandEncoder(descriptor);
            if (fault === 'validation') {
              injected++;
              encoder.pushDebugGroup('injected fault');
            }
            return encoder;
          };
        case 'createComputePipelineAsync':
          return (descriptor: GPUComputePipelineDescriptor) => {
            if (state.plan.pipeline?.(descriptor)) {
              injected++;
              return Promise.reject(new Error(`injected: pipeline "${descriptor.label}" failed to compile`));
            }
            return target.createComputePipelineAsync(descriptor);
          };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  state.ctx = { ...base, device };
  return state;
}
