/**
 * Turns the GPU's asynchronous error reports into typed errors tied to what
 * we were doing. WebGPU reports most failures (an allocation the driver
 * refused, a command that breaks a rule) not by throwing but through error
 * scopes or the device's `uncapturederror` event; without a scope a failed
 * arena allocation leaves a dead buffer and the model "runs" on zeros.
 *
 * A scope costs a push and a pop (~9 µs per pair on Dawn here) and its pop
 * resolves on the device timeline, so awaiting it beside a run's readback
 * adds no queue round trip.
 */
import { GpuFailureError, GpuInternalError, GpuOutOfMemoryError, GpuValidationError, type GpuFailureSite } from '../errors.js';

const FILTERS = ['internal', 'out-of-memory', 'validation'] as const satisfies readonly GPUErrorFilter[];

/**
 * Runs `work` (synchronous GPU calls) inside one scope per error filter and
 * returns its value plus a promise of the first error those calls raised,
 * typed and labelled with `site`. A JS exception from `work` (e.g. the
 * RangeError of a mappedAtCreation buffer too large to map, the DOMException
 * of an invalid object) is converted too.
 */
export function withErrorScopes<T>(device: GPUDevice, site: GpuFailureSite, work: () => T): { value: T; error: Promise<GpuFailureError | undefined> } {
  for (const filter of FILTERS) device.pushErrorScope(filter);
  let value: T;
  try {
    value = work();
  } catch (cause) {
    // scopes must be popped even when the call threw, or later errors land in them
    for (let i = 0; i < FILTERS.length; i++) void device.popErrorScope().catch(() => undefined);
    if (cause instanceof GpuFailureError) throw cause;
    if (cause instanceof RangeError) throw new GpuOutOfMemoryError(site, cause.message, { cause });
    // WebGPU throws DOMExceptions (OperationError, AbortError…) for calls on an invalid object
    if (typeof DOMException !== 'undefined' && cause instanceof DOMException) throw new GpuValidationError(site, `${cause.name}: ${cause.message}`, { cause });
    throw cause;
  }
  // popped in reverse: validation, out-of-memory, internal
  const popped = [...FILTERS].reverse().map((filter) => device.popErrorScope().then((e) => (e ? typedError(filter, site, e) : undefined), () => undefined));
  return { value, error: Promise.all(popped).then((errors) => errors.find((e) => e !== undefined)) };
}

/**
 * Runs asynchronous `work` inside one scope per error filter and rejects
 * with the first typed error its GPU calls raised (or what it threw). The
 * scopes stay open across its awaits, so every GPU call made meanwhile on
 * this device lands in them: use it only where nothing else works on the
 * device at the same time (autotune measures one candidate at a time).
 */
export async function withErrorScopesAsync<T>(device: GPUDevice, site: GpuFailureSite, work: () => Promise<T>): Promise<T> {
  for (const filter of FILTERS) device.pushErrorScope(filter);
  let outcome: { value: T } | { thrown: unknown };
  try {
    outcome = { value: await work() };
  } catch (thrown) {
    outcome = { thrown };
  }
  const popped = await Promise.all([...FILTERS].reverse().map((filter) => device.popErrorScope().then((e) => (e ? typedError(filter, site, e) : undefined), () => undefined)));
  if ('thrown' in outcome) throw outcome.thrown;
  const error = popped.find((e) => e !== undefined);
  if (error) throw error;
  return outcome.value;
}

function typedError(filter: GPUErrorFilter, site: GpuFailureSite, error: GPUError): GpuFailureError {
  // the filter that caught it says its kind: no reliance on the implementation's class names
  if (filter === 'out-of-memory') return new GpuOutOfMemoryError(site, error.message);
  if (filter === 'validation') return new GpuValidationError(site, error.message);
  return new GpuInternalError(site, error.message);
}

/**
 * Collects the scoped checks of many GPU calls (a compile makes hundreds of
 * buffers and bind groups) and settles them at once.
 */
export class GpuErrorCollector {
  private readonly checks: Promise<GpuFailureError | undefined>[] = [];

  constructor(private readonly device: GPUDevice) {}

  /** Runs `work` under error scopes; its errors surface in `throwFirst`. */
  track<T>(site: GpuFailureSite, work: () => T): T {
    const { value, error } = withErrorScopes(this.device, site, work);
    this.checks.push(error);
    return value;
  }

  /** Waits for every tracked call's scopes; throws the first error, in the order the calls were made. */
  async throwFirst(): Promise<void> {
    const errors = await Promise.all(this.checks.splice(0));
    const first = errors.find((e) => e !== undefined);
    if (first) throw first;
  }
}
