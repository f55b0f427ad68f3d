import { describe, expect, it } from 'vitest';
import { resizeCenterCropRect } from '../../src/image/preprocessing.js';

describe('preprocessing recipes', () => {
  it('computes torchvision Resize + CenterCrop rectangles (short side, truncated long side, round-half-even offsets)', () => {
    // 640×480 → 341×256, crop offsets (58.5 → 58, 16)
    const [x, y, w, h] = resizeCenterCropRect(640, 480, 256, 224);
    expect(x).toBeCloseTo((58 * 640) / 341, 10);
    expect(y).toBeCloseTo(16 * 1.875, 10);
    expect(w).toBeCloseTo((224 * 640) / 341, 10);
    expect(h).toBeCloseTo(420, 10);
    // portrait: 300×500 → 256×426, offsets (16, 101)
    const r = resizeCenterCropRect(300, 500, 256, 224);
    expect(r[0]).toBeCloseTo(16 * (300 / 256), 10);
    expect(r[1]).toBeCloseTo(101 * (500 / 426), 10);
  });
});
