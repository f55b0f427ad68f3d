/**
 * The `auto` heuristic per device class, without a device: which class an
 * adapter is, what each class picks, and that the strategy pass threads the
 * class through (a whole MobileNetV2 graph, lowered on the CPU).
 */
import { describe, expect, it } from 'vitest';
import { lower } from '../../src/graph/exec_graph.js';
import { runPasses } from '../../src/graph/passes/index.js';
import { deviceClassOf } from '../../src/gpu/device.js';
import { chooseConvStrategy } from '../../src/kernels/conv2d.js';
import { conv2dShape, type Conv2dParams } from '../../src/kernels/conv2d_shape.js';
import { randomWeights } from '../../src/models/random_weights.js';
import { zooModel } from '../../src/models/zoo.js';
import { Rng } from '../helpers/random.js';

describe('auto conv strategy per device class', () => {
  it('tells CPU-emulated adapters from GPUs', () => {
    expect(deviceClassOf({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' })).toBe('cpu');
    expect(deviceClassOf({ vendor: '', architecture: '', description: 'Google SwiftShader' })).toBe('cpu');
    expect(deviceClassOf({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe('cpu');
    expect(deviceClassOf({ vendor: 'microsoft', architecture: '', description: 'Microsoft Basic Render Driver' })).toBe('cpu');
    expect(deviceClassOf({ vendor: 'nvidia', architecture: 'hopper', description: '', isFallbackAdapter: true })).toBe('cpu');
    expect(deviceClassOf({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' })).toBe('gpu');
    expect(deviceClassOf({ vendor: 'apple', architecture: 'metal-3', description: '' })).toBe('gpu');
    expect(deviceClassOf({ vendor: 'intel', architecture: 'gen-12lp', description: 'Intel(R) Iris(R) Xe Graphics (Hardware)' })).toBe('gpu');
    expect(deviceClassOf({})).toBe('gpu');
  });

  it('picks by shape on a GPU and barrier-free kernels on a CPU', () => {
    const rng = new Rng(5);
    for (let t = 0; t < 200; t++) {
      const k = rng.pick([1, 1, 3, 5, 7]);
      const cin = rng.pick([3, 8, 16, 32, 64, 96, 256]);
      const groups = rng.bool(0.2) ? cin : 1;
      const p: Conv2dParams = {
        batch: 1, inHeight: rng.int(1, 60), inWidth: rng.int(1, 60), inChannels: cin,
        outChannels: groups > 1 ? cin : rng.pick([8, 16, 24, 64, 320]),
        kernelHeight: k, kernelWidth: k, strideH: rng.int(1, 2), strideW: 1, pad: k >> 1, groups,
      };
      const s = conv2dShape(p);
      const gpu = chooseConvStrategy(s, 'gpu');
      const cpu = chooseConvStrategy(s, 'cpu');
      expect(chooseConvStrategy(s)).toBe(gpu);
      if (groups > 1 && groups === cin) {
        expect([gpu, cpu]).toEqual(['depthwise', 'depthwise']);
      } else {
        expect(cpu).toBe('direct');
        const plain1x1 = k === 1 && p.strideH === 1 && p.strideW === 1;
        if (plain1x1) expect(gpu).toBe('pointwise');
        else if (k * k * cin <= 64 || p.outChannels < 32) expect(gpu).toBe('direct');
        else expect(gpu).toBe('implicit_gemm');
      }
    }
  });

  it('the strategy pass uses the class it is given, gpu by default', () => {
    const graph = zooModel('mobilenet_v2').build({ batch: 1, inputSize: 32 });
    const lowered = lower(graph, randomWeights(graph, 3));
    const strategies = (deviceClass?: 'gpu' | 'cpu') => {
      const g = runPasses(lowered, deviceClass ? { deviceClass } : {}, []);
      const counts: Record<string, number> = {};
      for (const n of g.nodes) if (n.kind === 'conv') counts[n.strategy!] = (counts[n.strategy!] ?? 0) + 1;
      return counts;
    };
    const gpu = strategies('gpu');
    expect(strategies()).toEqual(gpu);
    expect(gpu.pointwise).toBeGreaterThan(30);
    const cpu = strategies('cpu');
    expect(cpu.pointwise ?? 0).toBe(0);
    expect(cpu.im2col ?? 0).toBe(0);
    expect(cpu.implicit_gemm ?? 0).toBe(0);
    expect(cpu.depthwise).toBe(gpu.depthwise);
    expect(cpu.direct).toBe((gpu.direct ?? 0) + gpu.pointwise! + (gpu.implicit_gemm ?? 0));
    expect(gpu.im2col ?? 0).toBe(0);
  });
});
