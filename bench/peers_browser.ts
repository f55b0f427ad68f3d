/**
 * Loads the peers the page was asked for, each only then (a dynamic import
 * per peer, so a bench without peers fetches neither library), from our own
 * build (no CDN): TF.js with its WebGPU backend, and ONNX Runtime Web's
 * WebGPU bundle.
 *
 * ORT's bundle carries its JS glue inline and loads one wasm file. Vite's
 * `?url` import below serves that file from node_modules under `npm start`
 * and emits it once, hashed, into the built site's assets/ — the same file
 * the bundle's own `new URL(…, import.meta.url)` names, so the build holds
 * one copy. Passing the wasm alone (not a folder in `wasmPaths`) keeps ORT on
 * its inline glue instead of fetching a separate .mjs.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type * as ORT from 'onnxruntime-web';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

/** The peers the page can run. */
export const PEER_IDS = ['ort', 'tfjs'] as const;
export type PeerId = (typeof PEER_IDS)[number];

export interface BrowserPeers {
  ort?: typeof ORT;
  ortError?: string;
  tf?: typeof TF;
  tfError?: string;
}

export async function loadPeers(wanted: readonly PeerId[], progress: (line: string) => void): Promise<BrowserPeers> {
  const peers: BrowserPeers = {};
  if (wanted.includes('ort')) {
    progress('loading ONNX Runtime Web');
    try {
      const ort = await import('onnxruntime-web/webgpu');
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.wasmPaths = { wasm: new URL(ortWasmUrl, document.baseURI).href };
      ort.env.logLevel = 'error';
      peers.ort = ort;
    } catch (e) {
      peers.ortError = String(e);
    }
  }
  if (wanted.includes('tfjs')) {
    progress('loading TF.js');
    try {
      const tf = await import('@tensorflow/tfjs-core');
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed');
      await tf.ready();
      peers.tf = tf;
    } catch (e) {
      peers.tfError = String(e);
    }
  }
  return peers;
}

/**
 * The peers a page URL asks for: `peers=ort,tfjs` (or `1`, or absent: both),
 * `peers=0` none, unknown names ignored.
 *
 * @example
 * peersFromParam('tfjs'); // ['tfjs']
 */
export function peersFromParam(value: string | null): PeerId[] {
  if (value === null || value === '1' || value === '') return [...PEER_IDS];
  if (value === '0') return [];
  const asked = value.split(',').map((s) => s.trim());
  return PEER_IDS.filter((id) => asked.includes(id));
}
