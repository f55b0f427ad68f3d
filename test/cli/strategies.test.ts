/** --strategy takes `auto` and exactly the kernels' conv strategies (their one list), in its order. */
import { describe, expect, it } from 'vitest';
import { parseStrategy, STRATEGIES, strategyOption } from '../../src/cli/command.js';
import { UsageError } from '../../src/cli/usage_error.js';
import { CONV_STRATEGIES } from '../../src/kernels/conv2d.js';

describe('--strategy', () => {
  it('lists auto, then every CONV_STRATEGIES key', () => {
    expect(STRATEGIES).toEqual(['auto', ...Object.keys(CONV_STRATEGIES)]);
    expect(STRATEGIES).toEqual(['auto', 'direct', 'im2col', 'pointwise', 'depthwise', 'implicit_gemm']);
    expect(strategyOption.help).toContain('auto|direct|im2col|pointwise|depthwise|implicit_gemm');
  });

  it('parses each of them, defaults to auto, and names them all when refusing another', () => {
    for (const s of STRATEGIES) expect(parseStrategy(s)).toBe(s);
    expect(parseStrategy(undefined)).toBe('auto');
    expect(() => parseStrategy('fast')).toThrow(new UsageError('--strategy must be one of auto, direct, im2col, pointwise, depthwise, implicit_gemm, got "fast"'));
  });
});
