/**
 * A head as one safetensors file, without its backbone (which the user
 * already has): the tensors under the names the composed graph gives them
 * (`${layer}.weight`, `${layer}.bias`; a kNN head's `knn.samples`,
 * `knn.labels`) and, in __metadata__ under HEAD_METADATA_KEY, a JSON
 * description — format version, kind, feature layer and width, classes, the
 * layers in order with their activations (or k). Loading checks the file
 * against its description, so a truncated or mismatched file fails here by
 * name, not later as wrong answers.
 */
import { SafetensorsError, WeightError } from '../errors.js';
import { parseSafetensors, writeSafetensors, type SafetensorsFile, type WritableTensor } from '../io/safetensors.js';
import { checkHead } from './compose.js';
import type { ClassifierHead, DenseActivation, DenseLayer } from './head.js';
import { checkKnnHead, type KnnHead } from './knn.js';

/** The __metadata__ key holding the head's JSON description. */
export const HEAD_METADATA_KEY = 'webgpu-cnn.head';
/** The description's format version this code writes and reads. */
export const HEAD_FORMAT_VERSION = 1;

const SAMPLES = 'knn.samples';
const LABELS = 'knn.labels';

interface DenseDescription {
  format: number;
  kind: 'dense';
  featureLayer: string;
  features: number;
  classes: string[];
  layers: { name: string; inFeatures: number; outFeatures: number; activation: DenseActivation }[];
}

interface KnnDescription {
  format: number;
  kind: 'knn';
  featureLayer: string;
  features: number;
  classes: string[];
  k: number;
  examples: number;
}

const isKnn = (head: ClassifierHead | KnnHead): head is KnnHead => 'samples' in head;

/**
 * A trained head or a kNN head as safetensors bytes.
 * @example
 * await writeFile('pets.head.safetensors', saveHead(head));
 * const again = loadHead(await readFile('pets.head.safetensors'));
 */
export function saveHead(head: ClassifierHead | KnnHead): Uint8Array {
  if (isKnn(head)) {
    checkKnnHead(head);
    const description: KnnDescription = { format: HEAD_FORMAT_VERSION, kind: 'knn', featureLayer: head.featureLayer, features: head.features, classes: [...head.classes], k: head.k, examples: head.labels.length };
    const tensors: [string, WritableTensor][] = [
      [SAMPLES, { shape: [head.labels.length, head.features], data: head.samples }],
      // class indices as float32: exact below 2^24, and the writer's one dtype family
      [LABELS, { shape: [head.labels.length], data: Float32Array.from(head.labels) }],
    ];
    return writeSafetensors(tensors, { [HEAD_METADATA_KEY]: JSON.stringify(description) });
  }
  checkHead(head);
  const description: DenseDescription = {
    format: HEAD_FORMAT_VERSION,
    kind: 'dense',
    featureLayer: head.featureLayer,
    features: head.features,
    classes: [...head.classes],
    layers: head.layers.map(({ name, inFeatures, outFeatures, activation }) => ({ name, inFeatures, outFeatures, activation })),
  };
  const tensors = head.layers.flatMap((l): [string, WritableTensor][] => [
    [`${l.name}.weight`, { shape: [l.outFeatures, l.inFeatures], data: l.weight }],
    [`${l.name}.bias`, { shape: [l.outFeatures], data: l.bias }],
  ]);
  return writeSafetensors(tensors, { [HEAD_METADATA_KEY]: JSON.stringify(description) });
}

/**
 * A trained head from saveHead's bytes. SafetensorsError for a file that is
 * no head file (no or bad description, unknown version, a kNN head);
 * WeightError for tensors missing, extra or of the wrong shape.
 * @example const head = loadHead(new Uint8Array(await (await fetch('/pets.head.safetensors')).arrayBuffer()));
 */
export function loadHead(bytes: Uint8Array): ClassifierHead {
  const { file, description } = readDescription(bytes, 'dense');
  const d = description as DenseDescription;
  if (!Array.isArray(d.layers) || d.layers.length === 0) throw badMetadata('"layers" must be a non-empty list');
  const expected = new Map<string, number[]>();
  for (const [i, l] of d.layers.entries()) {
    if (!l || typeof l.name !== 'string' || !isCount(l.inFeatures) || !isCount(l.outFeatures)) throw badMetadata(`layers[${i}] needs a name, inFeatures and outFeatures`);
    expected.set(`${l.name}.weight`, [l.outFeatures, l.inFeatures]);
    expected.set(`${l.name}.bias`, [l.outFeatures]);
  }
  checkTensors(file, expected);
  const layers: DenseLayer[] = d.layers.map((l) => ({
    name: l.name,
    inFeatures: l.inFeatures,
    outFeatures: l.outFeatures,
    activation: l.activation,
    // copies: float32() may view the file's bytes
    weight: Float32Array.from(file.float32(`${l.name}.weight`)),
    bias: Float32Array.from(file.float32(`${l.name}.bias`)),
  }));
  const head: ClassifierHead = { featureLayer: d.featureLayer, features: d.features, classes: Object.freeze([...d.classes]), layers };
  try {
    checkHead(head);
  } catch (error) {
    throw badMetadata(`describes a head that does not hold together: ${(error as Error).message}`, error);
  }
  return head;
}

/**
 * A kNN head from saveHead's bytes; errors as loadHead's.
 * @example const knn = loadKnnHead(bytes); // composeKnn(backbone, weights, knn)
 */
export function loadKnnHead(bytes: Uint8Array): KnnHead {
  const { file, description } = readDescription(bytes, 'knn');
  const d = description as KnnDescription;
  if (!isCount(d.examples) || !isCount(d.k)) throw badMetadata('"examples" and "k" must be positive integers');
  checkTensors(file, new Map([[SAMPLES, [d.examples, d.features]], [LABELS, [d.examples]]]));
  const labels = file.float32(LABELS);
  const bad = labels.findIndex((v) => !Number.isInteger(v));
  if (bad >= 0) throw new SafetensorsError(`entry ${bad} is ${labels[bad]}, not a class index`, { tensor: LABELS });
  const head: KnnHead = { featureLayer: d.featureLayer, features: d.features, classes: Object.freeze([...d.classes]), k: d.k, samples: Float32Array.from(file.float32(SAMPLES)), labels: Int32Array.from(labels) };
  try {
    checkKnnHead(head);
  } catch (error) {
    throw badMetadata(`describes a kNN head that does not hold together: ${(error as Error).message}`, error);
  }
  return head;
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;

function badMetadata(message: string, cause?: unknown): SafetensorsError {
  return new SafetensorsError(`head description (__metadata__ "${HEAD_METADATA_KEY}"): ${message}`, { cause });
}

/** Parses the file and its description, checking what every head shares. */
function readDescription(bytes: Uint8Array, kind: 'dense' | 'knn'): { file: SafetensorsFile; description: DenseDescription | KnnDescription } {
  const file = parseSafetensors(bytes);
  const text = file.metadata[HEAD_METADATA_KEY];
  if (text === undefined) throw new SafetensorsError(`no head description: __metadata__ has no "${HEAD_METADATA_KEY}" (is this a head saved by saveHead?)`);
  let description: DenseDescription | KnnDescription;
  try {
    description = JSON.parse(text) as DenseDescription | KnnDescription;
  } catch (error) {
    throw badMetadata('is not JSON', error);
  }
  if (typeof description !== 'object' || description === null) throw badMetadata('is not a JSON object');
  if (description.format !== HEAD_FORMAT_VERSION) throw badMetadata(`format version ${JSON.stringify(description.format)} is unknown; this version reads ${HEAD_FORMAT_VERSION}`);
  const found: unknown = description.kind;
  if (found !== kind) {
    const other = found === 'knn' ? 'a kNN head: load it with loadKnnHead' : found === 'dense' ? 'a trained head: load it with loadHead' : `kind ${JSON.stringify(found)}, unknown`;
    throw badMetadata(`the file holds ${other}`);
  }
  if (typeof description.featureLayer !== 'string' || !description.featureLayer) throw badMetadata('"featureLayer" must be a non-empty string');
  if (!isCount(description.features)) throw badMetadata('"features" must be a positive integer');
  if (!Array.isArray(description.classes) || !description.classes.every((c) => typeof c === 'string')) throw badMetadata('"classes" must be a list of strings');
  return { file, description };
}

/** Every described tensor present with its shape, and nothing else. */
function checkTensors(file: SafetensorsFile, expected: ReadonlyMap<string, number[]>): void {
  const missing = [...expected.keys()].filter((name) => !file.entries.has(name));
  const unexpected = file.names.filter((name) => !expected.has(name));
  const misshapen = [...expected]
    .filter(([name]) => file.entries.has(name))
    .map(([name, shape]) => ({ name, expected: shape, actualShape: file.entries.get(name)!.shape }))
    .filter((m) => m.actualShape.length !== m.expected.length || m.actualShape.some((d, i) => d !== m.expected[i]))
    .map((m) => ({ ...m, actual: m.actualShape.reduce((a, b) => a * b, 1) }));
  if (missing.length || unexpected.length || misshapen.length) throw new WeightError(missing, unexpected, misshapen);
}
