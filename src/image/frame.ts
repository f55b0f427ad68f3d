/**
 * Gets a picture onto the GPU as packed RGBA8 for imageToTensor: a video
 * frame, canvas or bitmap goes through copyExternalImageToTexture, then
 * copyTextureToBuffer — GPU to GPU, no CPU readback. Raw RGBA bytes (Node,
 * tests) go through writeTexture into the same texture, so both paths share
 * the texture-to-buffer step and its 256-byte row padding.
 */
import { InputError, InvalidParameterError } from '../errors.js';
import type { GpuContext } from '../gpu/device.js';
import type { PackedImage } from '../kernels/image_to_tensor.js';

/** copyTextureToBuffer's row pitch must be a multiple of 256 bytes. */
const ROW_ALIGNMENT_BYTES = 256;

/** A texture and a storage buffer sized to the last picture; reused while the size stays. */
export class ImageFrame implements PackedImage {
  width = 0;
  height = 0;
  rowPixels = 0;
  private texture: GPUTexture | undefined;
  private packed: GPUBuffer | undefined;

  constructor(
    private readonly ctx: GpuContext,
    private readonly label = 'image frame',
  ) {}

  /** The packed pixels (valid after the first copy). */
  get buffer(): GPUBuffer {
    if (!this.packed) throw new InvalidParameterError('frame', 'no picture was copied in yet');
    return this.packed;
  }

  /**
   * Copies a video frame, canvas, image or bitmap. `width`/`height` default
   * to the source's natural size.
   *
   * @example frame.copyExternal(video); // then imageToTensor(frame, …, frame.buffer, input)
   */
  copyExternal(source: GPUCopyExternalImageSource, width = naturalWidth(source), height = naturalHeight(source)): void {
    this.resize(width, height);
    const { device } = this.ctx;
    device.queue.copyExternalImageToTexture({ source }, { texture: this.texture! }, [width, height]);
    this.packTexture();
  }

  /** Copies tightly packed RGBA bytes (width × height × 4). */
  writePixels(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): void {
    if (rgba.length !== width * height * 4) throw new InvalidParameterError('rgba', `expected ${width}×${height}×4 = ${width * height * 4} bytes, got ${rgba.length}`);
    this.resize(width, height);
    this.ctx.device.queue.writeTexture({ texture: this.texture! }, rgba as Uint8Array<ArrayBuffer>, { bytesPerRow: width * 4, rowsPerImage: height }, [width, height]);
    this.packTexture();
  }

  /**
   * Copies an `rgba8unorm` (or `-srgb`) 2-D texture of this device that has
   * COPY_SRC usage — a render target, a decoded video texture — GPU to GPU.
   *
   * @example frame.copyTexture(renderTarget); // then preprocessImage(ctx, frame, recipe)
   */
  copyTexture(texture: GPUTexture): void {
    const label = texture.label ? `texture "${texture.label}"` : 'texture';
    if (texture.format !== 'rgba8unorm' && texture.format !== 'rgba8unorm-srgb') {
      throw new InputError('image', `${label} is ${texture.format}; the preprocessing reads rgba8unorm textures (copy a canvas or video with copyExternal instead)`);
    }
    if (texture.dimension !== '2d' || texture.depthOrArrayLayers !== 1) throw new InputError('image', `${label} must be one 2-D layer, got ${texture.dimension} × ${texture.depthOrArrayLayers}`);
    if ((texture.usage & GPUTextureUsage.COPY_SRC) === 0) throw new InputError('image', `${label} lacks GPUTextureUsage.COPY_SRC: create it with COPY_SRC so it can be copied`);
    this.resize(texture.width, texture.height);
    const encoder = this.ctx.device.createCommandEncoder({ label: `${this.label} from texture` });
    encoder.copyTextureToBuffer({ texture }, { buffer: this.packed!, bytesPerRow: this.rowPixels * 4, rowsPerImage: this.height }, [this.width, this.height]);
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  destroy(): void {
    this.texture?.destroy();
    this.packed?.destroy();
    this.texture = undefined;
    this.packed = undefined;
    this.width = this.height = this.rowPixels = 0;
  }

  private resize(width: number, height: number): void {
    const max = this.ctx.limits.maxTextureDimension2D;
    for (const [name, v] of [['width', width], ['height', height]] as const) {
      if (!Number.isInteger(v) || v < 1 || v > max) throw new InvalidParameterError(name, `must be an integer from 1 to ${max}, got ${v}`);
    }
    if (width === this.width && height === this.height && this.texture) return;
    this.destroy();
    const { device } = this.ctx;
    this.width = width;
    this.height = height;
    this.rowPixels = Math.ceil((width * 4) / ROW_ALIGNMENT_BYTES) * (ROW_ALIGNMENT_BYTES / 4);
    this.texture = device.createTexture({
      label: `${this.label} texture`,
      size: [width, height],
      format: 'rgba8unorm',
      // RENDER_ATTACHMENT: copyExternalImageToTexture requires it
      usage: GPUTextureUsage.COPY_DST | GPUTextureUsage.COPY_SRC | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.RENDER_ATTACHMENT,
    });
    this.packed = device.createBuffer({ label: `${this.label} pixels`, size: this.rowPixels * height * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  }

  private packTexture(): void {
    const { device } = this.ctx;
    const encoder = device.createCommandEncoder({ label: `${this.label} pack` });
    encoder.copyTextureToBuffer({ texture: this.texture! }, { buffer: this.packed!, bytesPerRow: this.rowPixels * 4, rowsPerImage: this.height }, [this.width, this.height]);
    device.queue.submit([encoder.finish()]);
  }
}

function naturalWidth(source: GPUCopyExternalImageSource): number {
  if ('videoWidth' in source) return source.videoWidth;
  if ('naturalWidth' in source) return source.naturalWidth;
  if ('displayWidth' in source) return source.displayWidth;
  return source.width;
}

function naturalHeight(source: GPUCopyExternalImageSource): number {
  if ('videoHeight' in source) return source.videoHeight;
  if ('naturalHeight' in source) return source.naturalHeight;
  if ('displayHeight' in source) return source.displayHeight;
  return source.height;
}
