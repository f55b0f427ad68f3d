/**
 * ONNX exports of torchvision models, made on demand by
 * test/fixtures/make_onnx_fixtures.py (Debian's python3-torch) and cached
 * under .cache/fixtures/onnx/ (git-ignored).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ONNX_FIXTURE_DIR = fileURLToPath(new URL('../../.cache/fixtures/onnx/', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../fixtures/make_onnx_fixtures.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

export function onnxFixturePath(model: string, size: number): string {
  return `${ONNX_FIXTURE_DIR}${model}_${size}.onnx`;
}

/** Exports every missing fixture in one Python run; throws with the fix when PyTorch is missing. */
export function ensureOnnxFixtures(specs: readonly { model: string; size: number }[]): void {
  const missing = specs.filter((s) => !existsSync(onnxFixturePath(s.model, s.size)));
  if (!missing.length) return;
  try {
    execFileSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' });
  } catch {
    throw new Error('ONNX fixtures need Debian\'s PyTorch: apt-get update && apt-get install -y python3-torch python3-torchvision');
  }
  execFileSync(PYTHON, [SCRIPT, ONNX_FIXTURE_DIR, ...missing.map((s) => `${s.model}:${s.size}`)], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 30 * 60_000 });
}

export function readOnnxFixture(model: string, size: number): Uint8Array {
  const b = readFileSync(onnxFixturePath(model, size));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
