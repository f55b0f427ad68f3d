/**
 * The live half of "What a convolution sees": the pad or a camera frame
 * goes to the GPU, becomes a one-channel image tensor (luma, 0–1), runs
 * through the filter graph with the current kernel (conv_filter.ts), and the
 * image, the filtered image and its max and average pools are drawn from
 * the GPU buffers the run keeps there (run(x, { keepOnGpu: true }),
 * map_canvas.ts). Then the loaded model's first layers on the same picture:
 * LeNet-5's C1 and C3 for the pad, a classifier's stem for the camera, from
 * a graph cut after those layers (graph_taps.ts), kept on the GPU as well.
 *
 * For the e2e tests: #conv-live[data-count] counts pictures done,
 * [data-kernel] is the kernel of the last one; `snapshot()` (reached as
 * webgpuCnnDemo.conv.snapshot()) reads the last picture's input and outputs
 * back, so a test can hold them against a float64 reference.
 */
import { classifierRecipe, type Classifier } from './classifier.js';
import { compileFilter, FILTER_OUTPUTS, kernelReach, type Kernel3 } from './conv_filter.js';
import { byId } from './dom.js';
import type { CopyIn } from './frame_copy.js';
import { cutAt, outputOf, stemTap } from './graph_taps.js';
import {
  compile,
  type CompiledModel,
  createTensorBuffer,
  digitToTensor,
  type GpuContext,
  type Graph,
  ImageFrame,
  preprocessImage,
  readTensor,
  type WeightMap,
} from './lib.js';
import { MapCanvas } from './map_canvas.js';

/** Long side of the filtered picture: enough to see edges, small enough for a software adapter. */
const LIVE_SIDE = { pad: 140, camera: 240 } as const;

export type LiveSource = 'pad' | 'camera';

/** A model whose first layers the view shows: its graph, weights and (for 3-channel models) input statistics. */
export interface MapsModel {
  name: string;
  graph: Graph;
  weights: WeightMap;
  note: string;
  classifier?: Pick<Classifier, 'mean' | 'std'>;
}

interface Filtered {
  height: number;
  width: number;
  kernel: Kernel3;
  input: GPUBuffer;
  outputs: Record<string, GPUBuffer>;
}

interface Taps {
  /** The weights it was compiled with: a new model (or new weights) compiles anew. */
  weights: WeightMap;
  model: CompiledModel;
  input: GPUBuffer;
  maps: { name: string; canvas: MapCanvas; caption: HTMLElement; columns: number }[];
}

export class ConvLive {
  private readonly frame: ImageFrame;
  private readonly canvases: Record<'input' | 'edges' | 'max' | 'avg', MapCanvas>;
  private filter: { key: string; model: CompiledModel; input: GPUBuffer } | undefined;
  private last: Filtered | undefined;
  private taps: Taps | undefined;
  private kernel: Kernel3;
  private busy = false;
  private queued: (() => void) | undefined;

  constructor(
    private readonly ctx: GpuContext,
    kernel: Kernel3,
    private readonly onError: (error: unknown) => void,
  ) {
    this.kernel = kernel;
    this.frame = new ImageFrame(ctx, 'conv view frame');
    const canvas = (id: string) => new MapCanvas(ctx, byId<HTMLCanvasElement>(id));
    this.canvases = { input: canvas('conv-live-input'), edges: canvas('conv-live-edges'), max: canvas('conv-live-max'), avg: canvas('conv-live-avg') };
    for (const c of Object.values(this.canvases)) c.clear();
  }

  setKernel(kernel: Kernel3): void {
    this.kernel = kernel;
  }

  /** Filters a picture; while one is in flight a newer request replaces any queued one. */
  request(copyIn: CopyIn, source: LiveSource, model: () => Promise<MapsModel | undefined>): void {
    if (this.busy) this.queued = () => this.request(copyIn, source, model);
    else this.process(copyIn, source, model).catch(this.onError);
  }

  /** For the camera loop: skips the frame while busy. */
  async processNow(copyIn: CopyIn, source: LiveSource, model: () => Promise<MapsModel | undefined>): Promise<void> {
    if (!this.busy) await this.process(copyIn, source, model);
  }

  /** The last picture's input and outputs, read back (test hook). */
  async snapshot(): Promise<{ height: number; width: number; kernel: number[]; input: number[]; edges: number[]; maxPool: number[]; avgPool: number[] } | undefined> {
    // the camera would write the next frame into the same input buffer meanwhile: hold it off (it skips frames while busy)
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    this.busy = true;
    try {
      return await this.readLast();
    } finally {
      this.busy = false;
      const next = this.queued;
      this.queued = undefined;
      next?.();
    }
  }

  private async readLast() {
    const last = this.last;
    if (!last) return undefined;
    const { height, width } = last;
    const read = async (buffer: GPUBuffer, count: number) => Array.from(await readTensor(this.ctx.device, buffer, count));
    const [eh, ew] = [height - 2, width - 2];
    const pooled = Math.floor(eh / 2) * Math.floor(ew / 2);
    return {
      height,
      width,
      kernel: [...last.kernel],
      input: await read(last.input, height * width),
      edges: await read(last.outputs[FILTER_OUTPUTS.edges]!, eh * ew),
      maxPool: await read(last.outputs[FILTER_OUTPUTS.maxPool]!, pooled),
      avgPool: await read(last.outputs[FILTER_OUTPUTS.avgPool]!, pooled),
    };
  }

  private async process(copyIn: CopyIn, source: LiveSource, model: () => Promise<MapsModel | undefined>): Promise<void> {
    this.busy = true;
    try {
      await copyIn(this.frame);
      await this.filterFrame(source);
      await this.showTaps(await model());
      const live = byId('conv-live');
      live.dataset.count = String(Number(live.dataset.count ?? 0) + 1);
      live.dataset.source = source;
      live.dataset.kernel = JSON.stringify(this.kernel);
    } finally {
      this.busy = false;
      const next = this.queued;
      this.queued = undefined;
      next?.();
    }
  }

  /** Picture → luma tensor → filter graph; draws the four maps from the GPU buffers the run leaves. */
  private async filterFrame(source: LiveSource): Promise<void> {
    const { width: fw, height: fh } = this.frame;
    const k = LIVE_SIDE[source] / Math.max(fw, fh);
    const [width, height] = [Math.max(4, Math.round(fw * k)), Math.max(4, Math.round(fh * k))];
    const kernel = this.kernel;
    const key = `${height}×${width} ${kernel.join(',')}`;
    if (this.filter?.key !== key) {
      const old = this.filter;
      this.filter = undefined;
      old?.model.dispose();
      const sameSize = old?.key.startsWith(`${height}×${width} `);
      if (!sameSize) old?.input.destroy();
      const input = sameSize ? old!.input : createTensorBuffer(this.ctx.device, height * width * 4, 'conv view image');
      this.filter = { key, model: await compileFilter(this.ctx, height, width, kernel, 'live filter'), input };
    }
    const { model, input } = this.filter;
    // luma in [0, 1], the whole picture at the size chosen above (same aspect, so 'stretch' does not distort it)
    await preprocessImage(this.ctx, this.frame, { fit: 'stretch', width, height, channels: 1 }, { output: input });
    const { gpuOutputs } = await model.run(input, { keepOnGpu: true });
    const previous = this.last;
    this.last = { height, width, kernel, input, outputs: gpuOutputs };
    for (const b of Object.values(previous?.outputs ?? {})) b.destroy();
    const [eh, ew] = [height - 2, width - 2];
    const scale = kernelReach(kernel);
    const pooled = { maps: 1, height: Math.floor(eh / 2), width: Math.floor(ew / 2) };
    await Promise.all([
      this.canvases.input.draw(input, { maps: 1, height, width }, { mode: 'gray' }),
      this.canvases.edges.draw(gpuOutputs[FILTER_OUTPUTS.edges]!, { maps: 1, height: eh, width: ew }, { scale }),
      this.canvases.max.draw(gpuOutputs[FILTER_OUTPUTS.maxPool]!, pooled, { scale }),
      this.canvases.avg.draw(gpuOutputs[FILTER_OUTPUTS.avgPool]!, pooled, { scale }),
    ]);
  }

  /** The model's first feature maps on the same picture (C1 and C3 of LeNet-5, or a classifier's stem). */
  private async showTaps(maps: MapsModel | undefined): Promise<void> {
    byId('maps-note').textContent = maps?.note ?? '';
    if (!maps) return;
    const taps = await this.tapsFor(maps);
    const inputShape = maps.graph.tensors[maps.graph.inputs[0]!.tensor]!.shape;
    const [channels, height, width] = [inputShape[1]!, inputShape[2]!, inputShape[3]!];
    if (maps.classifier) {
      await preprocessImage(this.ctx, this.frame, classifierRecipe([channels, height, width], maps.classifier.mean, maps.classifier.std), { output: taps.input });
    } else {
      // LeNet-5 reads the digit as MNIST was made: centred by mass, 20×20 in 28×28
      const found = await digitToTensor(this.ctx, this.frame, this.frame.buffer, taps.input);
      byId('maps').dataset.digit = String(!!found);
      if (!found) {
        for (const m of taps.maps) m.canvas.clear();
        byId('maps-note').textContent = `${maps.note} Draw a digit to see them.`;
        return;
      }
    }
    const { gpuOutputs } = await taps.model.run(taps.input, { keepOnGpu: true });
    const draws: Promise<void>[] = [];
    try {
      for (const m of taps.maps) {
        const shape = taps.model.graph.tensors[taps.model.graph.outputs.find((o) => o.name === m.name)!.tensor]!.shape;
        draws.push(m.canvas.draw(gpuOutputs[m.name]!, { maps: shape[1]!, height: shape[2]!, width: shape[3]!, columns: m.columns }));
        m.caption.textContent = `${m.name}: ${shape[1]} maps of ${shape[2]}×${shape[3]}`;
      }
      byId('maps').dataset.model = maps.name;
    } finally {
      // draw() has queued its GPU work by the time it returns; WebGPU keeps a destroyed buffer for work already submitted
      for (const b of Object.values(gpuOutputs)) b.destroy();
    }
    await Promise.all(draws);
  }

  /** The cut graph for `maps`, compiled once per model. */
  private async tapsFor(maps: MapsModel): Promise<Taps> {
    if (this.taps?.weights === maps.weights) return this.taps;
    this.taps?.model.dispose();
    this.taps?.input.destroy();
    this.taps = undefined;
    const lenet = !maps.classifier;
    const g = maps.graph;
    const stem = lenet ? undefined : stemTap(g);
    const tapList = lenet
      ? [{ name: 'C1', tensor: outputOf(g, 'act1') }, { name: 'C3', tensor: outputOf(g, 'act2') }]
      : stem ? [stem] : [];
    const cut = cutAt(g, tapList);
    const model = await compile(this.ctx, cut, maps.weights, { label: `${maps.name} first layers` });
    const inputShape = g.tensors[g.inputs[0]!.tensor]!.shape;
    const input = createTensorBuffer(this.ctx.device, inputShape.reduce((a, b) => a * b, 1) * 4, `${maps.name} input (conv view)`);
    const slots = [
      { canvas: new MapCanvas(this.ctx, byId<HTMLCanvasElement>('maps-first')), caption: byId('maps-first-title') },
      { canvas: new MapCanvas(this.ctx, byId<HTMLCanvasElement>('maps-second')), caption: byId('maps-second-title') },
    ];
    const columns = (channels: number) => (channels <= 6 ? channels : channels <= 16 ? 8 : Math.ceil(Math.sqrt(channels * 2)));
    const tapMaps = tapList.map((t, i) => ({ name: t.name, ...slots[i]!, columns: columns(g.tensors[t.tensor]!.shape[1]!) }));
    byId('maps-second-figure').classList.toggle('hidden', tapMaps.length < 2);
    this.taps = { weights: maps.weights, model, input, maps: tapMaps };
    return this.taps;
  }
}
