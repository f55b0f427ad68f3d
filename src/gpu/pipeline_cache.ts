/**
 * Compute pipelines keyed by shader name + sorted override constants, one
 * cache per device, shared by every model compiled on it. Bind-group layouts
 * are built from reflection, never from 'auto', so an unused binding keeps
 * its slot and layouts are stable across variants.
 */
import { ShaderError } from '../errors.js';
import type { ReflectedShader } from './shader.js';

interface DeviceCache {
  modules: Map<string, GPUShaderModule>;
  layouts: Map<string, { groups: GPUBindGroupLayout[]; pipeline: GPUPipelineLayout }>;
  pipelines: Map<string, Promise<GPUComputePipeline>>;
}

const caches = new WeakMap<GPUDevice, DeviceCache>();

function cacheOf(device: GPUDevice): DeviceCache {
  let cache = caches.get(device);
  if (!cache) {
    cache = { modules: new Map(), layouts: new Map(), pipelines: new Map() };
    caches.set(device, cache);
  }
  return cache;
}

/** The cache key: derived, never written by hand. */
export function pipelineKey(shader: ReflectedShader, constants: Readonly<Record<string, number>>): string {
  const parts = Object.keys(constants)
    .sort()
    .map((k) => `${k}=${constants[k]}`);
  return [shader.name, ...parts].join('|');
}

/** Bind-group layouts (one per group index) derived from the shader's declarations. */
export function bindGroupLayouts(device: GPUDevice, shader: ReflectedShader): { groups: GPUBindGroupLayout[]; pipeline: GPUPipelineLayout } {
  const cache = cacheOf(device);
  const hit = cache.layouts.get(shader.name);
  if (hit) return hit;
  const byGroup: GPUBindGroupLayoutEntry[][] = [];
  for (const b of shader.bindings.values()) {
    (byGroup[b.group] ??= []).push({
      binding: b.binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: b.kind },
    });
  }
  const groups = Array.from(byGroup, (entries, i) =>
    device.createBindGroupLayout({ label: `${shader.name} group ${i}`, entries: entries ?? [] }),
  );
  const layout = { groups, pipeline: device.createPipelineLayout({ label: shader.name, bindGroupLayouts: groups }) };
  cache.layouts.set(shader.name, layout);
  return layout;
}

/** Number of pipelines this device has created or is creating (for tests and reports). */
export function pipelineCacheSize(device: GPUDevice): number {
  return caches.get(device)?.pipelines.size ?? 0;
}

/** A compiled pipeline for these constants; concurrent requests share one creation. */
export function getPipeline(
  device: GPUDevice,
  shader: ReflectedShader,
  constants: Readonly<Record<string, number>>,
): Promise<GPUComputePipeline> {
  for (const name of Object.keys(constants)) {
    if (!shader.overrides.has(name)) throw new ShaderError(`shader ${shader.name} has no override constant ${name}`);
  }
  const cache = cacheOf(device);
  const key = pipelineKey(shader, constants);
  const hit = cache.pipelines.get(key);
  if (hit) return hit;
  let module = cache.modules.get(shader.name);
  if (!module) {
    module = device.createShaderModule({ label: shader.name, code: shader.code });
    cache.modules.set(shader.name, module);
  }
  const created = device
    .createComputePipelineAsync({
      label: key,
      layout: bindGroupLayouts(device, shader).pipeline,
      compute: { module, entryPoint: shader.entryPoint, constants: { ...constants } },
    })
    .catch((cause: unknown) => {
      cache.pipelines.delete(key);
      throw new ShaderError(`pipeline ${key} failed to compile: ${String((cause as Error)?.message ?? cause)}`, { cause });
    });
  cache.pipelines.set(key, created);
  return created;
}
