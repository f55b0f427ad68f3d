/** The "On your GPU" panel: frames per second, GPU ms per frame, the per-layer chart. */
import type { Profile } from '../src/index.js';
import { RateMeter, renderLayerChart } from './charts.js';
import { byId } from './dom.js';

export class PerfPanel {
  private readonly meter = new RateMeter();

  /** A frame finished: `profile` from run({ profile: true }), `preprocessMs` the image kernel's time. */
  frame(profile: Profile | undefined, wallMs: number, preprocessMs?: number): void {
    const fps = this.meter.tick();
    byId('fps').textContent = fps ? fps.toFixed(fps < 10 ? 1 : 0) : '–';
    const gpuMs = profile?.available ? profile.totalMilliseconds + (preprocessMs ?? 0) : undefined;
    byId('gpu-ms').textContent = gpuMs !== undefined ? gpuMs.toFixed(gpuMs < 10 ? 2 : 1) : `${wallMs.toFixed(0)} (wall)`;
    document.body.dataset.fps = fps.toFixed(2);
    document.body.dataset.gpuMs = gpuMs !== undefined ? gpuMs.toFixed(3) : '';
    document.body.dataset.wallMs = wallMs.toFixed(1);
    renderLayerChart(byId('layer-chart'), byId('profile-note'), profile, preprocessMs);
  }

  /** A new source or model: the rate starts over. */
  reset(): void {
    this.meter.reset();
  }
}
