/**
 * GoogLeNet, MobileNet v1/v2 and EfficientNet-B0…B7 from the zoo: parameter
 * counts, names and shapes against torchvision 0.14
 * (test/fixtures/torchvision_keys/*.json, made by
 * test/fixtures/torchvision_keys.py), output shapes at standard and reduced
 * resolutions, and small numeric runs against the float64 interpreter with
 * random weights.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEVICE_CLASSES, expectMatchesReference, type GemmStrategy } from '../helpers/graph_check.js';
import type { Graph } from '../../src/graph/ir.js';
import { summary } from '../../src/graph/summary.js';
import {
  EFFICIENTNET_SCALING,
  efficientnetB0,
  efficientnetB1,
  efficientnetB2,
  efficientnetB3,
  efficientnetB4,
  efficientnetB5,
  efficientnetB6,
  efficientnetB7,
} from '../../src/models/efficientnet.js';
import { GOOGLENET_AUX_PREFIXES, googlenet } from '../../src/models/googlenet.js';
import { makeDivisible, mobilenetV1, mobilenetV2 } from '../../src/models/mobilenet.js';
import type { ModelOptions } from '../../src/models/options.js';

type Builder = (o?: ModelOptions) => Graph;

/** Each model by torchvision's name, with torchvision's parameter count (GoogLeNet without aux heads) and standard size. */
const TORCHVISION: Record<string, [Builder, number, number]> = {
  googlenet: [googlenet, 6_624_904, 224],
  mobilenet_v2: [mobilenetV2, 3_504_872, 224],
  efficientnet_b0: [efficientnetB0, 5_288_548, 224],
  efficientnet_b1: [efficientnetB1, 7_794_184, 240],
  efficientnet_b2: [efficientnetB2, 9_109_994, 260],
  efficientnet_b3: [efficientnetB3, 12_233_232, 300],
  efficientnet_b4: [efficientnetB4, 19_341_616, 380],
  efficientnet_b5: [efficientnetB5, 30_389_784, 456],
  efficientnet_b6: [efficientnetB6, 43_040_704, 528],
  efficientnet_b7: [efficientnetB7, 66_347_960, 600],
};

interface Entry {
  name: string;
  shape: number[];
  learnable: boolean;
}

function torchvisionKeys(model: string): { parameters: number; state_dict: Entry[] } {
  return JSON.parse(readFileSync(new URL(`../fixtures/torchvision_keys/${model}.json`, import.meta.url), 'utf8')) as { parameters: number; state_dict: Entry[] };
}

const entries = (graph: Graph): Entry[] => [...graph.parameters.values()].map((p) => ({ name: p.name, shape: [...p.shape], learnable: p.learnable }));

const outputShape = (graph: Graph): readonly number[] => graph.tensors[graph.outputs[0]!.tensor]!.shape;

const isAux = (name: string): boolean => GOOGLENET_AUX_PREFIXES.some((p) => name.startsWith(p));

describe('torchvision twins', () => {
  for (const [model, [build, count, size]] of Object.entries(TORCHVISION)) {
    it(`${model}: ${count.toLocaleString('en-US')} parameters, torchvision's names and shapes, ${size}×${size}`, () => {
      const graph = build();
      const reference = torchvisionKeys(model);
      // the fixture is torchvision's default model: GoogLeNet's includes the aux heads
      const expected = reference.state_dict.filter((e) => model !== 'googlenet' || !isAux(e.name));
      if (model !== 'googlenet') expect(reference.parameters).toBe(count);
      expect(summary(graph).totalParameters).toBe(count);
      expect(entries(graph)).toEqual(expected);
      expect(graph.inputs.map((i) => i.name)).toEqual(['image']);
      expect(graph.tensors[graph.inputs[0]!.tensor]!.shape).toEqual([1, 3, size, size]);
      expect(graph.outputs.map((o) => o.name)).toEqual(['logits']);
      expect(outputShape(graph)).toEqual([1, 1000]);
    });
  }

  it("googlenet: the aux prefixes are exactly the fixture's extra keys", () => {
    const ours = new Set(googlenet().parameters.keys());
    const extra = torchvisionKeys('googlenet').state_dict.filter((e) => !ours.has(e.name));
    expect(extra.length).toBeGreaterThan(0);
    expect(extra.filter((e) => !isAux(e.name))).toEqual([]);
  });

  it('mobilenet_v2 width multipliers: torchvision counts (0.5, 0.75, 1.4) and a 1792-wide head at 1.4', () => {
    // mobilenet_v2(width_mult=w) in torchvision 0.14
    expect(summary(mobilenetV2({ widthMult: 0.5 })).totalParameters).toBe(1_968_680);
    expect(summary(mobilenetV2({ widthMult: 0.75 })).totalParameters).toBe(2_636_424);
    const wide = mobilenetV2({ widthMult: 1.4 });
    expect(summary(wide).totalParameters).toBe(6_108_776);
    expect(wide.parameters.get('classifier.1.weight')!.shape).toEqual([1000, 1792]);
  });

  it("makeDivisible rounds as torchvision's _make_divisible", () => {
    expect([32, 35.2, 38.4, 44.8, 4, 12, 13.5, 1280 * 1.4].map((v) => makeDivisible(v))).toEqual([32, 32, 40, 48, 8, 16, 16, 1792]);
  });

  it('efficientnet: BN eps 1e-5 for B0–B4, 1e-3 for B5–B7, as torchvision', () => {
    for (const [variant, build] of [['b0', efficientnetB0], ['b4', efficientnetB4], ['b5', efficientnetB5], ['b7', efficientnetB7]] as const) {
      const eps = new Set(build({ inputSize: 32 }).nodes.flatMap((n) => (n.op === 'batchnorm' ? [n.epsilon] : [])));
      expect([...eps]).toEqual([EFFICIENTNET_SCALING[variant].epsilon]);
    }
    expect(EFFICIENTNET_SCALING.b4.epsilon).toBe(1e-5);
    expect(EFFICIENTNET_SCALING.b5.epsilon).toBe(1e-3);
  });
});

describe('mobilenet v1', () => {
  it("α = 1: 4,231,976 parameters (the paper's 4.2 M) and 569 M mult-adds, documented names", () => {
    const graph = mobilenetV1();
    expect(summary(graph).totalParameters).toBe(4_231_976);
    expect(Math.round(summary(graph).totalMacs / 1e6)).toBe(569);
    expect(outputShape(graph)).toEqual([1, 1000]);
    const names = [...graph.parameters.keys()];
    expect(names.slice(0, 6)).toEqual([
      'features.0.conv.weight',
      'features.0.bn.weight',
      'features.0.bn.bias',
      'features.0.bn.running_mean',
      'features.0.bn.running_var',
      'features.1.dw.conv.weight',
    ]);
    expect(graph.parameters.get('features.1.dw.conv.weight')!.shape).toEqual([32, 1, 3, 3]);
    expect(graph.parameters.get('features.13.pw.conv.weight')!.shape).toEqual([1024, 1024, 1, 1]);
    expect(names.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
    expect(names.filter((n) => n.endsWith('.conv.weight'))).toHaveLength(27);
  });

  // the paper's Table 6: 4.2, 2.6, 1.3, 0.5 million parameters; 569, 325, 149, 41 million mult-adds
  for (const [alpha, millions, macs] of [[0.75, 2.6, 325], [0.5, 1.3, 149], [0.25, 0.5, 41]] as const) {
    it(`α = ${alpha}: ${millions} M parameters, ${macs} M mult-adds, widths scaled by α`, () => {
      const graph = mobilenetV1({ alpha });
      expect(Math.round(summary(graph).totalParameters / 1e5) / 10).toBe(millions);
      expect(Math.round(summary(graph).totalMacs / 1e6)).toBe(macs);
      expect(graph.parameters.get('features.0.conv.weight')!.shape).toEqual([32 * alpha, 3, 3, 3]);
      expect(graph.parameters.get('fc.weight')!.shape).toEqual([1000, 1024 * alpha]);
    });
  }

  it('rejects a non-positive α', () => {
    expect(() => mobilenetV1({ alpha: 0 })).toThrow(/alpha must be positive/);
  });
});

describe('reduced inputs', () => {
  const cases: [string, Builder, number][] = [
    ['googlenet', googlenet, 32],
    ['googlenet', googlenet, 97],
    ['mobilenet_v1', (o) => mobilenetV1({ ...o, alpha: 0.25 }), 32],
    ['mobilenet_v2', mobilenetV2, 32],
    ['mobilenet_v2', mobilenetV2, 75],
    ['efficientnet_b0', efficientnetB0, 32],
    ['efficientnet_b3', efficientnetB3, 33],
    ['efficientnet_b7', efficientnetB7, 64],
  ];
  for (const [model, build, size] of cases) {
    it(`${model}: batch 3, ${size}×${size}, 10 classes`, () => {
      const graph = build({ batch: 3, inputSize: size, numClasses: 10 });
      expect(graph.tensors[graph.inputs[0]!.tensor]!.shape).toEqual([3, 3, size, size]);
      expect(outputShape(graph)).toEqual([3, 10]);
    });
  }

  it('googlenet at 224: 7×7×1024 before the pool, as torchvision', () => {
    const layers = summary(googlenet()).layers;
    expect(layers.find((l) => l.name === 'avgpool')!.outputShape).toEqual([1, 1024, 1, 1]);
    const concat = layers.filter((l) => l.op === 'concat').at(-1)!;
    expect(concat.outputShape).toEqual([1, 1024, 7, 7]);
  });
});

describe('numerics: GPU executor vs float64 interpreter, random weights', () => {
  // gemm: run under the 'gpu' rules too (batch 2), with the strategies that must then appear
  const runs: [string, Graph, number, (readonly GemmStrategy[])?][] = [
    ['mobilenet_v2 batch 2, 32×32', mobilenetV2({ batch: 2, inputSize: 32 }), 11, ['pointwise']],
    ['efficientnet_b0 32×32', efficientnetB0({ inputSize: 32 }), 12],
    ['googlenet 64×64', googlenet({ inputSize: 64 }), 13],
  ];
  for (const deviceClass of DEVICE_CLASSES) {
    for (const [label, graph, seed, gemm] of runs.filter((r) => deviceClass === 'cpu' || r[3])) {
      it(`${label}, ${deviceClass} rules`, () => expectMatchesReference(graph, seed, { deviceClass }, { gemm: gemm ?? [] }));
    }
  }
});
