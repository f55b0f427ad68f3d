/**
 * Placeholder demo: asks for a GPU through the library's browser entry and
 * shows what it got, or how to get WebGPU. `body[data-webgpu]` ends as
 * `ready` or `unavailable` (the e2e test waits for it).
 */
import './style.css';
import { createGpuContext, WebGpuUnavailableError, type GpuContext } from '../src/index.js';

/** Limits that decide which kernels and tile sizes fit. */
const SHOWN_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

const BYTE_LIMITS = new Set<string>(['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize']);
const USED_FEATURES = new Set<string>(['shader-f16', 'timestamp-query']);

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`demo page lacks #${id}`);
  return element as T;
}

function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(n % 2 ** 30 === 0 ? 0 : 2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(n % 2 ** 20 === 0 ? 0 : 1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(n % 2 ** 10 === 0 ? 0 : 1)} KiB`;
  return `${n} B`;
}

function fillList(list: HTMLElement, rows: [string, string][]): void {
  list.replaceChildren(
    ...rows.flatMap(([key, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = key;
      const dd = document.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    }),
  );
}

function setStatus(state: 'ready' | 'unavailable', title: string, detail: string): void {
  byId('status').classList.add(state);
  byId('status-title').textContent = title;
  byId('status-detail').textContent = detail;
  document.body.dataset.webgpu = state;
}

function showAdapter(ctx: GpuContext): void {
  const { vendor, architecture, description } = ctx.adapter;
  fillList(byId('adapter-info'), [
    ['vendor', vendor],
    ['architecture', architecture],
    ['description', description || '—'],
    ['shader-f16', ctx.features.shaderF16 ? 'yes' : 'no'],
    ['timestamp-query', ctx.features.timestampQuery ? 'yes' : 'no'],
  ]);
  fillList(
    byId('adapter-limits'),
    SHOWN_LIMITS.map((name) => {
      const value = ctx.limits[name];
      return [name, BYTE_LIMITS.has(name) ? formatBytes(value) : value.toLocaleString('en-US')];
    }),
  );
  const features = [...ctx.device.features].sort();
  byId('adapter-features').replaceChildren(
    ...(features.length > 0 ? features : ['(none beyond the core)']).map((name) => {
      const li = document.createElement('li');
      li.textContent = name;
      if (USED_FEATURES.has(name)) li.className = 'used';
      return li;
    }),
  );
  byId('adapter-view').classList.remove('hidden');
  setStatus('ready', `WebGPU ready: ${vendor} ${architecture}`.trim(), description || 'A device with the adapter’s own limits was created.');
  document.body.dataset.vendor = vendor;
  document.body.dataset.architecture = architecture;
}

const UNAVAILABLE: Record<string, [title: string, detail: string]> = {
  'no-webgpu': [
    'This browser has no WebGPU',
    'navigator.gpu is missing: the browser lacks WebGPU, it is switched off, or the page is not in a secure context (https or localhost).',
  ],
  'no-adapter': [
    'WebGPU is here, but no GPU adapter was offered',
    'navigator.gpu exists but requestAdapter() returned nothing: the GPU may be blocklisted, or WebGPU is still behind a flag on this platform.',
  ],
};

function showUnavailable(error: unknown): void {
  const reason = error instanceof WebGpuUnavailableError ? error.reason : 'error';
  const message = error instanceof Error ? error.message : String(error);
  const [title, detail] = UNAVAILABLE[reason] ?? ['WebGPU could not start', message];
  setStatus('unavailable', title, detail);
  document.body.dataset.reason = reason;
  byId('no-webgpu-message').textContent = message;
  byId('no-webgpu-view').classList.remove('hidden');
}

try {
  const ctx = await createGpuContext({ label: 'webgpu-cnn demo' });
  showAdapter(ctx);
  ctx.device.lost.then((info) => {
    if (info.reason !== 'destroyed') showUnavailable(new Error(`the GPU device was lost: ${info.message}`));
  });
} catch (error) {
  showUnavailable(error);
}
