// The job page in headless Chromium (issue #19): a job's secret-named env value is hidden from a
// reader without a token and from another user, and shown to its owner once logged in; the plain
// values beside it are shown to all.

import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../helpers/app.ts';
import { CHROMIUM, launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { type Scene, startScene } from '../helpers/monitor-scene.ts';

const WAIT = 45_000;
// CI installs Debian's chromium (.ci/run) and must run these; elsewhere a machine without it skips.
const haveChromium = existsSync(CHROMIUM) || Boolean(process.env.CI);
const SECRET = 'sk-live-7f3e9a-not-for-bob';

let scene: Scene;
let browser: TestBrowser & { errors: string[] };

beforeAll(async () => {
  if (!haveChromium) return;
  scene = await startScene({ pilots: 0 });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await scene?.close();
}, 60_000);

/** Logs in through the form with `token`, landing back on `path`. */
async function logIn(page: Page, path: string, token: string): Promise<void> {
  await page.locator('a.login-link').click();
  await page.waitForURL(/\/login\?next=/, { timeout: WAIT });
  await page.locator('input[name="token"]').fill(token);
  await page.locator('.login-form button[type="submit"]').click();
  await page.waitForURL(new RegExp(`${path}$`), { timeout: WAIT });
}

/** The env table's rows as name → shown text. */
async function envRows(page: Page): Promise<Record<string, string>> {
  await page.locator('table.env').waitFor({ timeout: WAIT });
  const rows = await page
    .locator('table.env tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [tr.querySelector('th')?.textContent, tr.querySelector('td')?.textContent]),
    );
  return Object.fromEntries(rows);
}

describe.skipIf(!haveChromium)('the job page and secret env values', () => {
  it('hides them from readers without a token and from other users, and shows them to the owner', async () => {
    const [job] = await scene.submit([
      {
        name: 'with-secret',
        payload: '/bin/true',
        state: 'template',
        env: { API_KEY: SECRET, INPUT: 'run42.root' },
      },
    ]);
    const path = `/jobs/${job!.id}`;
    const hidden = "hidden: only the job's owner and admins see this value";

    const anonymous = await browser.context.newPage();
    await anonymous.goto(scene.server.url + path);
    expect(await envRows(anonymous)).toEqual({ API_KEY: hidden, INPUT: 'run42.root' });
    expect(await anonymous.content()).not.toContain(SECRET);
    await anonymous.close();

    const bob = await browser.context.newPage();
    await bob.goto(scene.server.url + path);
    await logIn(bob, path, await createToken(scene.server.store, 'user', 'bob'));
    await bob.locator('header .viewer', { hasText: 'bob' }).waitFor({ timeout: WAIT });
    expect(await envRows(bob)).toEqual({ API_KEY: hidden, INPUT: 'run42.root' });
    expect(await bob.content()).not.toContain(SECRET);
    await bob.locator('form.logout button').click();
    await bob.waitForURL(/\/login\?reason=logged-out/, { timeout: WAIT });
    await bob.close();

    const owner = await browser.context.newPage();
    await owner.goto(scene.server.url + path);
    await logIn(owner, path, scene.userToken);
    expect(await envRows(owner)).toEqual({ API_KEY: SECRET, INPUT: 'run42.root' });
    await owner.close();
    expect(browser.errors).toEqual([]);
  }, 90_000);
});
