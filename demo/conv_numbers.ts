/**
 * "A convolution by hand": the course's 6×6 image, the 3×3 kernel and the
 * 4×4 result as numbers, both inputs editable, the result and its 2×2 max
 * and average pools computed on the GPU by the filter graph (conv_filter.ts)
 * and read back (24 floats, to print them). Hovering an output number marks
 * the 3×3 window of the image it sums.
 *
 * For the e2e tests: #conv-output, #conv-max and #conv-avg carry the numbers
 * shown as data-values (JSON, row-major) and data-count (runs so far);
 * #conv-output[data-kernel][data-image] the inputs they came from;
 * #conv-kernel and #conv-image the numbers in their cells as data-values.
 */
import { COURSE_IMAGE, compileFilter, FILTER_OUTPUTS, KERNELS, STEP_IMAGE, STEP_IMAGE_REVERSED, transpose3, type Kernel3, type KernelName } from './conv_filter.js';
import { byId, el, messageOf } from './dom.js';
import type { CompiledModel, GpuContext } from './lib.js';

const IMAGES: Record<string, readonly number[]> = { course: COURSE_IMAGE, step: STEP_IMAGE, 'step-reversed': STEP_IMAGE_REVERSED };

/** A number as a cell shows it: integers plain, others to 3 significant decimals. */
export function formatCell(v: number): string {
  if (Object.is(v, -0)) return '0';
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(3)));
}

/** An editable rows×cols grid of text inputs; `onChange` gets the numbers when every cell parses. */
function editableMatrix(container: HTMLElement, rows: number, cols: number, label: string, onChange: (values: number[]) => void) {
  container.style.setProperty('--cols', String(cols));
  const cells = Array.from({ length: rows * cols }, (_, i) => {
    const input = el('input', 'cell');
    input.type = 'text';
    input.inputMode = 'decimal';
    input.setAttribute('aria-label', `${label} row ${Math.floor(i / cols) + 1}, column ${(i % cols) + 1}`);
    return input;
  });
  container.replaceChildren(...cells);
  const read = (): number[] | undefined => {
    const values = cells.map((c) => (c.value.trim() === '' ? Number.NaN : Number(c.value)));
    cells.forEach((c, i) => c.classList.toggle('bad', !Number.isFinite(values[i])));
    return values.every(Number.isFinite) ? values : undefined;
  };
  container.addEventListener('input', () => {
    const values = read();
    if (values) {
      container.dataset.values = JSON.stringify(values);
      onChange(values);
    }
  });
  return {
    set(values: readonly number[]) {
      values.forEach((v, i) => (cells[i]!.value = formatCell(v)));
      read();
      container.dataset.values = JSON.stringify(values);
    },
    cells,
  };
}

type Editor = ReturnType<typeof editableMatrix>;

/** A read-only grid of numbers, tinted by sign and size. */
function showMatrix(container: HTMLElement, cols: number, values: ArrayLike<number>): HTMLElement[] {
  container.style.setProperty('--cols', String(cols));
  const list = Array.from(values);
  const reach = Math.max(1e-6, ...list.map(Math.abs));
  const cells = list.map((v) => {
    const cell = el('span', 'cell', formatCell(v));
    const t = v / reach;
    cell.style.background = t >= 0 ? `rgb(255 158 51 / ${(0.55 * t).toFixed(3)})` : `rgb(90 176 255 / ${(-0.55 * t).toFixed(3)})`;
    return cell;
  });
  container.replaceChildren(...cells);
  container.dataset.values = JSON.stringify(list);
  container.dataset.count = String(Number(container.dataset.count ?? 0) + 1);
  return cells;
}

export class ConvNumbers {
  private model: CompiledModel | undefined;
  private image: number[] = [...COURSE_IMAGE];
  private kernel: number[] = [...KERNELS.vertical];
  private pending: Promise<void> = Promise.resolve();
  private readonly imageEditor: Editor;
  private readonly kernelEditor: Editor;

  constructor(
    private readonly ctx: GpuContext,
    /** The kernel changed (edited or a preset): the live view follows. */
    private readonly onKernel: (kernel: Kernel3) => void,
    private readonly onError: (error: unknown) => void,
  ) {
    this.imageEditor = editableMatrix(byId('conv-image'), 6, 6, 'image', (v) => {
      this.image = v;
      void this.update();
    });
    this.kernelEditor = editableMatrix(byId('conv-kernel'), 3, 3, 'kernel', (v) => this.useKernel(v, false));
    for (const button of byId('kernel-presets').querySelectorAll<HTMLButtonElement>('button[data-kernel]')) {
      button.addEventListener('click', () => {
        const name = button.dataset.kernel!;
        this.useKernel(name === 'transpose' ? transpose3(this.kernel) : [...KERNELS[name as KernelName]], true);
      });
    }
    for (const button of byId('image-presets').querySelectorAll<HTMLButtonElement>('button[data-image]')) {
      button.addEventListener('click', () => {
        this.image = [...IMAGES[button.dataset.image!]!];
        this.imageEditor.set(this.image);
        void this.update();
      });
    }
    this.imageEditor.set(this.image);
    this.kernelEditor.set(this.kernel);
  }

  get currentKernel(): Kernel3 {
    return this.kernel;
  }

  private useKernel(kernel: number[], fromPreset: boolean): void {
    this.kernel = kernel;
    if (fromPreset) this.kernelEditor.set(kernel);
    const preset = Object.entries(KERNELS).find(([, k]) => k.every((v, i) => v === kernel[i]))?.[0];
    byId('kernel-presets').querySelectorAll<HTMLButtonElement>('button[data-kernel]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.kernel === preset)));
    byId('conv-kernel-name').textContent = preset ? `${preset} filter` : 'your kernel';
    this.onKernel(kernel);
    void this.update();
  }

  /** Recompiles the 6×6 filter with the current kernel and shows its outputs; runs one at a time, in order. */
  update(): Promise<void> {
    this.pending = this.pending.then(() => this.compute()).catch((error: unknown) => {
      byId('conv-output').dataset.error = messageOf(error);
      this.onError(error);
    });
    return this.pending;
  }

  private async compute(): Promise<void> {
    const image = this.image;
    const kernel = this.kernel;
    this.model?.dispose();
    this.model = undefined;
    this.model = await compileFilter(this.ctx, 6, 6, kernel, 'filter 6×6');
    const { float } = await this.model.run(Float32Array.from(image));
    const cells = showMatrix(byId('conv-output'), 4, float(FILTER_OUTPUTS.edges));
    showMatrix(byId('conv-max'), 2, float(FILTER_OUTPUTS.maxPool));
    showMatrix(byId('conv-avg'), 2, float(FILTER_OUTPUTS.avgPool));
    const output = byId('conv-output');
    delete output.dataset.error;
    output.dataset.kernel = JSON.stringify(kernel);
    output.dataset.image = JSON.stringify(image);
    cells.forEach((cell, i) => {
      const [r, c] = [Math.floor(i / 4), i % 4];
      const window = [0, 1, 2].flatMap((dy) => [0, 1, 2].map((dx) => (r + dy) * 6 + c + dx));
      const mark = (on: boolean) => window.forEach((j) => this.imageEditor.cells[j]!.classList.toggle('window', on));
      cell.title = `Σ image[${r + 1}…${r + 3}, ${c + 1}…${c + 3}] × kernel = ${formatCell(Number(cell.textContent))}`;
      cell.addEventListener('pointerenter', () => mark(true));
      cell.addEventListener('pointerleave', () => mark(false));
    });
  }
}
