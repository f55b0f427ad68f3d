/**
 * "What a convolution sees" (course P107–P108, P114): the worked example as
 * numbers (conv_numbers.ts), the same kernel live on the pad or the camera,
 * and the loaded model's first feature maps on the same picture
 * (conv_live.ts). Built when its tab is first opened; its starting state is
 * the course's 6×6 example with the vertical filter.
 */
import { DEFAULT_NORMALIZATION, type Classifier } from './classifier.js';
import { KERNELS } from './conv_filter.js';
import { ConvLive, type MapsModel } from './conv_live.js';
import { ConvNumbers } from './conv_numbers.js';
import type { Lenet } from './digits.js';
import { byId, show } from './dom.js';
import { fromImage, type CopyIn } from './frame_copy.js';
import { randomWeights, zooModel, type GpuContext } from './lib.js';
import { DEFAULT_CLASSIFIER } from './model_picker.js';
import { createPad } from './pad.js';

export interface ConvViewHost {
  /** Starts the page's camera into #conv-video, calling `onFrame` per frame; false when it could not start. */
  runCamera(onFrame: (copyIn: CopyIn) => Promise<void>, onError: (error: unknown) => void): Promise<boolean>;
  /** Stops the camera if it runs here; true if it did. */
  stopIfRunning(): boolean;
  onError(error: unknown): void;
}

const LENET_NOTE = 'LeNet-5 with its shipped MNIST weights: C1 after ReLU (what S2 pools), C3 after ReLU (what S4 pools). Draw a digit on the pad.';

export class ConvView {
  private live: ConvLive | undefined;
  private numbers: ConvNumbers | undefined;
  private randomStem: MapsModel | undefined;
  private repaint: (() => void) | undefined;

  constructor(
    private readonly ctx: GpuContext,
    private readonly lenet: Lenet,
    private readonly classifier: () => Classifier | undefined,
    private readonly host: ConvViewHost,
  ) {}

  /** The tab was opened: build once, then show the course's example. */
  open(): void {
    if (this.live) return;
    const live = new ConvLive(this.ctx, KERNELS.vertical, this.host.onError);
    this.live = live;
    const padCanvas = byId<HTMLCanvasElement>('conv-pad');
    const lenetMaps = async (): Promise<MapsModel> => ({ name: 'LeNet-5', graph: this.lenet.graph, weights: this.lenet.weights, note: LENET_NOTE });
    const fromPad = fromImage(padCanvas);
    this.repaint = () => live.request(fromPad, 'pad', lenetMaps);
    const pad = createPad(padCanvas, this.repaint, this.repaint);
    byId('conv-pad-clear').addEventListener('click', () => pad.clear());
    this.numbers = new ConvNumbers(
      this.ctx,
      (kernel) => {
        live.setKernel(kernel);
        // the camera picks the kernel up with its next frame; the pad is filtered again now
        if (!this.cameraRunning) this.repaint?.();
      },
      this.host.onError,
    );
    void this.numbers.update();
    byId('conv-camera-start').addEventListener('click', () => void this.toggleCamera());
    this.repaint();
  }

  private get cameraRunning(): boolean {
    return !byId('conv-camera').classList.contains('hidden');
  }

  private async toggleCamera(): Promise<void> {
    if (this.host.stopIfRunning()) return;
    const live = this.live!;
    const started = await this.host.runCamera((copyIn) => live.processNow(copyIn, 'camera', () => this.stemMaps()), this.host.onError);
    if (started) show(byId('conv-pad'), false);
  }

  /** A camera stopped (any tab's): the pad is back. */
  cameraStopped(): void {
    show(byId('conv-pad'), true);
    if (this.live && document.body.dataset.mode === 'conv') this.repaint?.();
  }

  /** The classifier tab's model, or the default zoo model with random weights if none was loaded yet. */
  private async stemMaps(): Promise<MapsModel> {
    const c = this.classifier();
    if (c) {
      const note = c.randomWeights
        ? `The stem of ${c.name}, whose weights are random: its kernels were never trained, so these are random filterings. Load trained weights in the Webcam classifier tab to see learned edge and colour detectors.`
        : `The stem of ${c.name} (its first convolution, with its BatchNorm and activation).`;
      return { name: c.name, graph: c.model.graph, weights: c.weights, classifier: c, note };
    }
    if (!this.randomStem) {
      const graph = zooModel(DEFAULT_CLASSIFIER).build();
      this.randomStem = {
        name: DEFAULT_CLASSIFIER,
        graph,
        weights: randomWeights(graph),
        classifier: DEFAULT_NORMALIZATION,
        note: `The stem of ${DEFAULT_CLASSIFIER} with random weights (nothing trained: random filterings). Load trained weights in the Webcam classifier tab, then come back.`,
      };
    }
    return this.randomStem;
  }

  /** Test hook: the last live picture's input and outputs, read back. */
  snapshot(): ReturnType<ConvLive['snapshot']> {
    return this.live ? this.live.snapshot() : Promise.resolve(undefined);
  }
}
