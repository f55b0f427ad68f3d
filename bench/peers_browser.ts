/**
 * Loads the peers in the page from our own build (no CDN): TF.js with its
 * WebGPU backend, and ONNX Runtime Web's WebGPU build, whose wasm files the
 * site build copies to ort/ next to the pages (see vite.config.ts).
 */
import type * as TF from '@tensorflow/tfjs-core';
import type * as ORT from 'onnxruntime-web';

export interface BrowserPeers {
  ort?: typeof ORT;
  ortError?: string;
  tf?: typeof TF;
  tfError?: string;
}

export async function loadPeers(progress: (line: string) => void): Promise<BrowserPeers> {
  const peers: BrowserPeers = {};
  progress('loading ONNX Runtime Web and TF.js');
  try {
    const ort = await import('onnxruntime-web/webgpu');
    ort.env.wasm.numThreads = 1;
    // relative to this page: dist/site/bench/ → dist/site/ort/
    ort.env.wasm.wasmPaths = new URL('../ort/', document.baseURI).href;
    ort.env.logLevel = 'error';
    peers.ort = ort;
  } catch (e) {
    peers.ortError = String(e);
  }
  try {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed');
    await tf.ready();
    peers.tf = tf;
  } catch (e) {
    peers.tfError = String(e);
  }
  return peers;
}
