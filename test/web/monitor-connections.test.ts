// The monitor's use of the browser's few connections to a server (about six, shared by all its
// tabs), in headless Chromium against a real server: a live region that a navigation replaces
// ends its held request, and a hidden tab holds none and catches up when shown again.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, markerOf, openMarked, type TestBrowser } from '../helpers/browser.ts';
import { type Scene, startScene } from '../helpers/monitor-scene.ts';
import { chromiumCheck, runs } from '../helpers/tools.ts';

const WAIT = 45_000;
const haveChromium = runs(chromiumCheck());

let scene: Scene;
let browser: TestBrowser & { errors: string[] };

beforeAll(async () => {
  if (!haveChromium) return;
  // A live region's request is held for 10 minutes unless a change ends it.
  scene = await startScene({ pilots: 0, config: { monitorWaitSeconds: 600 } });
  browser = await launchBrowser({ timezoneId: 'America/Chicago' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await scene?.close();
}, 60_000);

const open = (path: string): Promise<Page> => openMarked(browser.context, scene.server.url + path);

describe.skipIf(!haveChromium)('the monitor and the browser connections', () => {
  it('ends the held request of a region that a sort replaces', async () => {
    await scene.submit([{ name: 'sorted-once', payload: '/bin/true', state: 'template' }]);
    const page = await open('/jobs?name=sorted-once');
    // The region's long-poll: held, as nothing it shows changes.
    const held = await page.waitForRequest((r) => r.url().includes('seen='), { timeout: WAIT });
    await expect.poll(() => scene.server.app.p3s.changes.size, { timeout: WAIT }).toBeGreaterThanOrEqual(1);
    const ended = page.waitForEvent('requestfailed', { predicate: (r) => r === held, timeout: WAIT });
    await page.locator('th a.sort', { hasText: 'Name' }).click();
    await page.waitForURL(/sort=/, { timeout: WAIT });
    // Aborted, not left open for its 10 minutes (a browser has few connections to a server).
    expect((await ended).failure()?.errorText).toBe('net::ERR_ABORTED');
    expect(await markerOf(page)).toBe(42);
    await page.close();
  }, 90_000);

  it('holds no request while its tab is hidden, and shows what changed meanwhile once back in view', async () => {
    const [job] = await scene.submit([{ name: 'hidden-tab', payload: '/bin/true', state: 'template' }]);
    const page = await open(`/jobs/${job!.id}`);
    // The regions' requests still open, with when each was sent.
    const pending = new Map<object, number>();
    let askedWhileHidden = 0;
    let hidden = false;
    page.on('request', (r) => {
      if (!r.url().includes('seen=')) return;
      pending.set(r, Date.now());
      if (hidden) askedWhileHidden++;
    });
    page.on('requestfinished', (r) => pending.delete(r));
    page.on('requestfailed', (r) => pending.delete(r));
    // As the browser says it when the user switches to another tab and back.
    const show = (hide: boolean) => {
      hidden = hide;
      return page.evaluate((h) => {
        Object.defineProperty(document, 'hidden', { value: h, configurable: true });
        Object.defineProperty(document, 'visibilityState', {
          value: h ? 'hidden' : 'visible',
          configurable: true,
        });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hide);
    };
    // A region's request held by the server (open for over a second: nothing it shows changes).
    await expect
      .poll(() => [...pending.values()].some((sentAt) => Date.now() - sentAt > 1000), { timeout: WAIT })
      .toBe(true);
    await show(true);
    await expect.poll(() => pending.size, { timeout: WAIT }).toBe(0);
    await scene.server.client.killJob(job!.id);
    // What a region's retry after a failed request, or its pause after an answer, would do: no request.
    await page.evaluate(() => {
      const htmx = (window as unknown as { htmx: { trigger(e: Element, name: string): void } }).htmx;
      for (const region of document.querySelectorAll('.live')) htmx.trigger(region, 'retry');
    });
    // Longer than a region's pause before it asks again and than the retry after a failure.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(askedWhileHidden).toBe(0);
    expect(await page.locator('.job-head .badge').textContent()).toContain('template');
    await show(false);
    await page.locator('.job-head .badge', { hasText: 'cancelled' }).waitFor({ timeout: WAIT });
    expect(await markerOf(page)).toBe(42);
    await page.close();
  }, 90_000);
});
