/**
 * A canvas that shows feature maps straight from a GPU buffer (what
 * `run(x, { keepOnGpu: true })` returns): a tiny compute pass finds each
 * map's range, then every canvas pixel is coloured on the GPU from its value
 * (map_canvas.wgsl, display only; CSS scales the canvas up, pixelated).
 *
 * Two ways to the screen. On a GPU: a WebGPU canvas and a render pass,
 * nothing read back. On a CPU-emulated adapter (SwiftShader): Chromium
 * cannot present a WebGPU canvas there unless started with extra compositor
 * flags, and the failed swapchain takes the whole device with it (async
 * pipeline creation then fails with "A valid external Instance reference no
 * longer exists"). So there the GPU paints the same colours into a buffer of
 * RGBA8 pixels, and only those pixels are read back into a 2-D canvas; the
 * maps themselves still never leave the GPU. `?maps=webgpu` or
 * `?maps=painted` in the page's address forces one way.
 */
import mapCanvasWgsl from './map_canvas.wgsl?raw';
import type { GpuContext } from './lib.js';

const WORKGROUP_SIZE = 64;
/** View's fields in map_canvas.wgsl order: 6 u32, scale f32, padding. */
const VIEW_BYTES = 32;
/** One dispatch dimension's limit: the paint pass is a 1-D grid. */
const MAX_PIXELS = 65535 * WORKGROUP_SIZE;

export type Presenter = 'webgpu' | 'painted';

/** How maps reach the screen on this device (see the file's header). */
export function presenterFor(ctx: GpuContext): Presenter {
  const forced = new URLSearchParams(location.search).get('maps');
  if (forced === 'webgpu' || forced === 'painted') return forced;
  return ctx.deviceClass === 'cpu' ? 'painted' : 'webgpu';
}

export interface MapLayout {
  /** Maps in the buffer (its C, with N = 1). */
  maps: number;
  height: number;
  width: number;
  /** Tiles per row (default: all in one row). */
  columns?: number;
  /** Canvas pixels between tiles (default 1 when there are several maps). */
  gap?: number;
}

export interface DrawOptions {
  /** 'signed': blue below zero, orange above; 'gray': 0 → black, 1 → white. */
  mode?: 'signed' | 'gray';
  /** Signed mode: the |value| shown at full colour (default: each map's own max |value|). */
  scale?: number;
}

interface Pipelines {
  ranges: GPUComputePipeline;
  paint: GPUComputePipeline;
  render: GPURenderPipeline | undefined;
  format: GPUTextureFormat;
}

const pipelines = new WeakMap<GPUDevice, Pipelines>();

function pipelinesFor(device: GPUDevice, presenter: Presenter): Pipelines {
  let p = pipelines.get(device);
  if (!p) {
    const module = device.createShaderModule({ label: 'map canvas', code: mapCanvasWgsl });
    const format = navigator.gpu.getPreferredCanvasFormat();
    const compute = (entryPoint: string) => device.createComputePipeline({ label: `map ${entryPoint}`, layout: 'auto', compute: { module, entryPoint, constants: { WORKGROUP_SIZE } } });
    p = { format, ranges: compute('ranges'), paint: compute('paint'), render: undefined };
    pipelines.set(device, p);
    if (presenter === 'webgpu') {
      p.render = device.createRenderPipeline({
        label: 'map canvas',
        layout: 'auto',
        vertex: { module, entryPoint: 'vertex_main' },
        fragment: { module, entryPoint: 'fragment_main', targets: [{ format }] },
        primitive: { topology: 'triangle-list' },
      });
    }
  }
  return p;
}

export class MapCanvas {
  private readonly presenter: Presenter;
  private readonly webgpu: GPUCanvasContext | undefined;
  private readonly view: GPUBuffer;
  private ranges: GPUBuffer | undefined;
  /** Painted presenter: the pixels on the GPU, and free readback buffers of their size (one per draw in flight). */
  private pixels: { gpu: GPUBuffer; free: GPUBuffer[] } | undefined;
  /** Painted presenter: draws are numbered so a late readback never overwrites a newer picture. */
  private drawsQueued = 0;
  private drawsShown = 0;

  constructor(
    private readonly ctx: GpuContext,
    readonly canvas: HTMLCanvasElement,
  ) {
    this.presenter = presenterFor(ctx);
    const p = pipelinesFor(ctx.device, this.presenter);
    if (this.presenter === 'webgpu') {
      const context = canvas.getContext('webgpu');
      if (!context) throw new Error(`#${canvas.id}: this browser gives no WebGPU canvas context`);
      context.configure({ device: ctx.device, format: p.format, alphaMode: 'opaque' });
      this.webgpu = context;
    }
    canvas.dataset.presenter = this.presenter;
    this.view = ctx.device.createBuffer({ label: `${canvas.id} view`, size: VIEW_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  /** Sizes the canvas for `layout` (one canvas pixel per value). */
  private arrange(layout: MapLayout): Required<MapLayout> {
    const columns = Math.max(1, Math.min(layout.columns ?? layout.maps, layout.maps));
    const gap = layout.gap ?? (layout.maps > 1 ? 1 : 0);
    const rows = Math.ceil(layout.maps / columns);
    const width = columns * (layout.width + gap) - gap;
    const height = rows * (layout.height + gap) - gap;
    if (width * height > MAX_PIXELS) throw new RangeError(`#${this.canvas.id}: ${width}×${height} pixels is more than one paint pass covers`);
    if (this.canvas.width !== width || this.canvas.height !== height) [this.canvas.width, this.canvas.height] = [width, height];
    const { device } = this.ctx;
    if (!this.ranges || this.ranges.size < layout.maps * 8) {
      this.ranges?.destroy();
      this.ranges = device.createBuffer({ label: `${this.canvas.id} ranges`, size: Math.max(16, layout.maps * 8), usage: GPUBufferUsage.STORAGE });
    }
    if (this.presenter === 'painted' && (!this.pixels || this.pixels.gpu.size !== width * height * 4)) {
      // readbacks still in flight destroy themselves when they finish (they are not in the new free list)
      this.pixels?.gpu.destroy();
      this.pixels?.free.forEach((b) => b.destroy());
      this.pixels = { gpu: device.createBuffer({ label: `${this.canvas.id} pixels`, size: width * height * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC }), free: [] };
    }
    this.canvas.dataset.shape = `${layout.maps}×${layout.height}×${layout.width}`;
    return { ...layout, columns, gap };
  }

  /**
   * Draws the maps in `values` (NCHW floats, N = 1) laid out as `layout`.
   * The GPU work is queued before this returns, so `values` may be
   * destroyed right after; the promise settles when the canvas shows it.
   */
  draw(values: GPUBuffer, layout: MapLayout, options: DrawOptions = {}): Promise<void> {
    const { device } = this.ctx;
    const l = this.arrange(layout);
    const p = pipelinesFor(device, this.presenter);
    const words = new ArrayBuffer(VIEW_BYTES);
    new Uint32Array(words, 0, 6).set([l.width, l.height, l.maps, l.columns, l.gap, options.mode === 'gray' ? 1 : 0]);
    new Float32Array(words, 24, 1)[0] = options.scale ?? 0;
    device.queue.writeBuffer(this.view, 0, words);
    const ranges = this.ranges!;
    const entries = (extra: GPUBindGroupEntry) => [{ binding: 0, resource: { buffer: values } }, { binding: 1, resource: { buffer: this.view } }, extra];
    const encoder = device.createCommandEncoder({ label: `draw ${this.canvas.id}` });
    const compute = encoder.beginComputePass({ label: 'map ranges' });
    compute.setPipeline(p.ranges);
    compute.setBindGroup(0, device.createBindGroup({ layout: p.ranges.getBindGroupLayout(0), entries: entries({ binding: 2, resource: { buffer: ranges } }) }));
    compute.dispatchWorkgroups(l.maps);
    if (this.presenter === 'painted') {
      const pixels = this.pixels!;
      compute.setPipeline(p.paint);
      compute.setBindGroup(0, device.createBindGroup({ layout: p.paint.getBindGroupLayout(0), entries: [...entries({ binding: 3, resource: { buffer: ranges } }), { binding: 4, resource: { buffer: pixels.gpu } }] }));
      compute.dispatchWorkgroups(Math.ceil(this.canvas.width * this.canvas.height / WORKGROUP_SIZE));
      compute.end();
      const read = pixels.free.pop() ?? device.createBuffer({ label: `${this.canvas.id} pixels readback`, size: pixels.gpu.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      encoder.copyBufferToBuffer(pixels.gpu, 0, read, 0, pixels.gpu.size);
      device.queue.submit([encoder.finish()]);
      const seq = ++this.drawsQueued;
      const [width, height] = [this.canvas.width, this.canvas.height];
      return read.mapAsync(GPUMapMode.READ).then(() => {
        const image = new ImageData(new Uint8ClampedArray(read.getMappedRange().slice(0)), width, height);
        read.unmap();
        if (this.pixels === pixels) pixels.free.push(read);
        else read.destroy();
        if (seq < this.drawsShown) return;
        this.drawsShown = seq;
        this.canvas.getContext('2d')!.putImageData(image, 0, 0);
        this.drawn();
      });
    }
    compute.end();
    const pass = encoder.beginRenderPass({
      label: 'map canvas',
      colorAttachments: [{ view: this.webgpu!.getCurrentTexture().createView(), loadOp: 'clear', storeOp: 'store', clearValue: { r: 0, g: 0, b: 0, a: 1 } }],
    });
    pass.setPipeline(p.render!);
    pass.setBindGroup(0, device.createBindGroup({ layout: p.render!.getBindGroupLayout(0), entries: entries({ binding: 3, resource: { buffer: ranges } }) }));
    pass.draw(3);
    pass.end();
    device.queue.submit([encoder.finish()]);
    this.drawn();
    return Promise.resolve();
  }

  private drawn(): void {
    this.canvas.dataset.draws = String(Number(this.canvas.dataset.draws ?? 0) + 1);
  }

  /** An empty canvas (no picture yet, or nothing to show); [data-draws] is dropped until the next draw. */
  clear(): void {
    delete this.canvas.dataset.draws;
    if (this.webgpu) {
      const encoder = this.ctx.device.createCommandEncoder({ label: `clear ${this.canvas.id}` });
      encoder.beginRenderPass({ colorAttachments: [{ view: this.webgpu.getCurrentTexture().createView(), loadOp: 'clear', storeOp: 'store', clearValue: { r: 0.086, g: 0.106, b: 0.133, a: 1 } }] }).end();
      this.ctx.device.queue.submit([encoder.finish()]);
    } else {
      const ctx2d = this.canvas.getContext('2d')!;
      ctx2d.fillStyle = '#161b22';
      ctx2d.fillRect(0, 0, this.canvas.width, this.canvas.height);
    }
  }
}
