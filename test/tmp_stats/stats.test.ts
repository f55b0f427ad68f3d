import { it } from 'vitest';
import { summary } from '../../src/graph/summary.js';
import { Rng } from '../../test/helpers/random.js';
import { GRAPH_KINDS, randomGraph } from '../../test/helpers/random_graph.js';
it('stats', () => {
  for (const kind of GRAPH_KINDS) {
    const macs: number[] = []; const nodes: number[] = [];
    for (let i = 0; i < 200; i++) { const g = randomGraph(new Rng(i + 1), kind); macs.push(summary(g).totalMacs); nodes.push(g.nodes.length); }
    macs.sort((a, b) => a - b);
    console.log(kind, 'macs median', macs[100], 'p90', macs[180], 'max', macs[199], 'nodes avg', nodes.reduce((a, b) => a + b) / 200);
  }
});
