/** The per-shape winners table from autotune's report and stored timings (pure bookkeeping, no GPU). */
import { describe, expect, test } from 'vitest';
import type { AutotuneReport } from '../../src/autotune/autotune.js';
import type { AutotuneDocument } from '../../src/autotune/store.js';
import { mergeWinnerRows, shortShape, winnerCounts, winnerRows, winnersTable } from '../../src/bench/winners.js';
import { Rng } from '../helpers/random.js';

const A = 'google|swiftshader|x';
const DW = 'n1 in28x28x96 out96 k3x3 s2x2 d1x1 p1,1,1,1 g96';
const PW = 'n1 in14x14x96 out24 k1x1 s1x1 d1x1 p0,0,0,0 g1';

function fixture(rng: Rng) {
  // random medians, the winner strictly fastest among the correct ones; 'direct' on PW faster but wrong
  const dwWin = 1 + rng.next();
  const dwDirect = dwWin * (1.5 + rng.next());
  const pwWin = 2 + rng.next();
  const pwAuto = pwWin * (1.2 + rng.next());
  const pwTile = pwWin * (1.05 + rng.next() * 0.1);
  const document: AutotuneDocument = {
    version: 1,
    adapters: {
      [A]: {
        [DW]: { strategy: 'depthwise', timings: { depthwise: dwWin, direct: dwDirect }, measuredAt: '' },
        [PW]: { strategy: 'pointwise', tile: '4x256', timings: { 'pointwise/4x256': pwWin, direct: pwAuto, 'pointwise/64x64': pwTile, im2col: pwWin / 2 }, incorrect: ['im2col'], measuredAt: '' },
      },
    },
  };
  const report: AutotuneReport = {
    adapter: A,
    measured: [DW, PW],
    cached: [],
    layers: {
      conv1: { shape: DW, auto: 'depthwise', chosen: 'depthwise', strategy: 'depthwise', cached: false },
      conv2: { shape: PW, auto: 'direct', chosen: 'pointwise/4x256', strategy: 'pointwise', tile: '4x256', cached: false },
      conv3: { shape: PW, auto: 'direct', chosen: 'pointwise/4x256', strategy: 'pointwise', tile: '4x256', cached: false },
    },
  };
  return { document, report, dwWin, dwDirect, pwWin, pwAuto, pwTile };
}

describe('winnerRows', () => {
  test('one row per shape: winner, runner-up among the correct candidates, and what auto lost', () => {
    const f = fixture(new Rng(3));
    const rows = winnerRows(f.report, f.document, 'net');
    expect(rows).toHaveLength(2);
    const dw = rows.find((r) => r.shape === DW)!;
    expect(dw).toMatchObject({ layers: 1, winner: 'depthwise', runnerUp: 'direct', auto: 'depthwise', models: ['net'] });
    expect(dw.runnerUpRatio).toBeCloseTo(f.dwDirect / f.dwWin, 12);
    expect(dw.autoRatio).toBe(1);
    const pw = rows.find((r) => r.shape === PW)!;
    // im2col was faster but its output differed: never the runner-up
    expect(pw).toMatchObject({ layers: 2, winner: 'pointwise/4x256', runnerUp: 'pointwise/64x64', auto: 'direct' });
    expect(pw.runnerUpRatio).toBeCloseTo(f.pwTile / f.pwWin, 12);
    expect(pw.autoRatio).toBeCloseTo(f.pwAuto / f.pwWin, 12);
  });

  test('merging two models counts layers once per shape and lists both models', () => {
    const f = fixture(new Rng(5));
    const merged = mergeWinnerRows([...winnerRows(f.report, f.document, 'a'), ...winnerRows(f.report, f.document, 'b')]);
    expect(merged).toHaveLength(2);
    expect(merged.find((r) => r.shape === PW)).toMatchObject({ layers: 4, models: ['a', 'b'] });
    expect(winnerCounts(merged)).toMatch(/^(depthwise 1, pointwise\/4x256 1|pointwise\/4x256 1, depthwise 1)$/);
  });

  test('table rows say the shape briefly', () => {
    const f = fixture(new Rng(7));
    const table = winnersTable(winnerRows(f.report, f.document));
    expect(table).toHaveLength(4);
    expect(shortShape(DW)).toBe('28×28×96 → 96, 3×3/2 dw');
    expect(shortShape(PW)).toBe('14×14×96 → 24, 1×1/1');
    expect(table.join('\n')).toContain('| 14×14×96 → 24, 1×1/1 | 2 | pointwise/4x256 |');
  });
});
