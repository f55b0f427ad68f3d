/**
 * Smoke test of the built pages in Debian's Chromium: with WebGPU on
 * SwiftShader the demo shows the adapter; without an adapter, and outside a
 * secure context, it shows the no-WebGPU screen. Screenshots land in
 * test-results/e2e/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChromiumPool, requireChromium, WEBGPU_ON_SWIFTSHADER } from './chromium.js';
import { serveStatic, type StaticServer } from './static_server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/e2e');

/** A name that is not localhost, so its pages are not a secure context. */
const INSECURE_HOST = 'webgpu-cnn.test';

let siteDir: string;
let server: StaticServer;
const chromium = new ChromiumPool();
const launch = (extraArgs: string[]): Promise<Browser> => chromium.launch(extraArgs, { defaultViewport: { width: 1200, height: 860 } });

/** Opens a page, records uncaught errors and failed requests, and waits until the demo script has decided. */
async function openDemo(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-webgpu]', { timeout: 120_000 });
  return { page, errors };
}

function bodyData(page: Page): Promise<Record<string, string | undefined>> {
  return page.evaluate(() => ({ ...document.body.dataset, hasGpu: String('gpu' in navigator) }));
}

function visible(page: Page, selector: string): Promise<boolean> {
  return page.$eval(selector, (element) => (element as HTMLElement).offsetParent !== null);
}

beforeAll(async () => {
  requireChromium();
  await mkdir(SHOTS, { recursive: true });
  siteDir = await mkdtemp(join(tmpdir(), 'webgpu-cnn-site-'));
  await build({
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: siteDir, emptyOutDir: true },
  });
  server = await serveStatic(siteDir);
});

afterAll(async () => {
  await chromium.closeAll();
  await server?.close();
  if (siteDir) await rm(siteDir, { recursive: true, force: true });
});

describe('demo page in Chromium', () => {
  test('with WebGPU on SwiftShader it shows the adapter, and the bench page is one click away', async () => {
    const browser = await launch(WEBGPU_ON_SWIFTSHADER);
    const { page, errors } = await openDemo(browser, server.url);
    await page.screenshot({ path: join(SHOTS, 'demo-webgpu.png'), fullPage: true });

    const data = await bodyData(page);
    expect(data.webgpu, await page.$eval('#status', (e) => e.textContent ?? '')).toBe('ready');
    expect(data.vendor).toBe('google');
    expect(data.architecture).toBe('swiftshader');
    expect(await visible(page, '#adapter-view')).toBe(true);
    expect(await visible(page, '#no-webgpu-view')).toBe(false);
    const limits = await page.$eval('#adapter-limits', (e) => e.textContent ?? '');
    expect(limits).toContain('maxStorageBufferBindingSize');
    expect(errors).toEqual([]);

    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#bench-link')]);
    expect(new URL(page.url()).pathname).toBe('/bench/');
    await page.waitForFunction(() => !document.getElementById('bench-gpu')?.textContent?.startsWith('Checking'), {
      timeout: 60_000,
    });
    expect(await page.$eval('#bench-gpu', (e) => e.textContent)).toContain('google');
    await page.screenshot({ path: join(SHOTS, 'bench-webgpu.png'), fullPage: true });

    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#demo-link')]);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(errors).toEqual([]);
  });

  test('without a WebGPU adapter it shows the no-WebGPU screen', async () => {
    // Chromium keeps navigator.gpu without --enable-unsafe-webgpu, but with no GPU it offers no adapter
    const browser = await launch([]);
    const { page, errors } = await openDemo(browser, server.url);
    await page.screenshot({ path: join(SHOTS, 'demo-no-adapter.png'), fullPage: true });

    const data = await bodyData(page);
    expect(data.webgpu).toBe('unavailable');
    expect(data.reason).toBe('no-adapter');
    expect(await visible(page, '#no-webgpu-view')).toBe(true);
    expect(await visible(page, '#adapter-view')).toBe(false);
    expect(await page.$eval('#no-webgpu-view', (e) => e.textContent)).toContain('enable-unsafe-webgpu');
    expect(errors).toEqual([]);
  });

  test('outside a secure context there is no navigator.gpu and it says so', async () => {
    const browser = await launch([
      ...WEBGPU_ON_SWIFTSHADER,
      `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`,
      '--disable-features=HttpsUpgrades',
    ]);
    const { page, errors } = await openDemo(browser, `http://${INSECURE_HOST}:${server.port}/`);
    await page.screenshot({ path: join(SHOTS, 'demo-no-webgpu.png'), fullPage: true });

    const data = await bodyData(page);
    expect(data.hasGpu).toBe('false');
    expect(data.webgpu).toBe('unavailable');
    expect(data.reason).toBe('no-webgpu');
    expect(await visible(page, '#no-webgpu-view')).toBe(true);
    expect(errors).toEqual([]);
  });
});
