import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { ImageFrame } from '../../src/image/frame.js';
import { testContext } from '../helpers/gpu.js';

describe('ImageFrame', () => {
  it('rejects a byte count that does not match the size', async () => {
    const ctx = await testContext();
    const frame = new ImageFrame(ctx);
    expect(() => frame.writePixels(new Uint8Array(10), 2, 2)).toThrow(InvalidParameterError);
    expect(() => frame.buffer).toThrow(InvalidParameterError);
  });
});
