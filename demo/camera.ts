/**
 * The camera: getUserMedia into a <video>, then a frame loop that hands
 * each new frame to `onFrame` only when the previous one is done — frames
 * that arrive while inference is in flight are dropped, so the tab never
 * queues up work.
 */
export type CameraProblem = 'denied' | 'no-camera' | 'unsupported' | 'failed';

export class CameraError extends Error {
  constructor(
    readonly problem: CameraProblem,
    message: string,
  ) {
    super(message);
    this.name = 'CameraError';
  }
}

export interface CameraLoop {
  stop(): void;
}

/** Starts the camera into `video`; rejects with a CameraError that says what went wrong. */
export async function startCamera(video: HTMLVideoElement): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new CameraError('unsupported', 'This browser offers no camera API here (it needs https or localhost).');
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'environment' }, audio: false });
  } catch (error) {
    const name = (error as DOMException)?.name;
    if (name === 'NotAllowedError' || name === 'SecurityError') throw new CameraError('denied', 'Camera permission was denied.');
    if (name === 'NotFoundError' || name === 'OverconstrainedError') throw new CameraError('no-camera', 'No camera was found.');
    throw new CameraError('failed', `The camera could not start (${name ?? 'error'}: ${(error as Error)?.message ?? error}).`);
  }
  video.srcObject = stream;
  await video.play();
  if (!video.videoWidth) await new Promise((resolve) => video.addEventListener('loadedmetadata', resolve, { once: true }));
  return stream;
}

export function stopCamera(video: HTMLVideoElement): void {
  const stream = video.srcObject as MediaStream | null;
  stream?.getTracks().forEach((t) => t.stop());
  video.srcObject = null;
}

/** Calls `onFrame` for new frames, one at a time; errors stop the loop and go to `onError`. */
export function frameLoop(video: HTMLVideoElement, onFrame: () => Promise<void>, onError: (error: unknown) => void): CameraLoop {
  let stopped = false;
  let busy = false;
  const schedule = () => {
    if (stopped) return;
    if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(tick);
    else requestAnimationFrame(tick);
  };
  const tick = () => {
    if (stopped) return;
    if (!busy && video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
      busy = true;
      onFrame()
        .catch((error) => {
          stopped = true;
          onError(error);
        })
        .finally(() => {
          busy = false;
        });
    }
    schedule();
  };
  schedule();
  return {
    stop() {
      stopped = true;
    },
  };
}
