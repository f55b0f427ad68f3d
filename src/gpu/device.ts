import { WebGpuUnavailableError } from '../errors.js';

/** The limits we raise from WebGPU's defaults to what the adapter really offers. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

/** Optional features we use when the adapter has them. */
const OPTIONAL_FEATURES: GPUFeatureName[] = ['shader-f16', 'timestamp-query', 'subgroups'];

export interface GpuAdapterDescription {
  vendor: string;
  architecture: string;
  description: string;
}

/**
 * Whether the adapter is a real GPU or runs shaders on the CPU (SwiftShader —
 * Chrome's and Dawn's fallback —, llvmpipe/lavapipe, WARP). The two reward
 * opposite kernels: a GPU hides memory latency with workgroup-memory tiles,
 * while a CPU emulator pays for every workgroup barrier by switching between
 * per-invocation coroutines, so barrier-free kernels win there (see
 * chooseConvStrategy).
 */
export type DeviceClass = 'gpu' | 'cpu';

const CPU_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

/** The one place that decides an adapter's DeviceClass, from what GPUAdapterInfo says. */
export function deviceClassOf(info: Partial<GpuAdapterDescription> & { isFallbackAdapter?: boolean }): DeviceClass {
  if (info.isFallbackAdapter) return 'cpu';
  return CPU_ADAPTER.test(`${info.vendor ?? ''} ${info.architecture ?? ''} ${info.description ?? ''}`) ? 'cpu' : 'gpu';
}

/** A device plus what we learned about it; every kernel and executor takes one. */
export interface GpuContext {
  readonly device: GPUDevice;
  readonly adapter: GpuAdapterDescription;
  /** GPU or CPU emulation: picks the conv heuristic that `auto` uses. */
  readonly deviceClass: DeviceClass;
  /** Optional features that were granted. */
  readonly features: GpuFeatures;
  readonly limits: GPUSupportedLimits;
}

/** The optional features a device was granted, as kernels ask about them. */
export interface GpuFeatures {
  readonly shaderF16: boolean;
  readonly timestampQuery: boolean;
  /**
   * Subgroup operations (subgroupAdd …) in WGSL: the GEMV then reduces with
   * them (kernels/gemv.ts). The size of a subgroup is the adapter's business
   * (4 on SwiftShader, 32 on NVIDIA): no kernel assumes one.
   */
  readonly subgroups: boolean;
}

export interface CreateGpuContextOptions {
  /** The WebGPU entry point; defaults to `navigator.gpu`. Node passes Dawn's. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /**
   * `'adapter'` (default) asks for the adapter's real limits, e.g. a 1 GiB+
   * storage binding; `'default'` keeps WebGPU's defaults (128 MiB binding),
   * which tests use to exercise the split paths.
   */
  limits?: 'adapter' | 'default';
  /** Adds `timestamp-query` / `shader-f16` / `subgroups` only when true (default true). */
  optionalFeatures?: boolean;
  /**
   * Requests `subgroups` where the adapter has it (default true); false
   * leaves it off, so the kernels run their workgroup-memory fallbacks (for
   * tests, and to compare the two).
   */
  subgroups?: boolean;
  label?: string;
}

/**
 * Requests an adapter and a device with the adapter's real limits and the
 * optional features it has.
 *
 * @example
 * const ctx = await createGpuContext();           // browser: navigator.gpu
 * console.log(ctx.adapter.vendor, ctx.limits.maxStorageBufferBindingSize);
 */
export async function createGpuContext(options: CreateGpuContextOptions = {}): Promise<GpuContext> {
  const gpu = options.gpu ?? (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) throw new WebGpuUnavailableError('no-webgpu', unavailableMessage('no-webgpu', currentRuntime()));
  const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : undefined);
  if (!adapter) throw new WebGpuUnavailableError('no-adapter', unavailableMessage('no-adapter', currentRuntime()));
  const requiredFeatures =
    options.optionalFeatures === false
      ? []
      : OPTIONAL_FEATURES.filter((f) => adapter.features.has(f) && (f !== 'subgroups' || options.subgroups !== false));
  const requiredLimits: Record<string, number> = {};
  if (options.limits !== 'default') {
    for (const name of RAISED_LIMITS) {
      const value = adapter.limits[name];
      if (typeof value === 'number') requiredLimits[name] = value;
    }
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: options.label ?? 'webgpu-cnn' });
  } catch (cause) {
    throw new WebGpuUnavailableError('device-request-failed', `the adapter refused a device: ${String(cause)}`, { cause });
  }
  return {
    device,
    adapter: describeAdapter(adapter.info),
    deviceClass: deviceClassOf(adapterInfoOf(adapter.info)),
    features: featuresOf(device),
    limits: device.limits,
  };
}

/**
 * Wraps a device the caller already has (e.g. shared with a renderer).
 *
 * @example
 * const ctx = adoptDevice(myDevice);
 */
export function adoptDevice(device: GPUDevice, adapterInfo?: GPUAdapterInfo): GpuContext {
  const info = adapterInfo ?? (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return {
    device,
    adapter: describeAdapter(info),
    deviceClass: deviceClassOf(adapterInfoOf(info)),
    features: featuresOf(device),
    limits: device.limits,
  };
}

function featuresOf(device: GPUDevice): GpuFeatures {
  return {
    shaderF16: device.features.has('shader-f16'),
    timestampQuery: device.features.has('timestamp-query'),
    subgroups: device.features.has('subgroups'),
  };
}

/** Where we run, as far as the advice for a missing WebGPU goes. */
export interface RuntimeFacts {
  /** Node (or a runtime that presents itself as Node). */
  node: boolean;
  /** window.isSecureContext where a page has one. */
  secureContext?: boolean;
}

function currentRuntime(): RuntimeFacts {
  const g = globalThis as { process?: { versions?: { node?: string } }; isSecureContext?: boolean };
  return { node: typeof g.process?.versions?.node === 'string', secureContext: g.isSecureContext };
}

/**
 * What to tell a user without WebGPU or an adapter, by environment: pages get
 * browser advice; Node is pointed at webgpu-cnn/node, whose own messages
 * (node_gpu.ts) cover Dawn and SwiftShader.
 */
export function unavailableMessage(reason: 'no-webgpu' | 'no-adapter', runtime: RuntimeFacts): string {
  if (runtime.node) {
    return reason === 'no-webgpu'
      ? 'WebGPU is not available in Node from this entry point: use createNodeGpuContext() from "webgpu-cnn/node", which loads Dawn (the optional "webgpu" package)'
      : 'the WebGPU implementation offered no adapter: in Node, createNodeGpuContext() from "webgpu-cnn/node" finds a GPU or falls back to SwiftShader, and says what to install when it cannot';
  }
  if (reason === 'no-webgpu') {
    if (runtime.secureContext === false) return 'WebGPU needs a secure context: serve this page over https, or from localhost while developing';
    return 'this browser has no WebGPU: use Chrome or Edge 113+, Safari 26+, or Firefox 141+ on Windows; elsewhere it may need enabling (chrome://flags/#enable-unsafe-webgpu, Firefox\'s dom.webgpu.enabled)';
  }
  return 'the browser has WebGPU but offered no GPU adapter: the GPU or its driver may be blocklisted, or hardware acceleration is off; check chrome://gpu (or about:support), turn hardware acceleration on, update the GPU driver; on Linux, Chrome also needs chrome://flags/#enable-unsafe-webgpu';
}

/** GPUAdapterInfo's fields as plain data (isFallbackAdapter is newer than some typings). */
function adapterInfoOf(info: GPUAdapterInfo | undefined): Partial<GpuAdapterDescription> & { isFallbackAdapter?: boolean } {
  if (!info) return {};
  return { vendor: info.vendor, architecture: info.architecture, description: info.description, isFallbackAdapter: (info as { isFallbackAdapter?: boolean }).isFallbackAdapter };
}

function describeAdapter(info: GPUAdapterInfo | undefined): GpuAdapterDescription {
  return {
    vendor: info?.vendor || 'unknown',
    architecture: info?.architecture || 'unknown',
    description: info?.description || '',
  };
}
