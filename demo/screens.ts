/**
 * The page's state and its failure screens. `body[data-state]` is the
 * machine-readable summary the e2e tests wait on: starting → ready, or
 * no-webgpu / device-lost. `body[data-webgpu]` (ready | unavailable) is the
 * older contract of the smoke test.
 */
import { WebGpuUnavailableError, type GpuContext } from './lib.js';
import { byId } from './dom.js';

export type PageState = 'starting' | 'ready' | 'no-webgpu' | 'device-lost' | 'model-error';

export function setState(state: PageState): void {
  document.body.dataset.state = state;
}

export function setStatus(kind: 'ready' | 'unavailable' | 'busy' | 'error', title: string, detail: string): void {
  const status = byId('status');
  status.classList.remove('ready', 'unavailable', 'busy', 'error');
  status.classList.add(kind);
  byId('status-title').textContent = title;
  byId('status-detail').textContent = detail;
  if (kind === 'ready' || kind === 'unavailable') document.body.dataset.webgpu = kind;
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

/** The no-WebGPU screen: which browsers and flags, and what the library said. */
export function showNoWebGpu(error: unknown): void {
  const reason = error instanceof WebGpuUnavailableError ? error.reason : 'error';
  const message = error instanceof Error ? error.message : String(error);
  const [title, detail] = UNAVAILABLE[reason] ?? ['WebGPU could not start', message];
  setStatus('unavailable', title, detail);
  document.body.dataset.reason = reason;
  byId('no-webgpu-message').textContent = message;
  byId('no-webgpu-view').classList.remove('hidden');
  byId('app').classList.add('hidden');
  setState('no-webgpu');
}

/** Watches the device; on loss, everything GPU stops and a reload is offered. */
export function watchDeviceLoss(ctx: GpuContext, onLost: () => void): void {
  void ctx.device.lost.then((info) => {
    onLost();
    setStatus('unavailable', 'The GPU device was lost', info.message || `reason: ${info.reason}`);
    byId('device-lost-message').textContent = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
    byId('device-lost-view').classList.remove('hidden');
    byId('app').classList.add('hidden');
    setState('device-lost');
  });
  byId('reload-button').addEventListener('click', () => location.reload());
}
