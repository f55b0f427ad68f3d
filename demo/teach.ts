/**
 * "Teach it your own classes" (the course's P128–P129 in the browser): the
 * user names classes, holds a button to record camera frames for each, and
 * a new softmax head is trained on the GPU over the current model's
 * features — the recorded samples augmented on the GPU first (mirror,
 * random crop, colour shift, PCA colour noise) — then the model with its
 * new head classifies the camera live. The head saves as safetensors and
 * loads back onto the same backbone.
 *
 * Page contract for tests: #teach[data-state] is idle | recording |
 * training | trained | error; each class row has data-count (samples).
 */
import {
  augmentBatch,
  composedWeights,
  composeHead,
  compile,
  extractFeatures,
  featureLayer,
  loadHead,
  pcaColourBasis,
  readTensor,
  saveHead,
  trainHead,
  type ClassifierHead,
  type GpuContext,
} from './lib.js';
import type { Classifier } from './classifier.js';
import { byId, el, messageOf, show } from './dom.js';

/** Samples kept per class: more adds little for a linear head and costs feature time. */
const MAX_SAMPLES = 40;
/** Augmented copies of each recorded sample the head also trains on. */
const AUGMENTED_COPIES = 2;

interface TaughtClass {
  name: string;
  samples: Float32Array[];
  row: HTMLElement;
}

type TeachState = 'idle' | 'recording' | 'training' | 'trained' | 'error';

export interface TeachHost {
  /** The classifier in use now (its backbone is what the head trains over). */
  active(): Classifier | undefined;
  /** Puts a classifier to work on the camera (the old one is released). */
  use(classifier: Classifier): void;
}

export class TeachPanel {
  private readonly classes: TaughtClass[] = [];
  private recording: TaughtClass | undefined;
  /** The backbone the head was (or will be) trained over: kept apart from the composed model in use. */
  private backbone: Classifier | undefined;
  private head: ClassifierHead | undefined;

  constructor(
    private readonly ctx: GpuContext,
    private readonly host: TeachHost,
  ) {
    byId('teach-add-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const input = byId<HTMLInputElement>('teach-class-name');
      const name = input.value.trim() || `class ${this.classes.length + 1}`;
      if (this.classes.some((c) => c.name === name)) return this.say(`There is a class "${name}" already.`);
      input.value = '';
      this.addClass(name);
    });
    byId('teach-train').addEventListener('click', () => void this.train());
    byId('teach-save').addEventListener('click', () => this.save());
    byId<HTMLInputElement>('teach-load').addEventListener('change', (e) => void this.load(e));
    this.setState('idle');
  }

  /** A new model was picked: a head trained over the old one, and samples preprocessed for it, no longer apply. */
  backboneChanged(): void {
    this.backbone = undefined;
    this.head = undefined;
    this.recording = undefined;
    for (const c of this.classes) {
      c.samples.length = 0;
      this.showCount(c);
    }
    show(byId('teach-save'), false);
    this.setState('idle');
  }

  /** Called with each preprocessed camera frame (the model's NCHW input); records it while a button is held. */
  async frame(input: GPUBuffer, floats: number): Promise<void> {
    const target = this.recording;
    if (!target || target.samples.length >= MAX_SAMPLES) return;
    target.samples.push(await readTensor(this.ctx.device, input, floats));
    this.showCount(target);
  }

  private addClass(name: string): void {
    const row = el('li', 'teach-class');
    const button = el('button', 'teach-record', `Hold to record “${name}”`);
    button.type = 'button';
    const count = el('span', 'muted small', '0 samples');
    row.append(button, count);
    row.dataset.name = name;
    row.dataset.count = '0';
    const taught: TaughtClass = { name, samples: [], row };
    const start = (e: Event) => {
      e.preventDefault();
      if (!this.host.active()) return this.say('Start the camera first: samples are camera frames.');
      // the backbone is the model in use before any head is on it
      if (!this.head) this.backbone = this.host.active();
      this.recording = taught;
      this.setState('recording');
    };
    const stop = () => {
      if (this.recording !== taught) return;
      this.recording = undefined;
      this.setState(this.head ? 'trained' : 'idle');
    };
    button.addEventListener('pointerdown', start);
    button.addEventListener('pointerup', stop);
    button.addEventListener('pointerleave', stop);
    button.addEventListener('keydown', (e) => e.key === ' ' && start(e));
    button.addEventListener('keyup', (e) => e.key === ' ' && stop());
    this.classes.push(taught);
    byId('teach-classes').append(row);
  }

  private showCount(c: TaughtClass): void {
    c.row.dataset.count = String(c.samples.length);
    c.row.querySelector('span')!.textContent = `${c.samples.length} sample${c.samples.length === 1 ? '' : 's'}${c.samples.length >= MAX_SAMPLES ? ' (full)' : ''}`;
  }

  private async train(): Promise<void> {
    const backbone = this.backbone ?? this.host.active();
    const ready = this.classes.filter((c) => c.samples.length > 0);
    if (!backbone) return this.say('Start the camera first.');
    if (ready.length < 2) return this.say('Record samples of at least two classes first.');
    this.setState('training');
    const losses: number[] = [];
    try {
      const graph = backbone.model.graph;
      const shape = graph.tensors[graph.inputs[0]!.tensor]!.shape;
      const [channels, height, width] = [shape[1]!, shape[2]!, shape[3]!];
      const per = channels * height * width;
      const originals = ready.flatMap((c) => c.samples);
      const labels = ready.flatMap((c, label) => c.samples.map(() => label));
      const images = new Float32Array(per * originals.length * (1 + AUGMENTED_COPIES));
      originals.forEach((s, i) => images.set(s, i * per));
      this.say(`Augmenting ${originals.length} samples on the GPU…`);
      const batch = { data: images.subarray(0, per * originals.length), shape: [originals.length, channels, height, width] as [number, number, number, number] };
      const colour = channels === 3 ? { colourShift: 0.2, pca: { sigma: 0.1, basis: pcaColourBasis(batch.data, batch.shape as [number, 3, number, number]) } } : {};
      for (let copy = 1; copy <= AUGMENTED_COPIES; copy++) {
        const { output } = await augmentBatch(this.ctx, batch, { mirror: 0.5, crop: { scale: [0.6, 1], aspect: [0.8, 1.25] }, ...colour, seed: copy });
        images.set(output, copy * per * originals.length);
      }
      const allLabels = Int32Array.from({ length: labels.length * (1 + AUGMENTED_COPIES) }, (_, i) => labels[i % labels.length]!);
      const layer = featureLayer(graph);
      const { features } = await extractFeatures(this.ctx, graph, backbone.weights, images, {
        layer,
        onProgress: (done, total) => this.say(`Features of the samples: ${done} of ${total}…`),
      });
      const classes = ready.map((c) => c.name);
      const { mean, scale } = standardization(features, features.length / allLabels.length);
      const standardized = features.map((v, i) => (v - mean[i % mean.length]!) * scale[i % mean.length]!);
      const { head: trained } = await trainHead(this.ctx, { features: standardized, labels: allLabels, classes }, {
        featureLayer: layer,
        optimizer: { kind: 'adam', lr: 0.01 },
        batchSize: 16,
        epochs: 50,
        seed: 1,
        onProgress: ({ loss }) => {
          losses.push(loss);
          drawLoss(byId<HTMLCanvasElement>('teach-loss'), losses);
        },
      });
      const head = foldStandardization(trained, mean, scale);
      await this.useHead(backbone, head);
      this.say(`Trained on ${allLabels.length} samples (${originals.length} recorded, the rest augmented) in ${losses.length} epochs; final loss ${losses.at(-1)?.toFixed(3)}. Classifying live.`);
    } catch (error) {
      this.setState('error');
      this.say(`Training failed: ${messageOf(error)}`);
    }
  }

  /** Composes the head with the backbone as one compiled model and puts it to work. */
  private async useHead(backbone: Classifier, head: ClassifierHead): Promise<void> {
    const graph = composeHead(backbone.model.graph, head);
    const weights = composedWeights(backbone.model.graph, backbone.weights, head);
    const model = await compile(this.ctx, graph, weights, { label: `${backbone.name} + your classes` });
    this.head = head;
    this.backbone = backbone;
    this.host.use({ ...backbone, model, weights, name: `${backbone.name} + your ${head.classes.length} classes`, labels: [...head.classes] });
    show(byId('teach-save'), true);
    this.setState('trained');
  }

  private save(): void {
    if (!this.head) return;
    const blob = new Blob([new Uint8Array(saveHead(this.head))], { type: 'application/octet-stream' });
    const a = el('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'my-classes.head.safetensors';
    a.click();
    URL.revokeObjectURL(a.href);
  }

  private async load(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    const backbone = this.backbone ?? this.host.active();
    if (!file || !backbone) return this.say(backbone ? '' : 'Pick the backbone model first (start the camera), then load its head.');
    try {
      await this.useHead(backbone, loadHead(new Uint8Array(await file.arrayBuffer())));
      this.say(`Loaded a head for ${this.head!.classes.join(', ')}.`);
    } catch (error) {
      this.setState('error');
      this.say(`That head does not fit ${backbone.name}: ${messageOf(error)}`);
    }
  }

  private setState(state: TeachState): void {
    byId('teach').dataset.state = state;
  }

  private say(text: string): void {
    byId('teach-status').textContent = text;
  }
}

/**
 * Per-feature mean and 1/std of the samples' features. A random-weight (or
 * any) backbone's features can be tiny or offset; a head trains quickly and
 * reliably on standardized ones, and the standardization is then folded into
 * its first layer, so the composed model still reads raw features.
 */
function standardization(features: Float32Array, width: number): { mean: Float64Array; scale: Float64Array } {
  const n = features.length / width;
  const mean = new Float64Array(width);
  const square = new Float64Array(width);
  for (let i = 0; i < features.length; i++) {
    mean[i % width]! += features[i]! / n;
    square[i % width]! += (features[i]! * features[i]!) / n;
  }
  const spread = mean.map((m, j) => Math.sqrt(Math.max(square[j]! - m * m, 0)));
  const size = Math.max(...mean.map(Math.abs), 1e-30);
  // a backbone whose features do not depend on the picture (deep networks with random weights) cannot be taught
  if (Math.max(...spread) <= 1e-5 * size) {
    throw new Error('this backbone gives the same features for every sample (deep networks with random weights lose the picture): load trained weights, or a shallower model, and record again');
  }
  const scale = spread.map((s) => 1 / Math.sqrt(s * s + 1e-6));
  return { mean, scale };
}

/** W(s·(x − μ)) + b = (W·diag(s))x + (b − W·diag(s)μ): the same head, reading raw features. */
function foldStandardization(head: ClassifierHead, mean: Float64Array, scale: Float64Array): ClassifierHead {
  const [first, ...rest] = head.layers;
  const weight = new Float32Array(first!.weight.length);
  const bias = Float32Array.from(first!.bias);
  for (let o = 0; o < first!.outFeatures; o++) {
    let shift = 0;
    for (let i = 0; i < first!.inFeatures; i++) {
      const w = first!.weight[o * first!.inFeatures + i]! * scale[i]!;
      weight[o * first!.inFeatures + i] = w;
      shift += w * mean[i]!;
    }
    bias[o] = bias[o]! - shift;
  }
  return { ...head, layers: [{ ...first!, weight, bias }, ...rest] };
}

/** The loss per epoch as a polyline, scaled to the largest loss so far. */
function drawLoss(canvas: HTMLCanvasElement, losses: readonly number[]): void {
  const g = canvas.getContext('2d');
  if (!g) return;
  const { width, height } = canvas;
  g.clearRect(0, 0, width, height);
  const top = Math.max(...losses, 1e-6);
  g.strokeStyle = '#d9480f';
  g.lineWidth = 2;
  g.beginPath();
  losses.forEach((loss, i) => {
    const x = losses.length === 1 ? 0 : (i / (losses.length - 1)) * width;
    const y = height - (loss / top) * (height - 4) - 2;
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  });
  g.stroke();
  canvas.dataset.epochs = String(losses.length);
}
