/**
 * Every zoo model's parameters survive a safetensors round trip through our
 * writer and reader and match the graph by name and shape (CPU only).
 */
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { randomWeights } from '../../src/models/random_weights.js';
import { weightsForGraph } from '../../src/models/weights.js';
import { ZOO } from '../../src/models/zoo.js';

describe('zoo safetensors round trip', () => {
  for (const entry of ZOO) {
    it(entry.id, () => {
      // small inputs keep it fast; the original AlexNet needs ≥ 99 pixels for its three pools
      const graph = entry.build({ inputSize: entry.inputChannels === 1 ? 32 : entry.id === 'alexnet_original' ? 99 : 64 });
      const weights = randomWeights(graph, 5);
      const tensors = new Map([...weights].map(([name, data]) => [name, { shape: graph.parameters.get(name)!.shape, data }] as const));
      const loaded = weightsForGraph(graph, readSafetensors(writeSafetensors(tensors)));
      expect([...loaded.keys()].sort()).toEqual([...graph.parameters.keys()].sort());
      // byte comparison: element-wise deep equality is far too slow for 100 M floats
      const mismatched = [...loaded].filter(([name, data]) => {
        const original = weights.get(name)!;
        return Buffer.compare(Buffer.from(data.buffer, data.byteOffset, data.byteLength), Buffer.from(original.buffer, original.byteOffset, original.byteLength)) !== 0;
      });
      expect(mismatched.map(([name]) => name)).toEqual([]);
    }, 120_000);
  }
});
