/** The "On your GPU" panel: frames per second, GPU ms per frame, the per-layer chart. */
import type { Profile } from './lib.js';
import { RateMeter, renderLayerChart } from './charts.js';
import { byId } from './dom.js';

export class PerfPanel {
  private readonly meter = new RateMeter();

  /**
   * A frame finished: `profile` from run({ profile: true }), `preprocessMs`
   * the image kernel's time. `still`: one picture, not a stream — there is
   * no frame rate to show, and the next stream's rate starts over.
   */
  frame(profile: Profile | undefined, wallMs: number, preprocessMs?: number, still = false): void {
    if (still) this.meter.reset();
    const fps = still ? 0 : this.meter.tick();
    byId('fps').textContent = still ? 'still image' : fps ? fps.toFixed(fps < 10 ? 1 : 0) : '–';
    byId('fps-unit').classList.toggle('hidden', still);
    const gpuMs = profile?.available ? profile.totalMilliseconds + (preprocessMs ?? 0) : undefined;
    byId('gpu-ms').textContent = gpuMs !== undefined ? gpuMs.toFixed(gpuMs < 10 ? 2 : 1) : `${wallMs.toFixed(0)} (wall)`;
    document.body.dataset.fps = still ? '' : fps.toFixed(2);
    document.body.dataset.gpuMs = gpuMs !== undefined ? gpuMs.toFixed(3) : '';
    document.body.dataset.wallMs = wallMs.toFixed(1);
    renderLayerChart(byId('layer-chart'), byId('profile-note'), profile, preprocessMs);
  }

  /** A new source or model: the rate starts over. */
  reset(): void {
    this.meter.reset();
  }
}
