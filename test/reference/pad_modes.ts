/**
 * Float64 Pad of H and W of NCHW in ONNX's modes, the way numpy.pad (ONNX's
 * reference) does it: each axis in turn, each line extended on both sides
 * by its positive pads, then cropped by its negative ones.
 * - constant: the extension is `value`;
 * - reflect: the k-th element before the line is line[k], after it line[len − 1 − k];
 * - edge: the first / last element repeated.
 */
export type PadRefMode = 'constant' | 'reflect' | 'edge';

function padLine(line: readonly number[], before: number, after: number, mode: PadRefMode, value: number): number[] {
  const len = line.length;
  const front: number[] = [];
  for (let k = Math.max(0, before); k >= 1; k--) front.push(mode === 'constant' ? value : mode === 'edge' ? line[0]! : line[k]!);
  const back: number[] = [];
  for (let k = 1; k <= Math.max(0, after); k++) back.push(mode === 'constant' ? value : mode === 'edge' ? line[len - 1]! : line[len - 1 - k]!);
  const extended = [...front, ...line, ...back];
  return extended.slice(Math.max(0, -before), extended.length - Math.max(0, -after));
}

/** pads [top, left, bottom, right]; signed. */
export function padModeRef(x: ArrayLike<number>, shape: readonly number[], pads: readonly number[], mode: PadRefMode, value = 0): Float64Array {
  const [n, c, h, w] = shape as [number, number, number, number];
  const [top, left, bottom, right] = pads as [number, number, number, number];
  const [oh, ow] = [h + top + bottom, w + left + right];
  const out = new Float64Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++) {
    // W first: every row, then H: every column of the widened rows
    const rows: number[][] = [];
    for (let y = 0; y < h; y++) rows.push(padLine(Array.from({ length: w }, (_, xx) => x[(p * h + y) * w + xx]!), left, right, mode, value));
    for (let xx = 0; xx < ow; xx++) {
      const column = padLine(rows.map((r) => r[xx]!), top, bottom, mode, value);
      column.forEach((v, y) => (out[(p * oh + y) * ow + xx] = v));
    }
  }
  return out;
}
