/**
 * Decompression and read bombs: forged image headers, pixel data cut short,
 * devices, pipes and directories as --input, raw files of the wrong size and
 * bench shapes no device can hold are refused from their headers and stat
 * before anything is allocated, each with its exit code and a stderr line
 * that names the problem. Real images of every PNG layout still decode.
 * And stdout carries the results only, whatever native code prints.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngInflatedBytes } from '../../src/cli/image_header.js';
import { decodeImage } from '../../src/cli/image_input.js';
import { MAX_IMAGE_PIXELS } from '../../src/cli/input_limits.js';
import { InputFileError } from '../../src/cli/usage_error.js';
import { Rng } from '../helpers/random.js';
import { bytesOf, cli, cliInProcess } from './helpers.js';

let dir: string;
const file = (name: string) => `${dir}/${name}`;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** A PNG from its parts, CRCs right: what a forger writes. IDAT omitted when `idat` is undefined. */
function pngFile(width: number, height: number, idat: Uint8Array | undefined, { colorType = 2, interlace = 0 } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  ihdr[12] = interlace;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), ...(idat ? [chunk('IDAT', idat)] : []), chunk('IEND', new Uint8Array(0))]);
}

/** Raw image data for an Adam7-interlaced RGB PNG: each pass's rows, filter byte 0. */
function adam7Rows(width: number, height: number, rgb: Uint8Array): Buffer {
  const rows: number[] = [];
  for (const [x0, y0, dx, dy] of [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const) {
    if (x0 >= width || y0 >= height) continue;
    for (let y = y0; y < height; y += dy) {
      rows.push(0);
      for (let x = x0; x < width; x += dx) rows.push(...rgb.subarray(3 * (y * width + x), 3 * (y * width + x) + 3));
    }
  }
  return Buffer.from(rows);
}

function jpegFile(width: number, height: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const data = new Uint8Array(width * height * 4).map(() => rng.int(0, 255));
  return jpeg.encode({ width, height, data }, 90).data;
}

beforeAll(() => {
  dir = mkdtempSync(`${tmpdir()}/webgpu-cnn-bombs-`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The exit code, and the error (stderr's last line; a random-weights notice may come before it) naming the problem. */
async function refused(args: readonly string[], code: number, ...names: (string | RegExp)[]) {
  const r = await cliInProcess([...args, '-q']);
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  const error = r.stderr.trim().split('\n').at(-1)!;
  for (const name of names) expect(error, r.stderr).toMatch(name);
}

describe('forged and truncated images: exit 2 before any decoder allocates', () => {
  it('a 66-byte PNG header declaring 20000×20000 is over the pixel limit (also through the real executable)', async () => {
    const bomb = pngFile(20000, 20000, deflateSync(new Uint8Array(1)));
    expect(bomb.length).toBeLessThan(70);
    writeFileSync(file('bomb.png'), bomb);
    await refused(['run', 'lenet5', '--input', file('bomb.png')], 2, 'bomb.png', '20000×20000', 'megapixels', `${MAX_IMAGE_PIXELS / 1e6}`);
    const r = await cli(['run', 'lenet5', '--input', file('bomb.png'), '-q']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('megapixels');
  });

  it('a JPEG frame header declaring 9000×9000 is over the pixel limit', async () => {
    const bytes = new Uint8Array(jpegFile(16, 16, 1));
    // the SOF0 segment: FF C0, length, precision, then height and width
    const sof = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xc0);
    bytes.set([9000 >> 8, 9000 & 255, 9000 >> 8, 9000 & 255], sof + 5);
    writeFileSync(file('bomb.jpg'), bytes);
    await refused(['run', 'lenet5', '--input', file('bomb.jpg')], 2, 'bomb.jpg', '9000×9000', 'megapixels');
  });

  it('a PNG whose pixel data is 100 zero bytes (raw, or a valid zlib stream of them) is truncated, not garbage', async () => {
    writeFileSync(file('zeros.png'), pngFile(300, 200, new Uint8Array(100)));
    writeFileSync(file('zlib_zeros.png'), pngFile(300, 200, deflateSync(new Uint8Array(100))));
    writeFileSync(file('no_idat.png'), pngFile(300, 200, undefined));
    await refused(['run', 'lenet5', '--input', file('zeros.png')], 2, 'zeros.png', 'truncated');
    await refused(['run', 'lenet5', '--input', file('zlib_zeros.png')], 2, 'zlib_zeros.png', 'truncated', `100 of the ${200 * (1 + 300 * 3)} bytes`);
    await refused(['run', 'lenet5', '--input', file('no_idat.png')], 2, 'no_idat.png', 'no pixel data');
  });

  it('a PNG or JPEG cut in half is truncated', async () => {
    const rng = new Rng(2);
    const png = new pngjs.PNG({ width: 64, height: 48 });
    png.data.set(png.data.map(() => rng.int(0, 255)));
    const full = pngjs.PNG.sync.write(png);
    writeFileSync(file('half.png'), full.subarray(0, full.length >> 1));
    writeFileSync(file('header_only.png'), full.subarray(0, 33));
    const photo = jpegFile(64, 48, 3);
    writeFileSync(file('half.jpg'), photo.subarray(0, photo.length >> 1));
    writeFileSync(file('no_eoi.jpg'), photo.subarray(0, photo.length - 2));
    for (const name of ['half.png', 'header_only.png', 'half.jpg', 'no_eoi.jpg']) await refused(['run', 'lenet5', '--input', file(name)], 2, name, 'truncated');
  });

  it('an image of every PNG layout the header checks know, and a JPEG, decode to their pixels', async () => {
    const rng = new Rng(4);
    const [width, height] = [13, 7];
    const rgb = new Uint8Array(width * height * 3).map(() => rng.int(0, 255));
    // the seven Adam7 passes, sized by the same rule the truncation check uses
    const rows = adam7Rows(width, height, rgb);
    expect(pngInflatedBytes({ width, height, bitDepth: 8, colorType: 2, interlaced: true })).toBe(rows.length);
    const interlaced = await decodeImage(pngFile(width, height, deflateSync(rows), { interlace: 1 }), 'interlaced.png');
    expect([...interlaced.data].map((v) => Math.round(v * 255))).toEqual([...rgb]);

    for (const [colorType, inputColorType, bitDepth] of [[0, 0, 8], [2, 2, 8], [4, 4, 8], [6, 6, 8], [6, 6, 16], [2, 2, 16]] as const) {
      const png = new pngjs.PNG({ width, height, colorType, inputColorType, bitDepth, inputHasAlpha: true });
      for (let i = 0; i < width * height; i++) png.data.set([...rgb.subarray(3 * i, 3 * i + 3), 255], 4 * i);
      const bytes = new Uint8Array(pngjs.PNG.sync.write(png, { colorType, inputColorType: 6, bitDepth }));
      const image = await decodeImage(bytes, `type${colorType}_${bitDepth}.png`);
      expect([image.width, image.height]).toEqual([width, height]);
    }
    const photo = await decodeImage(jpegFile(40, 24, 5), 'photo.jpg');
    expect([photo.width, photo.height]).toEqual([40, 24]);
  });

  it('the refusals are typed: InputFileError with a reason', async () => {
    await expect(decodeImage(pngFile(20000, 20000, new Uint8Array(1)), 'x.png')).rejects.toMatchObject({ name: 'InputFileError', reason: 'too-many-pixels' });
    const error = await decodeImage(pngFile(30, 30, deflateSync(new Uint8Array(10))), 'x.png').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as InputFileError).reason).toBe('truncated');
  });
});

describe('input files: regular files of the right size only, checked by stat before reading', () => {
  it('/dev/zero, a FIFO and a directory are refused at once (no read, no wait for a writer)', async () => {
    await refused(['run', 'lenet5', '--input', '/dev/zero'], 2, '/dev/zero', 'character device', 'not a regular file');
    execFileSync('mkfifo', [file('pipe.f32')]);
    await refused(['run', 'lenet5', '--input', file('pipe.f32')], 2, 'pipe.f32', 'pipe (FIFO)');
    mkdirSync(file('folder.f32'));
    await refused(['run', 'lenet5', '--input', file('folder.f32')], 2, 'folder.f32', 'a directory');
    await refused(['run', 'lenet5', '--input', '/dev/zero', '--input', file('pipe.f32')], 2, '/dev/zero');
    // an image path and a model path go through the same check
    await refused(['run', 'lenet5', '--input', file('folder.f32').replace(/f32$/, 'png')], 2, 'cannot read input image');
    mkdirSync(file('model.onnx'));
    await refused(['run', file('model.onnx'), '--input', '/dev/zero'], 2, 'model.onnx', 'a directory');
  });

  it('a raw file whose size is not the input’s is refused from its size, naming both', async () => {
    writeFileSync(file('short.f32'), new Uint8Array(4 * 1000));
    await refused(['run', 'lenet5', '--input', file('short.f32'), '--shape', '1,1,32,32'], 2, 'short.f32', '1000 floats (4000 bytes)', '1024 floats (4096 bytes)');
    writeFileSync(file('odd.f32'), new Uint8Array(4097));
    await refused(['run', 'lenet5', '--input', file('odd.f32')], 2, 'odd.f32', 'not a whole number of float32 values');
    const { images } = { images: new Rng(6).array(1024) };
    writeFileSync(file('one.f32'), bytesOf(images));
    await refused(['run', 'lenet5', '--input', file('one.f32'), '--input', file('short.f32')], 2, 'one.f32 + ', 'short.f32', 'multiple of 1024 floats');
  });

  it('a --shape too large to allocate is refused before an image is decoded (exit 3)', async () => {
    writeFileSync(file('small.jpg'), jpegFile(32, 32, 7));
    await refused(['run', 'resnet18', '--input', file('small.jpg'), '--shape', '1,3,100000,100000'], 3, '[1, 3, 100000, 100000]', 'GiB');
  });
});

describe('bench checks the shape before making its random input', () => {
  it('[1,3,100000,100000] is refused at once with exit 3, naming the shape and the limit', async () => {
    await refused(['bench', 'resnet18', '--shape', '1,3,100000,100000'], 3, '[1, 3, 100000, 100000]', '111.8 GiB', '2 GiB');
  });

  it('a --shape that is not positive whole numbers is a usage error', async () => {
    await refused(['bench', 'resnet18', '--shape', '1,3,-5,-5'], 1, 'positive whole numbers');
    await refused(['bench', 'resnet18', '--shape', '1,3,1e400,1e400'], 1, '--shape');
  });
});

describe('stdout carries the results only', () => {
  it('run --json: stdout is exactly the JSON; Dawn’s adapter warnings, native writes to fd 1 included, go to stderr', async () => {
    writeFileSync(file('digit.f32'), bytesOf(new Rng(8).array(1024)));
    // a preload that writes to fd 1 from inside the command, as Dawn or a Vulkan driver does natively
    writeFileSync(file('noise.cjs'), "if (process.env.WEBGPU_CNN_RESULTS_FD) require('fs').writeSync(1, 'Warning: native noise on fd 1\\n');\n");
    // without VK_ICD_FILENAMES Dawn tries every installed Vulkan driver and warns about the ones it rejects
    const r = await cli(['run', 'lenet5', '--input', file('digit.f32'), '--json', '-q'], { VK_ICD_FILENAMES: undefined, NODE_OPTIONS: `--require ${file('noise.cjs')}` });
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(r.stdout).toBe(`${JSON.stringify(json, null, 2)}\n`);
    expect(json.outputs.logits.shape).toEqual([1, 10]);
    expect(r.stdout).not.toContain('Warning');
    expect(r.stderr).toContain('Warning: native noise on fd 1');
  });

  it('--version through a pipe: the version alone on stdout', async () => {
    const r = await cli(['--version'], { NODE_OPTIONS: `--require ${file('noise.cjs')}` });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
  });
});
