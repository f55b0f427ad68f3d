/** Input checks and option forms the build functions share. */
import { GraphError } from '../errors.js';
import { showShape, type Shape, type Tensor } from './types.js';

export type Pair = number | readonly [number, number];
/** A number for all four sides, [vertical, horizontal], or [top, left, bottom, right] as ONNX orders them. */
export type Padding = number | readonly [number, number] | readonly [number, number, number, number];

export const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export function padding(p: Padding | undefined): { padTop: number; padLeft: number; padBottom: number; padRight: number } {
  if (p === undefined) return { padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 };
  if (typeof p === 'number') return { padTop: p, padLeft: p, padBottom: p, padRight: p };
  if (p.length === 2) return { padTop: p[0], padLeft: p[1], padBottom: p[0], padRight: p[1] };
  return { padTop: p[0], padLeft: p[1], padBottom: p[2], padRight: p[3] };
}

/** An [N, C, H, W] input. */
export function requireImage(x: Tensor, node: string): [number, number, number, number] {
  if (x.shape.length !== 4) throw new GraphError(node, `expects an [N, C, H, W] tensor, got [${x.shape.join(', ')}]`);
  return x.shape as unknown as [number, number, number, number];
}

/** The most axes a runtime tensor may have (ONNX models use up to 6, e.g. PixelShuffle's transpose). */
export const MAX_RANK = 6;

/** Runtime tensors have rank 0 to MAX_RANK and positive dimensions. */
export function requireRuntime(x: Tensor, node: string): void {
  if (x.shape.length > MAX_RANK) throw new GraphError(node, `expects a tensor of rank at most ${MAX_RANK}, got ${showShape(x.shape)}`);
  if (x.shape.some((d) => !Number.isInteger(d) || d < 1)) throw new GraphError(node, `expects positive integer dimensions, got ${showShape(x.shape)}`);
}

/** The logical [N, C, H, W] of a rank-4 shape (the caller knows it is one). */
export const dims4 = (shape: Shape): [number, number, number, number] => shape as unknown as [number, number, number, number];
