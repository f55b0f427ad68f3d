/**
 * The demo page: finds a GPU (or shows how to get one), loads the shipped
 * LeNet-5 for digit mode, and builds the webcam classifier when its tab is
 * opened. Machine-readable state for the e2e tests: body[data-state]
 * (starting | ready | no-webgpu | device-lost | model-error), body[data-webgpu],
 * #prediction[data-digit][data-count], #top5[data-label],
 * body[data-camera] (idle | running | denied | no-camera | …).
 */
import './style.css';
import { createGpuContext, zooModel, type GpuContext } from './lib.js';
import { showAdapter } from './adapter_panel.js';
import { CameraError, frameLoop, startCamera, stopCamera, type CameraLoop } from './camera.js';
import { ClassifierRunner } from './classifier.js';
import { DigitReader, loadLenet } from './digits.js';
import { byId, messageOf, show } from './dom.js';
import { fromImage, fromVideo, type CopyIn } from './frame_copy.js';
import { DEFAULT_CLASSIFIER, ModelPicker } from './model_picker.js';
import { createPad } from './pad.js';
import { PerfPanel } from './perf.js';
import { setState, setStatus, showNoWebGpu, watchDeviceLoss } from './screens.js';

let loop: CameraLoop | undefined;

const START_LABELS = { digit: 'Use the camera', classify: 'Start the camera' };

function stopLoop(): void {
  loop?.stop();
  loop = undefined;
  for (const prefix of ['digit', 'classify'] as const) {
    stopCamera(byId<HTMLVideoElement>(`${prefix}-video`));
    show(byId(`${prefix}-camera`), false);
    byId(`${prefix}-camera-start`).textContent = START_LABELS[prefix];
  }
  if (document.body.dataset.camera === 'running') document.body.dataset.camera = 'idle';
}

/** The start button doubles as stop while its camera runs. */
function stopIfRunning(prefix: 'digit' | 'classify'): boolean {
  const running = !byId(`${prefix}-camera`).classList.contains('hidden');
  if (running) stopLoop();
  return running;
}

function cameraFailed(prefix: 'digit' | 'classify', error: unknown): void {
  stopLoop();
  const problem = error instanceof CameraError ? error.problem : 'failed';
  document.body.dataset.camera = problem;
  byId(`${prefix}-camera-problem`).textContent = problem === 'denied' ? 'Camera access was denied.' : problem === 'no-camera' ? 'No camera found.' : 'The camera is unavailable.';
  byId(`${prefix}-camera-detail`).textContent =
    (error instanceof CameraError ? '' : `${messageOf(error)} `) +
    (prefix === 'digit' ? 'Upload a photo of a digit on paper instead, or use the drawing pad.' : 'Classify an uploaded picture instead.');
  show(byId(`${prefix}-camera-fallback`), true);
}

async function runCamera(prefix: 'digit' | 'classify', onFrame: (copyIn: CopyIn) => Promise<void>, onError: (e: unknown) => void): Promise<void> {
  stopLoop();
  const video = byId<HTMLVideoElement>(`${prefix}-video`);
  show(byId(`${prefix}-camera-fallback`), false);
  try {
    await startCamera(video);
  } catch (error) {
    cameraFailed(prefix, error);
    return;
  }
  show(byId(`${prefix}-camera`), true);
  byId(`${prefix}-camera-start`).textContent = 'Stop the camera';
  document.body.dataset.camera = 'running';
  const copyIn = fromVideo(video);
  loop = frameLoop(video, () => onFrame(copyIn), onError);
}

async function imageFromFile(file: File): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (cause) {
    throw new Error(`${file.name} is not a picture this browser can decode (${messageOf(cause)})`);
  }
}

function modelError(error: unknown): void {
  console.error(error);
  document.body.dataset.modelError = messageOf(error);
  setStatus('error', 'Something failed on the GPU side', messageOf(error));
}

async function start(ctx: GpuContext): Promise<void> {
  const perf = new PerfPanel();
  setStatus('busy', 'Loading LeNet-5…', 'Fetching the shipped weights (242 KiB) and compiling the WGSL kernels.');
  const lenet = await loadLenet(ctx);
  const digits = new DigitReader(ctx, lenet, perf, modelError);
  const padCanvas = byId<HTMLCanvasElement>('pad');
  const pad = createPad(padCanvas, () => digits.request(fromImage(padCanvas), 'pad', [0, 0, padCanvas.width, padCanvas.height]), () => digits.clear());
  byId('pad-clear').addEventListener('click', () => pad.clear());

  byId('digit-camera-start').addEventListener('click', () => {
    if (stopIfRunning('digit')) return;
    void runCamera('digit', (copyIn) => digits.readNow(copyIn, 'camera'), (e) => (e instanceof CameraError ? cameraFailed('digit', e) : modelError(e)));
  });
  byId<HTMLInputElement>('digit-upload').addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      const bitmap = await imageFromFile(file);
      digits.request(fromImage(bitmap), 'photo', [0, 0, bitmap.width, bitmap.height]);
    } catch (error) {
      modelError(error);
    }
  });

  const classifier = new ClassifierRunner(ctx, perf);
  const picker = new ModelPicker(ctx, { onBusy: () => undefined, onClassifier: (c) => classifier.use(c) });
  let pickerStarted = false;
  const classify = (copyIn: CopyIn) => classifier.classify(copyIn);
  byId('classify-camera-start').addEventListener('click', () => {
    if (!stopIfRunning('classify')) void runCamera('classify', classify, modelError);
  });
  byId<HTMLInputElement>('classify-upload').addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    stopLoop();
    const img = byId<HTMLImageElement>('classify-image');
    img.src = URL.createObjectURL(file);
    show(img, true);
    try {
      await classify(fromImage(await imageFromFile(file)));
    } catch (error) {
      modelError(error);
    }
  });

  const tabs = { digits: byId('tab-digits'), classify: byId('tab-classify') };
  const select = (mode: 'digits' | 'classify') => {
    stopLoop();
    document.body.dataset.mode = mode;
    for (const [name, tab] of Object.entries(tabs)) {
      tab.setAttribute('aria-selected', String(name === mode));
      show(byId(`${name}-view`), name === mode);
    }
    if (mode === 'classify' && !pickerStarted) {
      pickerStarted = true;
      void picker.loadZoo(zooModel(DEFAULT_CLASSIFIER));
    }
  };
  tabs.digits.addEventListener('click', () => select('digits'));
  tabs.classify.addEventListener('click', () => select('classify'));

  show(byId('app'), true);
  select('digits');
  const { vendor, architecture, description } = ctx.adapter;
  setStatus('ready', `WebGPU ready: ${vendor} ${architecture}`.trim(), `${description || 'A device with the adapter’s own limits.'} · LeNet-5 compiled: ${lenet.info.dispatches} dispatches.`);
  setState('ready');
}

const ctx = await createGpuContext({ label: 'webgpu-cnn demo' }).catch((error: unknown) => {
  showNoWebGpu(error);
  return undefined;
});
if (ctx) {
  // for tests and the console: `webgpuCnnDemo.ctx.device.destroy()` shows the device-lost screen
  (globalThis as { webgpuCnnDemo?: object }).webgpuCnnDemo = { ctx };
  showAdapter(ctx);
  watchDeviceLoss(ctx, stopLoop);
  try {
    await start(ctx);
  } catch (error) {
    modelError(error);
    setState('model-error');
  }
}
