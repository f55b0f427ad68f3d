/**
 * The demo's words for a failed weight load (demo/load_errors.ts): a
 * WeightError from weightsForGraph on real mismatches becomes one sentence
 * without tensor names, the names kept for "What did not match".
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeLoadFailure } from '../../demo/load_errors.js';
import { parseSafetensors, readSafetensors } from '../../src/io/safetensors.js';
import { lenet5 } from '../../src/models/lenet.js';
import { weightsForGraph } from '../../src/models/weights.js';
import { zooModel } from '../../src/models/zoo.js';
import { thrown } from '../helpers/thrown.js';

const lenetTensors = () => readSafetensors(parseSafetensors(readFileSync(fileURLToPath(new URL('../../src/models/weights/lenet5.safetensors', import.meta.url)))));

describe('describeLoadFailure', () => {
  it('weights of another architecture: one sentence with counts, no names; the names in the details', () => {
    const graph = zooModel('mobilenet_v1_0.25').build();
    const error = thrown(() => weightsForGraph(graph, lenetTensors()));
    const { summary, details } = describeLoadFailure(error, 'mobilenet_v1_0.25');
    expect(summary).toContain(`These weights are not for mobilenet_v1_0.25: only 0 of its ${graph.parameters.size} parameters are in the file, and 10 tensors in it are not mobilenet_v1_0.25's.`);
    expect(summary).not.toMatch(/conv\d\.|fc\d\.|features\./);
    expect(details).toContain('in the file but not in the model (10): conv1.bias, conv1.weight, conv2.bias');
    expect(details).toContain(`missing from the file (${graph.parameters.size}):`);
    expect(details).toMatch(/… and \d+ more/);
  });

  it('the same architecture under a key prefix: says so, with the fix the WeightError found', () => {
    const graph = lenet5();
    const prefixed = new Map([...lenetTensors()].map(([name, t]) => [`module.${name}`, t]));
    const { summary } = describeLoadFailure(thrown(() => weightsForGraph(graph, prefixed)), 'lenet5');
    expect(summary).toBe('These weights fit lenet5 under other names (10 missing, 10 unexpected of 10 parameters): the file\'s names carry an extra prefix "module." (strip it from its keys).');
  });

  it('a few tensors of the wrong shape: "almost fit", with the shapes in the details', () => {
    const graph = lenet5();
    const tensors = lenetTensors();
    const fc2 = tensors.get('fc2.weight')!;
    tensors.set('fc2.weight', { ...fc2, shape: [5, 168], data: fc2.data });
    const { summary, details } = describeLoadFailure(thrown(() => weightsForGraph(graph, tensors)), 'lenet5');
    expect(summary).toBe('These weights almost fit lenet5 (1 of the wrong shape of 10 parameters).');
    expect(details).toBe('of the wrong shape (1): fc2.weight [10×84] ≠ [5×168]');
  });

  it('other failures keep their message, with the offline hint where it is a download', () => {
    expect(describeLoadFailure(new TypeError('Failed to fetch'), 'resnet18').summary).toContain('You may be offline');
    expect(describeLoadFailure(new Error('bad header'), undefined)).toEqual({ summary: 'Could not load the model. bad header.' });
  });
});
