/**
 * The buffers a placement asks for, made in its order — arenas, input
 * staging, then per step its weights (in the kernel's layout) or its output
 * conversion target — each under the compile's error scopes so a refused
 * allocation names what it was for. Every buffer is handed to `keep`, which
 * owns it from then on.
 */
import { createTensorBuffer, TENSOR_USAGE } from '../gpu/buffers.js';
import type { GpuErrorCollector } from '../gpu/error_capture.js';
import type { ExecGraph } from './exec_graph.js';
import { elementCount } from './ir.js';
import type { NodeKernel } from './node_kernels.js';
import type { Placement } from './placement.js';
import type { PlacedBuffers } from './step_dispatches.js';

/** Makes the buffers the placement asks for, in its order: arenas, input staging, then per step its weights or output target. */
export function allocate(
  device: GPUDevice,
  gpuErrors: GpuErrorCollector,
  exec: ExecGraph,
  kernels: readonly NodeKernel[],
  placement: Placement,
  keep: (buffer: GPUBuffer) => void,
): { buffers: PlacedBuffers; weightBytes: number } {
  const own = (b: GPUBuffer) => (keep(b), b);
  const tensorBuffer = (data: Float32Array | number, label: string, layer?: string): GPUBuffer =>
    own(gpuErrors.track({ operation: label, layer, bytes: typeof data === 'number' ? data : data.byteLength }, () => createTensorBuffer(device, data, label)));
  const arenas = placement.storage.arenaBytes.map((bytes, i) =>
    own(gpuErrors.track({ operation: `arena ${i}`, layer: placement.arenaLayers[i], bytes }, () => device.createBuffer({ label: `arena ${i}`, size: Math.max(16, bytes), usage: TENSOR_USAGE }))),
  );
  const staging = new Map<string, GPUBuffer>();
  for (const { name, tensor } of exec.inputs) {
    const bytes = elementCount(exec.shapes.get(tensor)!) * 4;
    staging.set(name, own(gpuErrors.track({ operation: `input "${name}" staging buffer`, bytes }, () => createTensorBuffer(device, bytes, `input ${name}`))));
  }
  const weights = new Map<number, Record<string, GPUBuffer>>();
  const outputTargets = new Map<string, GPUBuffer>();
  let weightBytes = 0;
  for (const step of placement.steps) {
    if (step.kind === 'node') {
      const node = exec.nodes[step.node]!;
      const uploaded: Record<string, GPUBuffer> = {};
      for (const [role, data] of Object.entries(kernels[step.node]!.weights)) {
        uploaded[role] = tensorBuffer(data, `${node.name}.${role}`, node.name);
        weightBytes += uploaded[role].size;
      }
      weights.set(step.node, uploaded);
    } else if (step.kind === 'output-to-nchw') {
      outputTargets.set(step.output, tensorBuffer(elementCount(exec.shapes.get(step.tensor)!) * 4, `output ${step.output}`));
    }
  }
  return { buffers: { arenas, staging, weights, outputTargets }, weightBytes };
}
