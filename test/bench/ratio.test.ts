/** One ratio convention — peer ÷ ours, above 1 ours is faster — in the helpers and in the CLI's comparison table (pure, no GPU). */
import { describe, expect, test } from 'vitest';
import { comparisonRows, comparisonTable } from '../../src/bench/compare.js';
import { RATIO_HEADING, speedup, speedupText } from '../../src/bench/ratio.js';
import { latencyStats } from '../../src/bench/stats.js';

describe('ratio convention', () => {
  test('speedup is the other time over ours; missing or non-positive times give none', () => {
    expect(speedup(12, 4)).toBe(3);
    expect(speedup(2, 8)).toBe(0.25);
    expect(speedup(undefined, 4)).toBeUndefined();
    expect(speedup(3, 0)).toBeUndefined();
    expect(speedup(Number.NaN, 1)).toBeUndefined();
  });

  test('the words follow the number', () => {
    expect(speedupText(3)).toBe('3.00× (ours faster)');
    expect(speedupText(0.25, 'TF.js')).toBe('0.25× (TF.js faster)');
    expect(speedupText(1.004)).toBe('1.00× (even)');
    expect(speedupText(undefined)).toBe('–');
    expect(RATIO_HEADING).toContain('peer ÷ ours');
  });

  test('the CLI table: each row is this ÷ ours, a slower peer reads above 1', () => {
    const ours = latencyStats([4, 4, 4]);
    const tuned = { wallMs: latencyStats([2, 2, 2]), coldMs: 10, relL2: 0, report: {} as never, winners: [], notices: [] };
    const peers = [
      { name: 'ort-web webgpu', available: true, wallMs: latencyStats([10, 10, 10]), relL2: 1e-7, coldMs: 50 },
      { name: 'tfjs webgpu', available: true, wallMs: latencyStats([1, 1, 1]), relL2: 1e-7, coldMs: 50 },
      { name: 'missing', available: false, reason: 'not installed' },
    ];
    const lines = comparisonTable(comparisonRows(ours, tuned, peers, 'ours auto'));
    expect(lines[0]).toContain('this ÷ ours auto (> 1: ours auto faster)');
    const cells = (name: string) => lines.find((l) => l.startsWith(`| ${name} |`))!.split('|').map((c) => c.trim());
    // columns: name, median, p10–p90, ÷ ours auto, ÷ ours tuned
    expect(cells('ours auto').slice(4, 6)).toEqual(['1.00', '2.00']);
    expect(cells('ours tuned').slice(4, 6)).toEqual(['0.50', '1.00']);
    expect(cells('ort-web webgpu').slice(4, 6)).toEqual(['2.50', '5.00']);
    expect(cells('tfjs webgpu').slice(4, 6)).toEqual(['0.25', '0.50']);
    expect(cells('missing')[2]).toBe('n/a: not installed');
  });
});
