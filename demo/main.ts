/**
 * The demo page: finds a GPU (or shows how to get one), loads the shipped
 * LeNet-5 for digit mode, builds the webcam classifier when its tab is
 * opened, and "What a convolution sees" when that one is. Machine-readable
 * state for the e2e tests: body[data-state] (starting | ready | no-webgpu |
 * device-lost | model-error), body[data-webgpu], body[data-mode],
 * #prediction[data-digit][data-count], #top5[data-label][data-state],
 * body[data-camera] (idle | running | denied | no-camera | …), and the
 * convolution view's own (conv_numbers.ts, conv_live.ts).
 */
import './style.css';
import { createGpuContext, InputError, zooModel, type GpuContext } from './lib.js';
import { showAdapter } from './adapter_panel.js';
import { TeachPanel } from './teach.js';
import { CameraError, frameLoop, startCamera, stopCamera, type CameraLoop } from './camera.js';
import { ClassifierRunner, top5State } from './classifier.js';
import { ConvView } from './conv_view.js';
import { DigitReader, loadLenet } from './digits.js';
import { byId, messageOf, show } from './dom.js';
import { fromImage, fromVideo, type CopyIn } from './frame_copy.js';
import { DEFAULT_CLASSIFIER, ModelPicker } from './model_picker.js';
import { createPad } from './pad.js';
import { PerfPanel } from './perf.js';
import { setState, setStatus, showNoWebGpu, watchDeviceLoss } from './screens.js';
import { imageFromFile, takeFile, uploadProblem } from './upload.js';

type CameraPlace = 'digit' | 'classify' | 'conv';
const PLACES: readonly CameraPlace[] = ['digit', 'classify', 'conv'];
const START_LABELS: Record<CameraPlace, string> = { digit: 'Use the camera', classify: 'Start the camera', conv: 'Use the camera' };

let loop: CameraLoop | undefined;
/** Called when a camera stops (the convolution view shows its pad again). */
const onCameraStop: (() => void)[] = [];

function stopLoop(): void {
  loop?.stop();
  loop = undefined;
  for (const prefix of PLACES) {
    stopCamera(byId<HTMLVideoElement>(`${prefix}-video`));
    show(byId(`${prefix}-camera`), false);
    byId(`${prefix}-camera-start`).textContent = START_LABELS[prefix];
  }
  if (document.body.dataset.camera === 'running') document.body.dataset.camera = 'idle';
  onCameraStop.forEach((f) => f());
}

/** The start button doubles as stop while its camera runs. */
function stopIfRunning(prefix: CameraPlace): boolean {
  const running = !byId(`${prefix}-camera`).classList.contains('hidden');
  if (running) stopLoop();
  return running;
}

const FALLBACK: Record<CameraPlace, string> = {
  digit: 'Upload a photo of a digit on paper instead, or use the drawing pad.',
  classify: 'Classify an uploaded picture instead.',
  conv: 'Draw on the pad instead.',
};

function cameraFailed(prefix: CameraPlace, error: unknown): void {
  stopLoop();
  const problem = error instanceof CameraError ? error.problem : 'failed';
  document.body.dataset.camera = problem;
  byId(`${prefix}-camera-problem`).textContent = problem === 'denied' ? 'Camera access was denied.' : problem === 'no-camera' ? 'No camera found.' : 'The camera is unavailable.';
  byId(`${prefix}-camera-detail`).textContent = (error instanceof CameraError ? '' : `${messageOf(error)} `) + FALLBACK[prefix];
  show(byId(`${prefix}-camera-fallback`), true);
}

async function runCamera(prefix: CameraPlace, onFrame: (copyIn: CopyIn) => Promise<void>, onError: (e: unknown) => void): Promise<boolean> {
  stopLoop();
  const video = byId<HTMLVideoElement>(`${prefix}-video`);
  show(byId(`${prefix}-camera-fallback`), false);
  try {
    await startCamera(video);
  } catch (error) {
    cameraFailed(prefix, error);
    return false;
  }
  show(byId(`${prefix}-camera`), true);
  byId(`${prefix}-camera-start`).textContent = 'Stop the camera';
  document.body.dataset.camera = 'running';
  const copyIn = fromVideo(video);
  loop = frameLoop(video, () => onFrame(copyIn), onError);
  return true;
}

function modelError(error: unknown): void {
  console.error(error);
  document.body.dataset.modelError = messageOf(error);
  setStatus('error', 'Something failed on the GPU side', messageOf(error));
}

async function start(ctx: GpuContext): Promise<ConvView> {
  const perf = new PerfPanel();
  setStatus('busy', 'Loading LeNet-5…', 'Fetching the shipped weights (242 KiB) and compiling the WGSL kernels.');
  const lenet = await loadLenet(ctx);
  const digits = new DigitReader(ctx, lenet.model, perf, modelError);
  const padCanvas = byId<HTMLCanvasElement>('pad');
  const photo = byId<HTMLImageElement>('digit-photo');
  const pad = createPad(
    padCanvas,
    () => {
      show(photo, false);
      digits.request(fromImage(padCanvas), 'pad', [0, 0, padCanvas.width, padCanvas.height]);
    },
    () => digits.clear(),
  );
  byId('pad-clear').addEventListener('click', () => pad.clear());

  byId('digit-camera-start').addEventListener('click', () => {
    if (stopIfRunning('digit')) return;
    show(photo, false);
    void runCamera('digit', (copyIn) => digits.readNow(copyIn, 'camera'), (e) => (e instanceof CameraError ? cameraFailed('digit', e) : modelError(e)));
  });
  byId<HTMLInputElement>('digit-upload').addEventListener('change', async (e) => {
    const file = takeFile(e);
    if (!file) return;
    uploadProblem('digit-upload-status', undefined);
    try {
      const bitmap = await imageFromFile(file);
      stopLoop();
      // the photo replaces the drawing: the pad is cleared and the photo shown where the camera was
      pad.clear();
      photo.src = URL.createObjectURL(file);
      show(photo, true);
      digits.request(fromImage(bitmap), 'photo', [0, 0, bitmap.width, bitmap.height]);
    } catch (error) {
      if (error instanceof InputError) uploadProblem('digit-upload-status', error);
      else modelError(error);
    }
  });

  const classifier = new ClassifierRunner(ctx, perf);
  const teach = new TeachPanel(ctx, { active: () => classifier.active, use: (c) => classifier.use(c) });
  const picker = new ModelPicker(ctx, {
    onBusy: () => undefined,
    onClassifier: (c) => {
      classifier.use(c);
      teach.backboneChanged();
    },
  });
  classifier.onInput = (input, floats) => teach.frame(input, floats);
  let pickerStarted = false;
  const startPicker = () => {
    if (pickerStarted) return;
    pickerStarted = true;
    void picker.loadZoo(zooModel(DEFAULT_CLASSIFIER));
  };
  byId('classify-camera-start').addEventListener('click', () => {
    if (!stopIfRunning('classify')) void runCamera('classify', (copyIn) => classifier.classify(copyIn), modelError);
  });
  byId<HTMLInputElement>('classify-upload').addEventListener('change', async (e) => {
    const file = takeFile(e);
    if (!file) return;
    stopLoop();
    uploadProblem('classify-upload-status', undefined);
    const img = byId<HTMLImageElement>('classify-image');
    try {
      const bitmap = await imageFromFile(file);
      img.src = URL.createObjectURL(file);
      show(img, true);
      await classifier.classify(fromImage(bitmap), true);
    } catch (error) {
      if (error instanceof InputError) {
        show(img, false);
        top5State('stale', `${file.name} is not a picture: the guesses above, if any, are from an earlier one.`);
        uploadProblem('classify-upload-status', error);
      } else modelError(error);
    }
  });

  const conv = new ConvView(ctx, lenet, () => classifier.active, {
    runCamera: (onFrame, onError) => runCamera('conv', onFrame, (e) => (e instanceof CameraError ? cameraFailed('conv', e) : onError(e))),
    stopIfRunning: () => stopIfRunning('conv'),
    onError: modelError,
  });
  onCameraStop.push(() => conv.cameraStopped());

  const tabs = { digits: byId('tab-digits'), classify: byId('tab-classify'), conv: byId('tab-conv') };
  const select = (mode: keyof typeof tabs) => {
    stopLoop();
    document.body.dataset.mode = mode;
    for (const [name, tab] of Object.entries(tabs)) {
      tab.setAttribute('aria-selected', String(name === mode));
      show(byId(`${name}-view`), name === mode);
    }
    if (mode === 'classify') startPicker();
    if (mode === 'conv') conv.open();
  };
  for (const [name, tab] of Object.entries(tabs)) tab.addEventListener('click', () => select(name as keyof typeof tabs));

  show(byId('app'), true);
  select('digits');
  const { vendor, architecture, description } = ctx.adapter;
  setStatus('ready', `WebGPU ready: ${vendor} ${architecture}`.trim(), `${description || 'A device with the adapter’s own limits.'} · LeNet-5 compiled: ${lenet.model.info.dispatches} dispatches.`);
  setState('ready');
  return conv;
}

const ctx = await createGpuContext({ label: 'webgpu-cnn demo' }).catch((error: unknown) => {
  showNoWebGpu(error);
  return undefined;
});
if (ctx) {
  // for tests and the console: `webgpuCnnDemo.ctx.device.destroy()` shows the device-lost screen
  const handle: { ctx: GpuContext; conv?: unknown } = { ctx };
  (globalThis as { webgpuCnnDemo?: object }).webgpuCnnDemo = handle;
  showAdapter(ctx);
  watchDeviceLoss(ctx, stopLoop);
  try {
    handle.conv = await start(ctx);
  } catch (error) {
    modelError(error);
    setState('model-error');
  }
}
