import { it } from 'vitest';
import { Rng, relativeL2 } from '../helpers/random.js';
import { GRAPH_KINDS, randomGraph, randomInputs, randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';
it('cond', () => {
  const worst: [number, string][] = [];
  for (const kind of GRAPH_KINDS) for (let i = 0; i < 200; i++) {
    const rng = new Rng(i + 1);
    const g = randomGraph(rng, kind);
    const w = randomWeights(g, rng); const x = randomInputs(g, rng);
    const p = new Rng(99);
    const jig = (a: Float32Array) => Float32Array.from(a, (v) => v * (1 + (p.next() - 0.5) * 2 ** -22));
    const w2 = new Map([...w].map(([k, v]) => [k, jig(v)]));
    const x2 = new Map([...x].map(([k, v]) => [k, jig(v)]));
    const a = runGraphRef(g, w, x), b = runGraphRef(g, w2, x2);
    let e = 0; for (const [k, v] of a) e = Math.max(e, relativeL2(b.get(k)!, v));
    worst.push([e, `${kind} ${i + 1} outs ${g.outputs.map(o => o.name + '[' + g.tensors[o.tensor]!.shape + ']').join(' ')}`]);
  }
  worst.sort((a, b) => b[0] - a[0]);
  console.log(worst.slice(0, 15).map(([e, s]) => e.toExponential(2) + ' ' + s).join('\n'));
});
