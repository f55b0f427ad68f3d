/**
 * PyTorch fixtures, made on demand by test/fixtures/make_torch_fixtures.py
 * (Debian's python3-torch) and cached under .cache/fixtures/ — weights of
 * hundreds of MB stay out of git. As root with apt-get, missing PyTorch is
 * installed; otherwise the test stops with the command to run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURE_DIR = fileURLToPath(new URL('../../.cache/fixtures/', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../fixtures/make_torch_fixtures.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const INSTALL = 'apt-get update && apt-get install -y python3-torch python3-torchvision';

function hasTorch(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ensureTorch(): void {
  if (hasTorch()) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) throw new Error(`PyTorch fixtures need Debian's PyTorch. Run as root:\n  ${INSTALL}`);
  execFileSync('sh', ['-c', INSTALL], { stdio: 'inherit' });
}

export function fixturePath(model: string, size: number, ext = 'safetensors'): string {
  return `${FIXTURE_DIR}${model}_${size}.${ext}`;
}

/** Makes every missing fixture in one Python run; returns nothing, throws with the fix on failure. */
export function ensureFixtures(specs: readonly { model: string; size: number }[], options: { onnx?: boolean } = {}): void {
  const missing = specs.filter((s) => !existsSync(fixturePath(s.model, s.size)) || (options.onnx && !existsSync(fixturePath(s.model, s.size, 'onnx'))));
  if (!missing.length) return;
  ensureTorch();
  execFileSync(PYTHON, [SCRIPT, FIXTURE_DIR, ...missing.map((s) => `${s.model}:${s.size}`), ...(options.onnx ? ['--onnx'] : [])], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 30 * 60_000,
  });
}

export function readFixtureBytes(model: string, size: number): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(model, size)));
}
