/**
 * The filter of "What a convolution sees": a one-channel image convolved
 * with a 3×3 kernel, then max- and average-pooled 2×2 / 2 — a graph of the
 * library's own conv2d and pooling operators, compiled like any model, with
 * the kernel as the conv's weight. "Convolution" is the course's and
 * PyTorch's: cross-correlation, the kernel is not flipped.
 *
 * Editing the kernel recompiles (the pipelines are cached on the device, so
 * that costs a weight upload, not shader compiles).
 */
import { compile, GraphBuilder, InvalidParameterError, type CompiledModel, type GpuContext, type Graph } from './lib.js';

/** A 3×3 kernel, row-major. */
export type Kernel3 = readonly number[];

/** The filters of the course (P107–P108): edges by brightness steps, and the two that weigh the centre row more. */
export const KERNELS = {
  vertical: [1, 0, -1, 1, 0, -1, 1, 0, -1],
  horizontal: [1, 1, 1, 0, 0, 0, -1, -1, -1],
  sobel: [1, 0, -1, 2, 0, -2, 1, 0, -1],
  scharr: [3, 0, -3, 10, 0, -10, 3, 0, -3],
} as const satisfies Record<string, Kernel3>;

export type KernelName = keyof typeof KERNELS;

/** P107's worked example: this 6×6 image convolved with the vertical filter. */
export const COURSE_IMAGE: readonly number[] = [
  3, 0, 1, 2, 7, 4,
  1, 5, 8, 9, 3, 1,
  2, 7, 2, 5, 1, 3,
  0, 1, 3, 1, 7, 8,
  4, 2, 1, 6, 2, 8,
  2, 4, 5, 2, 3, 9,
];

/** P107–P108's edge pictures: bright on the left, dark on the right (and the reverse). */
export const STEP_IMAGE: readonly number[] = Array.from({ length: 36 }, (_, i) => (i % 6 < 3 ? 10 : 0));
export const STEP_IMAGE_REVERSED: readonly number[] = STEP_IMAGE.map((v) => 10 - v);

/** The kernel turned a quarter: vertical edges ↔ horizontal edges. */
export function transpose3(k: Kernel3): number[] {
  return [0, 3, 6, 1, 4, 7, 2, 5, 8].map((i) => k[i]!);
}

/** Output names of the filter graph. */
export const FILTER_OUTPUTS = { edges: 'edges', maxPool: 'max_pool', avgPool: 'avg_pool' } as const;

/**
 * The graph: image [1, 1, H, W] → conv 3×3 (no bias, no padding) → "edges"
 * [1, 1, H−2, W−2], and its 2×2 / 2 max and average pools (floor mode, as
 * PyTorch's default).
 *
 * @example
 * const graph = filterGraph(6, 6); // edges 4×4, pools 2×2
 */
export function filterGraph(height: number, width: number): Graph {
  if (height < 4 || width < 4) throw new InvalidParameterError('image', `the filter view needs at least 4×4 pixels (3×3 kernel, then 2×2 pooling), got ${width}×${height}`);
  const g = new GraphBuilder();
  const x = g.input('image', [1, 1, height, width]);
  const edges = g.conv2d(x, { name: 'filter', outChannels: 1, kernel: 3, bias: false });
  g.output(edges, FILTER_OUTPUTS.edges);
  g.output(g.maxPool(edges, { name: 'max_pool', kernel: 2, stride: 2 }), FILTER_OUTPUTS.maxPool);
  g.output(g.avgPool(edges, { name: 'avg_pool', kernel: 2, stride: 2 }), FILTER_OUTPUTS.avgPool);
  return g.build();
}

/** The filter graph compiled with `kernel` as its conv weight. */
export function compileFilter(ctx: GpuContext, height: number, width: number, kernel: Kernel3, label = 'filter'): Promise<CompiledModel> {
  if (kernel.length !== 9 || !kernel.every(Number.isFinite)) throw new InvalidParameterError('kernel', `a 3×3 kernel needs 9 finite numbers, got [${kernel.join(', ')}]`);
  return compile(ctx, filterGraph(height, width), new Map([['filter.weight', Float32Array.from(kernel)]]), { label });
}

/** Largest |output| the kernel can give on inputs in [0, 1]: the display's fixed scale for pictures. */
export function kernelReach(kernel: Kernel3): number {
  const positive = kernel.reduce((s, v) => s + Math.max(v, 0), 0);
  const negative = kernel.reduce((s, v) => s - Math.min(v, 0), 0);
  return Math.max(positive, negative, 1e-6);
}
