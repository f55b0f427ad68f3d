/**
 * A placed step and the buffers the executor made for its placement → the
 * dispatches that run it. Buffers are only named here, never made (but for
 * the device's shared placeholder binding), so compile can make every buffer
 * first, under error scopes, in the order the placement lists them.
 */
import { placeholderBuffer } from '../gpu/buffers.js';
import type { BufferBinding, DispatchSpec } from '../kernels/dispatch.js';
import { permute4d } from '../kernels/layout_transform.js';
import type { ExecGraph } from './exec_graph.js';
import { concatCopy, type NodeKernel } from './node_kernels.js';
import { homeOf, rootOf, writeSliceOf, type Placement } from './placement.js';
import type { Location } from './storage_plan.js';

/** The buffers made for one placement, by what they hold. */
export interface PlacedBuffers {
  readonly arenas: readonly GPUBuffer[];
  /** By graph input name. */
  readonly staging: ReadonlyMap<string, GPUBuffer>;
  /** By node index: role → uploaded weight, in the kernel's layout. */
  readonly weights: ReadonlyMap<number, Readonly<Record<string, GPUBuffer>>>;
  /** By graph output name: the NCHW copy its output-to-nchw step writes. */
  readonly outputTargets: ReadonlyMap<string, GPUBuffer>;
}

/** Where `tensor` is bound: its input's staging buffer, or its range of an arena. */
export function tensorBinding(placement: Placement, buffers: PlacedBuffers, tensor: number): BufferBinding {
  const home = homeOf(placement, tensor);
  return 'staging' in home ? buffers.staging.get(home.staging)! : arenaRange(buffers, home);
}

/** The dispatches of step `index` of the placement. */
export function stepDispatches(device: GPUDevice, exec: ExecGraph, kernels: readonly NodeKernel[], placement: Placement, buffers: PlacedBuffers, index: number): DispatchSpec[] {
  const step = placement.steps[index]!;
  const read = (t: number) => tensorBinding(placement, buffers, t);
  switch (step.kind) {
    case 'input-to-nhwc':
      return [permute4d(step.conversion.dims, step.conversion.perm, buffers.staging.get(step.input)!, read(step.tensor), `input ${step.input}`)];
    case 'output-to-nchw':
      return [permute4d(step.conversion.dims, step.conversion.perm, read(step.tensor), buffers.outputTargets.get(step.output)!, `output ${step.output}`)];
    case 'layout':
      return [permute4d(step.conversion.dims, step.conversion.perm, read(step.from), read(step.to), step.label)];
    case 'concat-copy': {
      const node = exec.nodes[step.node]!;
      return [concatCopy(exec, step.tensor, read(step.tensor), read(node.output), step.slice, `${node.name} input ${step.input}`)];
    }
    case 'node': {
      const node = exec.nodes[step.node]!;
      const scratch = placement.storage.scratch.get(index);
      const partials = placement.storage.partials.get(index);
      return kernels[step.node]!.dispatches({
        read,
        write: read(node.output),
        slice: writeSliceOf(exec, placement, node.output),
        weights: buffers.weights.get(step.node) ?? {},
        scratch: scratch ? arenaRange(buffers, scratch) : undefined,
        partials: partials ? arenaRange(buffers, partials) : undefined,
        unused: placeholderBuffer(device),
        isNchw: (t) => placement.nchw.has(rootOf(placement, t)),
      });
    }
  }
}

function arenaRange(buffers: PlacedBuffers, loc: Location): BufferBinding {
  return { buffer: buffers.arenas[loc.arena]!, offset: loc.offset, size: loc.bytes };
}
