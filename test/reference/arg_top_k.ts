/**
 * Integer-result references: ArgMax/ArgMin and TopK along one axis of a
 * row-major (NCHW) tensor, written from ONNX's definitions. Each works on
 * the lines along the axis: line (outer, inner) holds the elements
 * outer·n·inner + j·inner + inner for j < n. Indices are returned as plain
 * numbers (exact: test tensors are small). NaN is above every number, as
 * torch.argmax and torch.topk have it.
 */
type Shape = readonly number[];

const count = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/** The line-major split of `shape` at `axis`: elements before, along, after it. */
function split(shape: Shape, axis: number): { outer: number; n: number; inner: number } {
  return { outer: count(shape.slice(0, axis)), n: shape[axis]!, inner: count(shape.slice(axis + 1)) };
}

/** a above b, NaN above all numbers (and not above another NaN). */
function above(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && !Number.isNaN(b);
  return a > b;
}

/** The index along `axis` of the largest (argmin: smallest) element of each line; ties: first, or last with selectLast. Output row-major with the axis dropped (equal to keepdims' layout). */
export function argReduceRef(x: ArrayLike<number>, shape: Shape, axis: number, argmin: boolean, selectLast: boolean): number[] {
  const { outer, n, inner } = split(shape, axis);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number): number => x[o * n * inner + j * inner + i]!;
      let best = 0;
      for (let j = 1; j < n; j++) {
        const v = at(j);
        const b = at(best);
        // NaN beats every number whichever way the comparison goes
        const wins = Number.isNaN(b) ? Number.isNaN(v) && selectLast : Number.isNaN(v) || (argmin ? v < b : v > b) || (selectLast && v === b);
        if (wins) best = j;
      }
      out.push(best);
    }
  }
  return out;
}

/** The k largest (smallest) of each line, in order, equal values by lower index first; both outputs row-major with the axis k long. */
export function topKRef(x: ArrayLike<number>, shape: Shape, axis: number, k: number, smallest: boolean): { values: Float64Array; indices: number[] } {
  const { outer, n, inner } = split(shape, axis);
  const values = new Float64Array(outer * k * inner);
  const indices = new Array<number>(outer * k * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const line = Array.from({ length: n }, (_, j) => ({ j, v: x[o * n * inner + j * inner + i]! }));
      line.sort((p, q) => {
        const first = smallest ? above(q.v, p.v) : above(p.v, q.v);
        const second = smallest ? above(p.v, q.v) : above(q.v, p.v);
        return first ? -1 : second ? 1 : p.j - q.j;
      });
      for (let r = 0; r < k; r++) {
        values[o * k * inner + r * inner + i] = line[r]!.v;
        indices[o * k * inner + r * inner + i] = line[r]!.j;
      }
    }
  }
  return { values, indices };
}
