/**
 * Whether a compiled model may run — disposed, its device lost, a rebuild
 * failed — and the runs in flight, rejected at once when the device is lost
 * (a lost device never settles their mapAsync). It outlives the GPU objects
 * of any one build: a rebuild moves the watch to the new device.
 */
import { DeviceLostError, DisposedError } from '../errors.js';
import { onDeviceLost } from '../gpu/device_loss.js';

export class Lifecycle {
  disposed = false;
  /** Set when the watched device is lost or a rebuild failed; cleared by watching a new device. */
  lost: DeviceLostError | undefined;
  private device: GPUDevice | undefined;
  private unwatch: (() => void) | undefined;
  private readonly pending = new Set<(e: Error) => void>();

  /** Listens for the loss of `device` only (one subscription per model, dropped on dispose). */
  watch(device: GPUDevice): void {
    this.unwatch?.();
    this.device = device;
    this.lost = undefined;
    this.unwatch = onDeviceLost(device, (info) => {
      // the device's listeners are called from a copy: one unsubscribed meanwhile may still hear it
      if (this.device !== device || this.disposed) return;
      this.lost = new DeviceLostError(info.reason, `the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''}); call rebuild() with a new device`);
      for (const reject of this.pending) reject(this.lost);
      this.pending.clear();
    });
  }

  /** After a failed rebuild: usable again only through another rebuild. */
  failRebuild(cause: Error): void {
    this.lost = new DeviceLostError('rebuild-failed', `rebuild failed (${cause.message}); call rebuild() again`);
  }

  dispose(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    this.disposed = true;
  }

  assertUsable(): void {
    if (this.disposed) throw new DisposedError('this model was disposed: compile it again to use it');
    if (this.lost) throw this.lost;
  }

  /** `work`, or the DeviceLostError as soon as the device is lost. */
  async whilePending<T>(work: () => Promise<T>): Promise<T> {
    let reject!: (e: Error) => void;
    const lost = new Promise<never>((_, r) => (reject = r));
    this.pending.add(reject);
    try {
      return await Promise.race([work(), lost]);
    } finally {
      this.pending.delete(reject);
    }
  }
}
