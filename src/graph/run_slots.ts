/**
 * Pre-encoded runs of one run shape (one output set, with or without the
 * finite check): a few slots, each a fixed readback buffer and, when ready,
 * a command buffer encoded in advance that replays the model and copies its
 * outputs into that readback. A steady stream of runs then spends only
 * writeBuffer + submit on the CPU before the GPU starts; the next command
 * buffer is encoded after the submit, while the GPU works.
 *
 * A command buffer is submitted at most once and names its readback, so a
 * slot is busy from its submit until its run gives it back unmapped. Runs
 * that find every slot busy (more in flight than slots) encode their own.
 *
 * Errors of encoding (a validation error is raised at finish()) land in the
 * scopes open while encoding, not in those around the later submit: a slot
 * encoded ahead keeps them, and the run that submits it reports them.
 */
import type { GpuFailureError } from '../errors.js';
import { withErrorScopes } from '../gpu/error_capture.js';

/** Two serve a stream of awaited runs (one in flight, one ready); the third a stream with two in flight. */
export const SLOTS_PER_SHAPE = 3;

export interface RunSlot {
  readonly readback: GPUBuffer;
  /** Encoded ahead and not yet submitted. */
  commands: GPUCommandBuffer | undefined;
  /** What encoding `commands` raised on the GPU (undefined: encoded inside the run's own scopes). */
  encodeError: Promise<GpuFailureError | undefined> | undefined;
  busy: boolean;
}

export class RunSlots {
  private readonly slots: RunSlot[] = [];
  private released = false;

  /**
   * @param bytes readback size of this run shape
   * @param record encodes one run of this shape into `encoder`, copying its results into `readback`
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly bytes: number,
    private readonly record: (encoder: GPUCommandEncoder, readback: GPUBuffer) => void,
  ) {}

  /**
   * A slot for a run, marked busy: a ready one (commands encoded ahead), else
   * a free one (commands undefined: the caller encodes with `encode`, inside
   * its scopes), else a new one while there are fewer than SLOTS_PER_SHAPE;
   * undefined when all are busy or the build was released.
   */
  take(): RunSlot | undefined {
    if (this.released) return undefined;
    const slot = this.slots.find((s) => !s.busy && s.commands) ?? this.slots.find((s) => !s.busy) ?? this.add();
    if (slot) slot.busy = true;
    return slot;
  }

  /** Encodes the slot's run now (in whatever error scopes the caller has open). */
  encode(slot: RunSlot): GPUCommandBuffer {
    const encoder = this.device.createCommandEncoder({ label: 'run' });
    this.record(encoder, slot.readback);
    return encoder.finish();
  }

  /** Forgets the slot's commands as they are submitted: a command buffer goes to the queue once. */
  submitted(slot: RunSlot): void {
    slot.commands = undefined;
    slot.encodeError = undefined;
  }

  /**
   * Encodes the next run into a free slot unless one is ready already; its
   * errors wait on the slot. Called after a submit, off the run's critical path.
   */
  encodeAhead(): void {
    if (this.released || this.slots.some((s) => !s.busy && s.commands)) return;
    const free = this.slots.find((s) => !s.busy);
    if (!free && this.slots.length >= SLOTS_PER_SHAPE) return;
    try {
      // a new slot's readback is made inside the scopes too: a refused allocation is this encoding's error
      const { value, error } = withErrorScopes(this.device, { operation: 'run' }, () => {
        const slot = free ?? this.add()!;
        return { slot, commands: this.encode(slot) };
      });
      value.slot.commands = value.commands;
      value.slot.encodeError = error;
    } catch {
      // a JS exception while encoding: the next run encodes in its own scopes and reports it there
    }
  }

  /** After its run: free again when unmapped; otherwise (a map still pending, a released build) destroyed. */
  giveBack(slot: RunSlot): void {
    if (slot.readback.mapState === 'mapped') slot.readback.unmap();
    slot.busy = false;
    if (slot.readback.mapState === 'unmapped' && !this.released) return;
    this.drop(slot);
  }

  /** Drops every command buffer (never to be submitted) and the readbacks of idle slots; busy ones go at giveBack. */
  release(): void {
    this.released = true;
    for (const slot of [...this.slots]) {
      slot.commands = undefined;
      slot.encodeError = undefined;
      if (!slot.busy) this.drop(slot);
    }
  }

  private add(): RunSlot | undefined {
    if (this.slots.length >= SLOTS_PER_SHAPE) return undefined;
    const readback = this.device.createBuffer({ label: 'readback (run slot)', size: Math.max(16, this.bytes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const slot: RunSlot = { readback, commands: undefined, encodeError: undefined, busy: false };
    this.slots.push(slot);
    return slot;
  }

  private drop(slot: RunSlot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    slot.commands = undefined;
    slot.readback.destroy();
  }
}
