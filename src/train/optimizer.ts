/**
 * The optimizers a head trains with, as options, and the GPU step each one
 * becomes (kernels/train_optimizer.ts): torch.optim.SGD and torch.optim.Adam
 * with PyTorch's defaults and semantics (weight decay as L2 added to the
 * gradient, Adam's bias correction).
 */
import { InvalidParameterError } from '../errors.js';
import type { BufferBinding, DispatchSpec } from '../kernels/dispatch.js';
import { adamStep, sgdStep } from '../kernels/train_optimizer.js';

/** Adam: torch.optim.Adam(params, lr, betas = [0.9, 0.999], eps = 1e-8, weight_decay = 0). */
export interface AdamOptions {
  kind: 'adam';
  lr: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
}

/** SGD: torch.optim.SGD(params, lr, momentum = 0, weight_decay = 0), no dampening, not Nesterov. */
export interface SgdOptions {
  kind: 'sgd';
  lr: number;
  momentum?: number;
  weightDecay?: number;
}

export type OptimizerOptions = AdamOptions | SgdOptions;

/** An optimizer with every default filled in and every value checked. */
export type ResolvedOptimizer =
  | { kind: 'adam'; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number }
  | { kind: 'sgd'; lr: number; momentum: number; weightDecay: number };

function nonNegative(name: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0)) throw new InvalidParameterError(name, `must be a finite number ≥ 0, got ${v}`);
  return v;
}

/**
 * Fills PyTorch's defaults in and checks the ranges (lr > 0, 0 ≤ β < 1, …).
 * @example resolveOptimizer({ kind: 'adam', lr: 1e-3 }) // { kind: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }
 */
export function resolveOptimizer(o: OptimizerOptions): ResolvedOptimizer {
  if (!(Number.isFinite(o.lr) && o.lr > 0)) throw new InvalidParameterError('optimizer.lr', `must be a finite number > 0, got ${o.lr}`);
  const weightDecay = nonNegative('optimizer.weightDecay', o.weightDecay ?? 0);
  if (o.kind === 'sgd') return { kind: 'sgd', lr: o.lr, momentum: nonNegative('optimizer.momentum', o.momentum ?? 0), weightDecay };
  if (o.kind !== 'adam') throw new InvalidParameterError('optimizer.kind', `must be 'adam' or 'sgd', got "${(o as { kind: unknown }).kind}"`);
  const [beta1, beta2] = o.betas ?? [0.9, 0.999];
  for (const [name, beta] of [['optimizer.betas[0]', beta1], ['optimizer.betas[1]', beta2]] as const) {
    if (!(beta >= 0 && beta < 1)) throw new InvalidParameterError(name, `must be in [0, 1), got ${beta}`);
  }
  const eps = o.eps ?? 1e-8;
  if (!(Number.isFinite(eps) && eps > 0)) throw new InvalidParameterError('optimizer.eps', `must be a finite number > 0, got ${eps}`);
  return { kind: 'adam', lr: o.lr, beta1, beta2, eps, weightDecay };
}

/** Buffers of optimizer state per parameter: SGD's velocity, Adam's m and v. */
export function optimizerStateBuffers(o: ResolvedOptimizer): number {
  return o.kind === 'adam' ? 2 : 1;
}

/**
 * The dispatch that steps `count` parameters; `state` holds optimizerStateBuffers(o) zeroed buffers.
 * @example optimizerDispatch(resolveOptimizer({ kind: 'sgd', lr: 0.1, momentum: 0.9 }), 850, { weights, grads, stats, state: [velocity] })
 */
export function optimizerDispatch(
  o: ResolvedOptimizer,
  count: number,
  io: { weights: BufferBinding; grads: BufferBinding; stats: BufferBinding; state: readonly BufferBinding[] },
): DispatchSpec {
  if (o.kind === 'sgd') return sgdStep({ count, lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay }, { weights: io.weights, grads: io.grads, velocity: io.state[0]! });
  return adamStep({ count, lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay }, { weights: io.weights, grads: io.grads, m: io.state[0]!, v: io.state[1]!, stats: io.stats });
}
