/**
 * Which classifier runs: a zoo architecture with seeded random weights (the
 * default: the page works offline), the same architecture with a
 * safetensors state_dict the user drops or links, or an ONNX file. Large
 * downloads show a progress bar; every failure ends in a message saying
 * what to do.
 */
import { compile, loadOnnx, loadSafetensors, randomWeights, readSafetensors, summary, weightsForGraph, ZOO, type CompiledModel, type GpuContext, type Graph, type LoadProgress, type WeightMap, type ZooEntry } from './lib.js';
import type { Classifier } from './classifier.js';
import { DEFAULT_NORMALIZATION } from './classifier.js';
import { byId, el, messageOf, show } from './dom.js';
import { describeLoadFailure } from './load_errors.js';
import { takeFile } from './upload.js';
import { labelsFor, parseLabels } from './labels.js';

/** The parameter count and input size of the model now in use, beside the picker. */
function showSize(graph: Graph): void {
  const { totalParameters: n } = summary(graph);
  const shape = graph.tensors[graph.inputs[0]!.tensor]!.shape;
  byId('model-size').textContent = `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} M parameters, ${shape.slice(2).join('×')} input`;
}

/** Small and quick even on a software adapter. */
export const DEFAULT_CLASSIFIER = 'mobilenet_v1_0.25';

export interface ModelPickerEvents {
  /** A compiled classifier is ready to use. */
  onClassifier(classifier: Classifier): void;
  /** Compilation is starting: stop feeding the old model. */
  onBusy(): void;
}

export class ModelPicker {
  private customLabels: string[] | undefined;
  private loading = false;

  constructor(
    private readonly ctx: GpuContext,
    private readonly events: ModelPickerEvents,
  ) {
    const select = byId<HTMLSelectElement>('model-select');
    for (const entry of ZOO.filter((e) => e.inputChannels === 3 && !e.dense)) {
      const option = el('option', undefined, `${entry.id} — ${entry.description}`);
      option.value = entry.id;
      select.append(option);
    }
    select.value = DEFAULT_CLASSIFIER;
    select.addEventListener('change', () => void this.loadZoo(this.entry()));
    this.wireFiles();
  }

  private entry(): ZooEntry {
    return ZOO.find((e) => e.id === byId<HTMLSelectElement>('model-select').value)!;
  }

  /** Builds the picked architecture with random weights. */
  async loadZoo(entry: ZooEntry): Promise<void> {
    await this.guard(`Compiling ${entry.id} with random weights…`, async () => {
      const graph = entry.build();
      showSize(graph);
      const weights = randomWeights(graph);
      const model = await compile(this.ctx, graph, weights, { label: entry.id });
      this.setWeightsNote('random', `${entry.id} has random weights: its guesses mean nothing. Load trained weights below (a torchvision state_dict as .safetensors, or an .onnx file) to make it see.`);
      return this.classifier(model, weights, entry.id, true);
    });
  }

  private async loadSafetensorsWeights(source: Uint8Array | string): Promise<void> {
    const entry = this.entry();
    await this.guard(`Loading weights for ${entry.id}…`, async () => {
      const file = await loadSafetensors(source, { onProgress: (p) => this.progress(p) });
      const graph = entry.build();
      const weights = weightsForGraph(graph, readSafetensors(file), { skipPrefixes: entry.skipPrefixes, onNotice: (m) => console.info(m) });
      this.status(`Compiling ${entry.id} with your weights…`);
      const model = await compile(this.ctx, graph, weights, { label: entry.id });
      this.setWeightsNote('loaded', `${entry.id} with the weights you loaded.`);
      return this.classifier(model, weights, entry.id);
    }, entry.id);
  }

  private async loadOnnxModel(source: Uint8Array | string, name: string): Promise<void> {
    await this.guard(`Loading ${name}…`, async () => {
      const onnx = await loadOnnx(source, {
        onProgress: (loadedBytes, totalBytes) => this.progress({ loadedBytes, totalBytes, fraction: totalBytes ? loadedBytes / totalBytes : undefined }),
      });
      for (const notice of onnx.notices) console.info(`${name}: ${notice}`);
      this.status(`Compiling ${name}…`);
      const model = await compile(this.ctx, onnx.graph, onnx.weights, { label: name });
      showSize(onnx.graph);
      this.setWeightsNote('loaded', `${name}, imported from ONNX (opset ${onnx.opset}${onnx.producer ? `, made by ${onnx.producer}` : ''}).`);
      return this.classifier(model, onnx.weights, name);
    });
  }

  private async classifier(model: CompiledModel, weights: WeightMap, name: string, random = false): Promise<Classifier> {
    const outputShape = model.graph.tensors[model.graph.outputs[0]!.tensor]!.shape;
    const classes = outputShape[outputShape.length - 1]!;
    return { model, weights, randomWeights: random, name, labels: await labelsFor(classes, this.customLabels), ...DEFAULT_NORMALIZATION };
  }

  /** One load at a time; its outcome lands in the status line and in #drop-zone[data-state]. */
  private async guard(message: string, work: () => Promise<Classifier>, architecture?: string): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    this.events.onBusy();
    const zone = byId('drop-zone');
    zone.dataset.state = 'loading';
    this.status(message);
    try {
      const classifier = await work();
      this.events.onClassifier(classifier);
      zone.dataset.state = 'ready';
      this.status(`${classifier.name}: ${classifier.labels.length} classes, ${classifier.model.info.dispatches} dispatches, ${(classifier.model.info.weightBytes / 2 ** 20).toFixed(1)} MiB of weights on the GPU.`);
    } catch (error) {
      zone.dataset.state = 'error';
      console.info(error);
      const failure = describeLoadFailure(error, architecture);
      this.status(failure.summary, true, failure.details);
    } finally {
      this.loading = false;
      show(byId('load-progress'), false);
    }
  }

  private wireFiles(): void {
    const zone = byId('drop-zone');
    const take = async (file: File) => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (/\.onnx$/i.test(file.name)) await this.loadOnnxModel(bytes, file.name);
      else if (/\.safetensors$/i.test(file.name)) await this.loadSafetensorsWeights(bytes);
      else this.status(`${file.name}: expected an .onnx or a .safetensors file.`, true);
    };
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      const file = e.dataTransfer?.files[0];
      if (file) void take(file);
    });
    byId<HTMLInputElement>('model-file').addEventListener('change', (e) => {
      const file = takeFile(e);
      if (file) void take(file);
    });
    byId<HTMLFormElement>('url-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const url = byId<HTMLInputElement>('model-url').value.trim();
      if (!url) return;
      if (/\.onnx(\?|$)/i.test(url)) void this.loadOnnxModel(url, url.split('/').pop()!.split('?')[0]!);
      else void this.loadSafetensorsWeights(url);
    });
    byId<HTMLInputElement>('labels-file').addEventListener('change', async (e) => {
      const file = takeFile(e);
      if (!file) return;
      try {
        this.customLabels = parseLabels(await file.text());
        this.status(`${this.customLabels.length} labels from ${file.name}; they apply to the next model loaded.`);
      } catch (error) {
        this.status(`${file.name}: ${messageOf(error)}`, true);
      }
    });
  }

  private progress(p: LoadProgress): void {
    const bar = byId<HTMLProgressElement>('load-progress');
    show(bar, true);
    if (p.fraction !== undefined) bar.value = p.fraction;
    else bar.removeAttribute('value');
    const mib = (n: number) => (n / 2 ** 20).toFixed(1);
    this.status(`Downloading… ${mib(p.loadedBytes)}${p.totalBytes ? ` of ${mib(p.totalBytes)}` : ''} MiB`);
  }

  /** The load's status line; `details` go into the collapsed "What did not match". */
  private status(text: string, bad = false, details?: string): void {
    const line = byId('load-status');
    line.textContent = text;
    line.classList.toggle('bad', bad);
    byId('load-details-text').textContent = details ?? '';
    show(byId('load-details'), !!details);
  }

  private setWeightsNote(kind: 'random' | 'loaded', text: string): void {
    const note = byId('weights-note');
    note.textContent = text;
    note.dataset.weights = kind;
    note.classList.toggle('warn', kind === 'random');
  }
}
