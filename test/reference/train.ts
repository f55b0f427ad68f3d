/**
 * Float64 references for head training: a dense layer forward and
 * backward, softmax cross-entropy and its gradient, and one step of
 * torch.optim.SGD (momentum, L2 weight decay) and torch.optim.Adam.
 * Weights in nn.Linear's layout: W [out][in] row-major, then b [out].
 */
export type DenseActivationRef = 'none' | 'relu' | 'tanh';

const act = (a: DenseActivationRef, z: number): number => (a === 'relu' ? Math.max(0, z) : a === 'tanh' ? Math.tanh(z) : z);
const actDerivative = (a: DenseActivationRef, y: number): number => (a === 'relu' ? (y > 0 ? 1 : 0) : a === 'tanh' ? 1 - y * y : 1);

/** y [rows][out] = act(x·Wᵀ + b). */
export function denseForwardRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, rows: number, inF: number, outF: number, a: DenseActivationRef): Float64Array {
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++)
    for (let n = 0; n < outF; n++) {
      let s = b[n]!;
      for (let k = 0; k < inF; k++) s += x[r * inF + k]! * w[n * inF + k]!;
      y[r * outF + n] = act(a, s);
    }
  return y;
}

/** The gradients of a dense layer given dy at its output y: dW [out][in], db [out], dx [rows][in]. */
export function denseBackwardRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  y: ArrayLike<number>,
  dy: ArrayLike<number>,
  rows: number,
  inF: number,
  outF: number,
  a: DenseActivationRef,
): { dW: Float64Array; db: Float64Array; dx: Float64Array } {
  const dz = new Float64Array(rows * outF);
  for (let i = 0; i < dz.length; i++) dz[i] = dy[i]! * actDerivative(a, y[i]!);
  const dW = new Float64Array(outF * inF);
  const db = new Float64Array(outF);
  const dx = new Float64Array(rows * inF);
  for (let r = 0; r < rows; r++)
    for (let n = 0; n < outF; n++) {
      const g = dz[r * outF + n]!;
      db[n] += g;
      for (let k = 0; k < inF; k++) {
        dW[n * inF + k] += g * x[r * inF + k]!;
        dx[r * inF + k] += g * w[n * inF + k]!;
      }
    }
  return { dW, db, dx };
}

/** Mean softmax cross-entropy over the rows, and its gradient (softmax − onehot) / rows. */
export function softmaxCrossEntropyRef(logits: ArrayLike<number>, labels: ArrayLike<number>, rows: number, classes: number): { loss: number; grad: Float64Array } {
  const grad = new Float64Array(rows * classes);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    let top = -Infinity;
    for (let c = 0; c < classes; c++) top = Math.max(top, logits[r * classes + c]!);
    let total = 0;
    for (let c = 0; c < classes; c++) total += Math.exp(logits[r * classes + c]! - top);
    const label = labels[r]!;
    loss += top + Math.log(total) - logits[r * classes + label]!;
    for (let c = 0; c < classes; c++) grad[r * classes + c] = (Math.exp(logits[r * classes + c]! - top) / total - (c === label ? 1 : 0)) / rows;
  }
  return { loss: loss / rows, grad };
}

/** torch.optim.SGD, dampening 0: updates p and v in place (v starts at zeros). */
export function sgdStepRef(p: Float64Array, grad: ArrayLike<number>, v: Float64Array, o: { lr: number; momentum: number; weightDecay: number }): void {
  for (let i = 0; i < p.length; i++) {
    let g = grad[i]! + o.weightDecay * p[i]!;
    if (o.momentum !== 0) {
      v[i] = o.momentum * v[i]! + g;
      g = v[i]!;
    }
    p[i] = p[i]! - o.lr * g;
  }
}

/** torch.optim.Adam step number t (1-based): updates p, m, v in place. */
export function adamStepRef(
  p: Float64Array,
  grad: ArrayLike<number>,
  m: Float64Array,
  v: Float64Array,
  t: number,
  o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number },
): void {
  const c1 = 1 - o.beta1 ** t;
  const c2 = 1 - o.beta2 ** t;
  for (let i = 0; i < p.length; i++) {
    const g = grad[i]! + o.weightDecay * p[i]!;
    m[i] = o.beta1 * m[i]! + (1 - o.beta1) * g;
    v[i] = o.beta2 * v[i]! + (1 - o.beta2) * g * g;
    p[i] = p[i]! - (o.lr / c1) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(c2) + o.eps));
  }
}
