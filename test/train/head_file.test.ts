/**
 * saveHead / loadHead / loadKnnHead (train/head_file.ts): a random dense head
 * and a kNN head round-trip bit for bit; malformed and mismatched files are
 * SafetensorsError or WeightError naming what is wrong. Pure: no device.
 */
import { describe, expect, it } from 'vitest';
import { SafetensorsError, WeightError } from '../../src/errors.js';
import { parseSafetensors, writeSafetensors, type WritableTensor } from '../../src/io/safetensors.js';
import { HEAD_FORMAT_VERSION, HEAD_METADATA_KEY, loadHead, loadKnnHead, saveHead } from '../../src/train/head_file.js';
import { knnHead } from '../../src/train/knn.js';
import { Rng } from '../helpers/random.js';
import { thrown } from '../helpers/thrown.js';
import { randomHead } from '../reference/random_head.js';

/** The file's tensors and description, to rewrite one part of them. */
function parts(bytes: Uint8Array): { tensors: Map<string, WritableTensor>; description: Record<string, unknown> } {
  const file = parseSafetensors(bytes);
  const tensors = new Map(file.names.map((n) => [n, { shape: file.entries.get(n)!.shape, data: Float32Array.from(file.float32(n)) }]));
  return { tensors, description: JSON.parse(file.metadata[HEAD_METADATA_KEY]!) as Record<string, unknown> };
}

const rewrite = (tensors: Map<string, WritableTensor>, description: unknown) => writeSafetensors(tensors, { [HEAD_METADATA_KEY]: JSON.stringify(description) });

describe('head files', () => {
  it('round-trips a dense head exactly, layer order and activations included', () => {
    const rng = new Rng(21);
    const head = { ...randomHead(rng, 'act4', [84, 12, 7, 4], ['fc1', 'head.1', 'head.2']), classes: ['cat', 'dog', 'fox', '7'] };
    const bytes = saveHead(head);
    const file = parseSafetensors(bytes);
    expect(file.names.sort()).toEqual(['fc1.bias', 'fc1.weight', 'head.1.bias', 'head.1.weight', 'head.2.bias', 'head.2.weight']);
    expect(file.entries.get('head.1.weight')!.shape).toEqual([7, 12]);
    const description = JSON.parse(file.metadata[HEAD_METADATA_KEY]!);
    expect(description).toMatchObject({ format: HEAD_FORMAT_VERSION, kind: 'dense', featureLayer: 'act4', features: 84, classes: head.classes });
    const loaded = loadHead(bytes);
    expect(loaded.featureLayer).toBe('act4');
    expect(loaded.features).toBe(84);
    expect(loaded.classes).toEqual(head.classes);
    expect(loaded.layers.map((l) => [l.name, l.inFeatures, l.outFeatures, l.activation])).toEqual(head.layers.map((l) => [l.name, l.inFeatures, l.outFeatures, l.activation]));
    loaded.layers.forEach((l, i) => {
      expect(l.weight).toEqual(head.layers[i]!.weight);
      expect(l.bias).toEqual(head.layers[i]!.bias);
    });
    console.log(`[head_file] dense head 84→12→7→4: ${bytes.length} bytes, round trip exact`);
  });

  it('round-trips a kNN head (kind "knn"), and each loader refuses the other kind by name', () => {
    const rng = new Rng(22);
    const n = 9;
    const knn = knnHead({ features: rng.array(n * 6), width: 6, layer: 'act3', labels: Array.from({ length: n }, (_, i) => i % 3), classes: ['a', 'b', 'c'], k: 4 });
    const bytes = saveHead(knn);
    expect(JSON.parse(parseSafetensors(bytes).metadata[HEAD_METADATA_KEY]!)).toMatchObject({ kind: 'knn', k: 4, examples: n, features: 6, featureLayer: 'act3' });
    const loaded = loadKnnHead(bytes);
    expect(loaded.samples).toEqual(knn.samples);
    expect(loaded.labels).toEqual(knn.labels);
    expect({ ...loaded, samples: 0, labels: 0 }).toEqual({ ...knn, samples: 0, labels: 0 });
    expect(thrown(() => loadHead(bytes)).message).toMatch(/holds a kNN head: load it with loadKnnHead/);
    expect(thrown(() => loadKnnHead(saveHead(randomHead(rng, 'act4', [84, 2])))).message).toMatch(/holds a trained head: load it with loadHead/);
  });

  it('names what is wrong in a malformed or mismatched file', () => {
    const rng = new Rng(23);
    const { tensors, description } = parts(saveHead(randomHead(rng, 'act4', [84, 8, 3])));

    const missing = new Map(tensors);
    missing.delete('head.1.bias');
    const e1 = thrown(() => loadHead(rewrite(missing, description)));
    expect(e1).toBeInstanceOf(WeightError);
    expect((e1 as WeightError).missing).toEqual(['head.1.bias']);

    const misshapen = new Map(tensors).set('head.0.weight', { shape: [84, 8], data: new Float32Array(672) });
    const e2 = thrown(() => loadHead(rewrite(misshapen, description)));
    expect(e2).toBeInstanceOf(WeightError);
    expect(e2.message).toMatch(/wrong shape head\.0\.weight \(expected \[8, 84\], got \[84, 8\]\)/);

    const extra = new Map(tensors).set('stray', { shape: [1], data: [1] });
    expect((thrown(() => loadHead(rewrite(extra, description))) as WeightError).unexpected).toEqual(['stray']);

    const cases: [unknown, RegExp][] = [
      [{ ...description, format: 2 }, /format version 2 is unknown; this version reads 1/],
      [{ ...description, kind: 'forest' }, /kind "forest", unknown/],
      [{ ...description, features: 0 }, /"features" must be a positive integer/],
      [{ ...description, layers: [] }, /"layers" must be a non-empty list/],
      [{ ...description, classes: ['a', 'b'] }, /does not hold together: .*last layer gives 3 outputs for 2 classes/],
      [{ ...description, layers: (description.layers as { activation: string }[]).map((l) => ({ ...l, activation: 'gelu' })) }, /activation must be one of none, relu, tanh, got "gelu"/],
    ];
    for (const [bad, message] of cases) {
      const e = thrown(() => loadHead(rewrite(tensors, bad)));
      expect(e).toBeInstanceOf(SafetensorsError);
      expect(e.message).toMatch(message);
    }
    expect(thrown(() => loadHead(writeSafetensors(tensors, { [HEAD_METADATA_KEY]: '{not json' }))).message).toMatch(/is not JSON/);
    expect(thrown(() => loadHead(writeSafetensors(tensors))).message).toMatch(/no head description: __metadata__ has no "webgpu-cnn.head"/);
    expect(() => loadHead(new Uint8Array([1, 2, 3]))).toThrow(SafetensorsError);
  });
});
