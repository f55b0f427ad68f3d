/**
 * The drawing pad: pointer events (mouse, pen, touch), dark ink on white
 * like paper, so it takes the same path to the GPU as a camera frame.
 * `onChange` fires while drawing (throttled by the caller's in-flight check).
 */
export interface Pad {
  clear(): void;
  /** True once something was drawn since the last clear. */
  readonly dirty: boolean;
}

const PAPER = '#ffffff';
const INK = '#111111';

export function createPad(canvas: HTMLCanvasElement, onChange: () => void, onClear: () => void): Pad {
  const ctx2d = canvas.getContext('2d', { willReadFrequently: false })!;
  // a stroke about 1/12 of the pad, like MNIST's pen relative to its 20-px box
  const lineWidth = Math.round(canvas.width / 12);
  let drawing = false;
  let dirty = false;
  let last: [number, number] | undefined;

  const paint = () => {
    ctx2d.fillStyle = PAPER;
    ctx2d.fillRect(0, 0, canvas.width, canvas.height);
  };
  paint();

  const point = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
  };

  const stroke = (to: [number, number]) => {
    ctx2d.strokeStyle = INK;
    ctx2d.fillStyle = INK;
    ctx2d.lineWidth = lineWidth;
    ctx2d.lineCap = 'round';
    ctx2d.lineJoin = 'round';
    ctx2d.beginPath();
    if (last) {
      ctx2d.moveTo(last[0], last[1]);
      ctx2d.lineTo(to[0], to[1]);
      ctx2d.stroke();
    } else {
      ctx2d.arc(to[0], to[1], lineWidth / 2, 0, 2 * Math.PI);
      ctx2d.fill();
    }
    last = to;
    dirty = true;
    onChange();
  };

  canvas.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    drawing = true;
    last = undefined;
    stroke(point(e));
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    e.preventDefault();
    // coalesced events keep fast strokes smooth
    for (const ev of e.getCoalescedEvents?.() ?? [e]) stroke(point(ev));
  });
  const end = () => {
    drawing = false;
    last = undefined;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  // no page scrolling while drawing with a finger
  canvas.style.touchAction = 'none';

  return {
    clear() {
      paint();
      dirty = false;
      onClear();
    },
    get dirty() {
      return dirty;
    },
  };
}
