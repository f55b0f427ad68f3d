/** Compile notices collapsed for the bench page's notes column (pure, no GPU). */
import { describe, expect, test } from 'vitest';
import { collapseNotices, noticeLines } from '../../src/bench/notices.js';
import { lower } from '../../src/graph/exec_graph.js';
import { runPasses } from '../../src/graph/passes/index.js';
import { randomWeights } from '../../src/models/random_weights.js';
import { zooModel } from '../../src/models/zoo.js';

/** The notices compile's passes give MobileNetV2 with `strategy` forced on every conv. */
function forcedNotices(strategy: 'depthwise' | 'pointwise') {
  const graph = zooModel('mobilenet_v2').build({ inputSize: 32 });
  const notices: string[] = [];
  const exec = runPasses(lower(graph, randomWeights(graph, 1)), { strategy, deviceClass: 'cpu' }, notices);
  return { notices, convs: exec.nodes.filter((n) => n.kind === 'conv') };
}

describe('collapseNotices', () => {
  test('fallbacks that differ in layer and numbers become one group; the others keep their order', () => {
    const notices = [
      'conv1: depthwise needs groups == inChannels (1 groups, 3 channels); using direct (auto) instead of depthwise',
      'autotune skipped: strategy "depthwise" is forced for every layer',
      'b2.expand: depthwise needs groups == inChannels (1 groups, 16 channels); using direct (auto) instead of depthwise',
      'b2.project: depthwise needs groups == inChannels (1 groups, 96 channels); using direct (auto) instead of depthwise',
      'b3.expand: pointwise needs a plain 1×1 conv: kernel is 3×3, not 1×1; using direct (auto) instead of pointwise',
      'autotune skipped: strategy "depthwise" is forced for every layer',
    ];
    expect(collapseNotices(notices)).toEqual([
      { count: 3, example: notices[0], subjects: ['conv1', 'b2.expand', 'b2.project'] },
      { count: 2, example: notices[1], subjects: [] },
      { count: 1, example: notices[4], subjects: ['b3.expand'] },
    ]);
  });

  test('different words stay apart even about the same layer', () => {
    const groups = collapseNotices(['c1: using direct (auto) instead of depthwise', 'c1: using direct (auto) instead of pointwise']);
    expect(groups.map((g) => g.count)).toEqual([1, 1]);
  });

  test('MobileNetV2 forced depthwise: one group holding every non-depthwise conv', () => {
    const { notices, convs } = forcedNotices('depthwise');
    const notDepthwise = convs.filter((n) => n.kind === 'conv' && n.attrs.groups === 1).length;
    expect(notDepthwise).toBeGreaterThan(20);
    expect(notices).toHaveLength(notDepthwise);
    const groups = collapseNotices(notices);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.count).toBe(notDepthwise);
    const [line] = noticeLines(notices);
    expect(line).toBe(`${notices[0]} (×${notDepthwise}: ${groups[0]!.subjects.slice(0, 4).join(', ')}, …)`);
  });

  test('MobileNetV2 forced pointwise: every fallback counted once, in as few groups as there are distinct reasons', () => {
    const { notices } = forcedNotices('pointwise');
    const groups = collapseNotices(notices);
    expect(groups.reduce((a, g) => a + g.count, 0)).toBe(notices.length);
    // the reasons besides the layer name and numbers: "kernel is k×k, not 1×1" with or without stride, padding, groups
    const reasons = new Set(notices.map((n) => n.slice(n.indexOf(': ') + 2).replace(/\d+/g, '#')));
    expect(groups).toHaveLength(reasons.size);
    expect(groups.length).toBeLessThan(notices.length / 4);
  });

  test('a lone notice is printed as it is', () => {
    expect(noticeLines(['fc: 1 node(s) that no output depends on were skipped: x'])).toEqual(['fc: 1 node(s) that no output depends on were skipped: x']);
    expect(noticeLines([])).toEqual([]);
  });
});
