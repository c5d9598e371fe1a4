// Headless Debian Chromium driven by playwright-core for the monitor's browser tests, with the
// launch flags of docs (no sandbox, no GPU, no background traffic) and a fresh profile each time.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM } from './tools.ts';

export { CHROMIUM };

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A browser context with a laptop-sized viewport; page errors fail loudly through `errors`. */
export async function launchBrowser(
  options: { timezoneId?: string } = {},
): Promise<TestBrowser & { errors: string[] }> {
  const profile = mkdtempSync(join(tmpdir(), 'p3s-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1440, height: 900 },
    timezoneId: options.timezoneId ?? 'Europe/Zurich',
  });
  const errors: string[] = [];
  context.on('weberror', (e) => errors.push(String(e.error())));
  context.on('page', (page) => {
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => void d.accept());
  });
  return {
    context,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new page at `url`, marked with a value that a full reload would wipe out (see markerOf). */
export async function openMarked(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.evaluate(() => {
    (window as unknown as { p3sMarker: number }).p3sMarker = 42;
  });
  return page;
}

/** 42 while the page opened by openMarked was never reloaded. */
export const markerOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { p3sMarker?: number }).p3sMarker);
