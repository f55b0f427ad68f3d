/**
 * The bench page's "auto" mark per conv layer is what compile() runs there:
 * for each adapter class, the strategy the choose-strategy pass gives the
 * layer (pure, no GPU).
 */
import { describe, expect, test } from 'vitest';
import { autoMark } from '../../src/bench/auto_mark.js';
import type { DeviceClass } from '../../src/gpu/device.js';
import { lower, type ConvNode } from '../../src/graph/exec_graph.js';
import { runPasses } from '../../src/graph/passes/index.js';
import { convShapeOf } from '../../src/graph/passes/choose_strategy.js';
import type { Conv2dShape } from '../../src/kernels/conv2d_shape.js';
import { randomWeights } from '../../src/models/random_weights.js';
import { zooModel } from '../../src/models/zoo.js';

/** LeNet-5's C5 as the bench sees it: 5×5×16 → 120, 5×5 kernel, one output pixel. */
const C5: Conv2dShape = {
  batch: 1, inChannels: 16, inHeight: 5, inWidth: 5, outChannels: 120, kernelHeight: 5, kernelWidth: 5,
  strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, groups: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, pad: 0, outHeight: 1, outWidth: 1,
};

describe('autoMark', () => {
  test('LeNet-5 C5: implicit_gemm by the GPU rules, direct by the CPU-emulation rules, and the label says which', () => {
    expect(autoMark(C5, 'gpu')).toEqual({ candidate: 'implicit_gemm', deviceClass: 'gpu', label: 'auto (GPU rules)' });
    expect(autoMark(C5, 'cpu')).toEqual({ candidate: 'direct', deviceClass: 'cpu', label: 'auto (CPU-emulation rules)' });
  });

  test.each(['lenet5', 'mobilenet_v2', 'resnet18'])('%s: the mark is the strategy compile gives each conv, on either adapter class', (id) => {
    const graph = zooModel(id).build({ inputSize: 32 });
    const lowered = lower(graph, randomWeights(graph, 1));
    const chosen = new Set<string>();
    for (const deviceClass of ['gpu', 'cpu'] as DeviceClass[]) {
      const exec = runPasses(lowered, { deviceClass }, []);
      for (const node of exec.nodes.filter((n): n is ConvNode => n.kind === 'conv')) {
        expect(autoMark(convShapeOf(exec, node), deviceClass).candidate, `${node.name} ${deviceClass}`).toBe(node.strategy);
        chosen.add(`${deviceClass}:${node.strategy}`);
      }
    }
    // the CPU rules run no GEMM strategy: barrier-heavy tiles lose on an emulator
    expect([...chosen].filter((c) => c.startsWith('cpu:') && c !== 'cpu:direct' && c !== 'cpu:depthwise')).toEqual([]);
  });
});
