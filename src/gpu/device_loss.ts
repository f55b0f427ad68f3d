/**
 * One `device.lost` subscription per device, shared by every model on it.
 * A `device.lost.then(...)` per compile would keep each compiled model (its
 * graph and CPU weight copies) reachable until the device dies: a leak of a
 * whole model per compile/dispose cycle.
 */
type LossListener = (info: GPUDeviceLostInfo) => void;

const listeners = new WeakMap<GPUDevice, Set<LossListener>>();

/** Calls `listener` once if `device` is lost; the returned function unsubscribes. */
export function onDeviceLost(device: GPUDevice, listener: LossListener): () => void {
  let set = listeners.get(device);
  if (!set) {
    const created = new Set<LossListener>();
    set = created;
    listeners.set(device, created);
    void device.lost.then((info) => {
      for (const l of [...created]) l(info);
      created.clear();
    });
  }
  set.add(listener);
  const subscribed = set;
  return () => void subscribed.delete(listener);
}

/** How many listeners wait on this device's loss (for leak tests). */
export function deviceLossListenerCount(device: GPUDevice): number {
  return listeners.get(device)?.size ?? 0;
}
