/** The collapsible "Adapter, limits and features" panel under the status line. */
import type { GpuContext } from './lib.js';
import { byId, el } from './dom.js';

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

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(n % 2 ** 30 === 0 ? 0 : 2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(n % 2 ** 20 === 0 ? 0 : 1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(n % 2 ** 10 === 0 ? 0 : 1)} KiB`;
  return `${n} B`;
}

function fillList(list: HTMLElement, rows: [string, string][]): void {
  list.replaceChildren(...rows.flatMap(([key, value]) => [el('dt', undefined, key), el('dd', undefined, value)]));
}

export function showAdapter(ctx: GpuContext): void {
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
    ...(features.length > 0 ? features : ['(none beyond the core)']).map((name) => el('li', USED_FEATURES.has(name) ? 'used' : undefined, name)),
  );
  byId('adapter-view').classList.remove('hidden');
  document.body.dataset.webgpu = 'ready';
  document.body.dataset.vendor = vendor;
  document.body.dataset.architecture = architecture;
}
