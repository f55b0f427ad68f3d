/**
 * The shipped weights and labels through the public loaders, read from the
 * sources: every tensor equals the file's, checked against the zoo graph;
 * Node needs the Node entry's file reader (fetch cannot read file: URLs);
 * a file of the wrong variant, an unknown id and an abort are typed errors.
 * (test/build/package.test.ts does the same from the packed tarball, in Node
 * and in a bundled web app.)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AbortError, InvalidParameterError, SafetensorsError } from '../../src/errors.js';
import { parseSafetensors, readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { lenet5 } from '../../src/models/lenet.js';
import { imagenetLabels, loadPretrainedWeights as loadShipped, pretrainedWeightsUrl, PRETRAINED_IDS, setPretrainedFileReader, type PretrainedId } from '../../src/models/pretrained.js';
import { loadPretrainedWeights } from '../../src/models/pretrained_node.js';
import { zooModel } from '../../src/models/zoo.js';

const FILE = fileURLToPath(new URL('../../src/models/weights/lenet5.safetensors', import.meta.url));

describe('loadPretrainedWeights', () => {
  // first in this file: no reader registered yet, as in a Node program that never touched webgpu-cnn/node
  it('without the Node entry, a file: URL is a SafetensorsError that says what to import', async () => {
    expect(pretrainedWeightsUrl('lenet5').protocol).toBe('file:');
    const failure = loadShipped('lenet5');
    await expect(failure).rejects.toBeInstanceOf(SafetensorsError);
    await expect(failure).rejects.toThrow(/cannot fetch file: URLs.*webgpu-cnn\/node/);
  });

  it("'lenet5': every parameter of the graph, equal to the shipped file's tensors", async () => {
    const progress: (number | undefined)[] = [];
    const weights = await loadPretrainedWeights('lenet5', { onProgress: (p) => progress.push(p.fraction) });
    const expected = readSafetensors(parseSafetensors(readFileSync(FILE)));
    expect([...weights.keys()].sort()).toEqual([...lenet5().parameters.keys()].sort());
    for (const [name, tensor] of expected) expect(weights.get(name), name).toEqual(tensor.data);
    expect(progress.at(-1)).toBe(1);
    expect(PRETRAINED_IDS).toEqual(['lenet5']);
  });

  it('the zoo entry loads the same weights; entries without shipped weights have no loader', async () => {
    const fromZoo = await zooModel('lenet5').pretrained!();
    const direct = await loadPretrainedWeights('lenet5');
    expect([...fromZoo].map(([n, d]) => [n, Array.from(d)])).toEqual([...direct].map(([n, d]) => [n, Array.from(d)]));
    expect(zooModel('resnet18').pretrained).toBeUndefined();
    expect(zooModel('lenet5_classic').pretrained).toBeUndefined();
  });

  it('a file of another variant is refused, through the registered reader', async () => {
    const graph = lenet5({ variant: 'classic' });
    const tensors = new Map([...graph.parameters.values()].map((p) => [p.name, { shape: p.shape, data: new Float32Array(p.shape.reduce((a, b) => a * b, 1)) }]));
    const classic = parseSafetensors(writeSafetensors(tensors, { variant: 'classic' }));
    setPretrainedFileReader(async () => classic);
    try {
      await expect(loadShipped('lenet5')).rejects.toThrow(/variant "classic", expected "relu"/);
    } finally {
      await loadPretrainedWeights('lenet5'); // puts the Node reader back
    }
  });

  it('an unknown id is an InvalidParameterError naming the ones that ship; an aborted load an AbortError', async () => {
    await expect(loadPretrainedWeights('resnet50' as PretrainedId)).rejects.toThrow(InvalidParameterError);
    await expect(loadPretrainedWeights('resnet50' as PretrainedId)).rejects.toThrow(/pretrained: lenet5/);
    const controller = new AbortController();
    controller.abort();
    await expect(loadPretrainedWeights('lenet5', { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
  });
});

describe('imagenetLabels', () => {
  it("torchvision's 1000 class names, frozen, loaded once", async () => {
    const json = JSON.parse(readFileSync(new URL('../../src/models/imagenet_labels.json', import.meta.url), 'utf8')) as string[];
    const labels = await imagenetLabels();
    expect(labels).toEqual(json);
    expect(labels).toHaveLength(1000);
    expect([labels[0], labels[281], labels[999]]).toEqual(['tench', 'tabby', 'toilet tissue']);
    expect(Object.isFrozen(labels)).toBe(true);
    expect(await imagenetLabels()).toBe(labels);
  });
});
