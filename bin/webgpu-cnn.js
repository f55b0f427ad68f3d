#!/usr/bin/env node
/**
 * The `webgpu-cnn` command. In a checkout (src/ present, devDependencies
 * installed) it runs the TypeScript source through vite-node, so a fresh
 * clone works right after `npm ci` and never runs a stale build; in the
 * published package (no src/) it runs the built dist/lib/cli.js.
 * WEBGPU_CNN_CLI=dist or =source forces one of the two. Either way the
 * command runs in a child process, so that native writes to fd 1 land on
 * stderr and stdout carries the results only.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = `${root}src/cli/bin.ts`;
const built = `${root}dist/lib/cli.js`;
const forced = process.env.WEBGPU_CNN_CLI;

function viteNodeCli() {
  try {
    return createRequire(import.meta.url).resolve('vite-node/cli');
  } catch {
    return undefined;
  }
}

// Dawn, Vulkan drivers and layers write from native code to fd 1: the command runs in a child whose
// fd 1 is our stderr, and gets our stdout as fd 3 for its results (src/cli/results_channel.ts)
const RESULTS_FD = 3;

function runChild(args) {
  const child = spawn(process.execPath, args, {
    stdio: ['inherit', 2, 'inherit', 1],
    env: { ...process.env, WEBGPU_CNN_RESULTS_FD: String(RESULTS_FD) },
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`webgpu-cnn: cannot start ${process.execPath}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}

const viteNode = forced === 'dist' ? undefined : existsSync(source) ? viteNodeCli() : undefined;
if (viteNode) {
  // vite-node transforms the source (WGSL ?raw imports, TypeScript) with the project's Vite config
  runChild([viteNode, '--root', root, source, '--', ...process.argv.slice(2)]);
} else if (forced !== 'source' && existsSync(built)) {
  runChild([...process.execArgv, built, ...process.argv.slice(2)]);
} else {
  process.stderr.write(
    existsSync(source)
      ? 'webgpu-cnn: running from source needs the devDependency vite-node (npm ci), or build with `npm run build:lib`\n'
      : 'webgpu-cnn: dist/lib/cli.js is missing; build it with `npm run build:lib`\n',
  );
  process.exit(1);
}
