/**
 * Debian's system Chromium for the e2e tests (never a downloaded browser),
 * with the flags ../shared/WEBGPU.md lists: quiet (no network chatter, no
 * sandbox as root) and, where asked, WebGPU on SwiftShader. Each browser
 * gets its own throw-away profile; `closeAll` closes them and removes the
 * profiles.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type LaunchOptions } from 'puppeteer';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const QUIET = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const WEBGPU_ON_SWIFTSHADER = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

/** Throws with the install command when the system Chromium is missing. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run as root  apt-get update && apt-get install -y chromium  (or set CHROMIUM_PATH)`);
}

export class ChromiumPool {
  private readonly launched: { browser: Browser; profile: string }[] = [];

  /** A headless Chromium with the quiet flags plus `extraArgs`. */
  async launch(extraArgs: readonly string[], options: Omit<LaunchOptions, 'executablePath' | 'headless' | 'userDataDir' | 'args'> = {}): Promise<Browser> {
    const profile = await mkdtemp(join(tmpdir(), 'webgpu-cnn-chromium-'));
    const browser = await puppeteer.launch({ ...options, executablePath: CHROMIUM, headless: true, userDataDir: profile, args: [...QUIET, ...extraArgs] });
    this.launched.push({ browser, profile });
    return browser;
  }

  async closeAll(): Promise<void> {
    for (const { browser, profile } of this.launched.splice(0)) {
      await browser.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    }
  }
}
