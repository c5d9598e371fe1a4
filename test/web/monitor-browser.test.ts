// The monitor in headless Chromium against a real server with real pilots running real jobs:
// every page loads, state changes and logs arrive without a reload (pushed: the live regions'
// wait is far longer than any test waits), a region keeps following across a server restart, a running workflow's DAG has
// the right colours, a filter narrows the table, logging in with a token through the form brings
// the kill button, and it works. Waits on conditions only.

import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, markerOf, openMarked, type TestBrowser } from '../helpers/browser.ts';
import { SCENE_USER, type Scene, slowJob, startScene } from '../helpers/monitor-scene.ts';
import { chromiumCheck, runs } from '../helpers/tools.ts';

const WAIT = 45_000;
const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'monitor');
// CI installs Debian's chromium (.ci/run) and must run these; elsewhere a machine without it
// skips them, and `npm test` says so (test/global-setup.ts).
const haveChromium = runs(chromiumCheck());

let scene: Scene;
let browser: TestBrowser & { errors: string[] };

beforeAll(async () => {
  if (!haveChromium) return;
  // A live region's request is held for 10 minutes unless a change ends it: every update these
  // tests wait for (well under a minute) has to be pushed.
  scene = await startScene({ pilots: 2, config: { monitorWaitSeconds: 600 } });
  browser = await launchBrowser({ timezoneId: 'America/Chicago' });
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await scene?.close();
}, 60_000);

const open = (path: string): Promise<Page> => openMarked(browser.context, scene.server.url + path);

/** The computed fill (SVG) or background of the first element matching `selector`. */
const colourOf = (page: Page, selector: string, property: 'fill' | 'background-color') =>
  page
    .locator(selector)
    .first()
    .evaluate((el, p) => getComputedStyle(el).getPropertyValue(p), property);

describe.skipIf(!haveChromium)('the monitor in a browser', () => {
  it('loads every page without script errors and shows times in the viewer zone', async () => {
    const [job] = await scene.submit([{ name: 'hello', payload: '/bin/echo hello from p3s' }]);
    await scene.waitForState(job!.id, ['finished']);
    const wf = await scene.runWorkflow(
      'tiny',
      [
        { id: 'one', payload: '/bin/true' },
        { id: 'two', payload: '/bin/true' },
      ],
      [{ source: 'one', target: 'two', name: 'x.txt' }],
    );
    await scene.waitForState(wf.jobs.get('two')!, ['finished']);
    const pilot = (await scene.server.client.listPilots({ limit: 1 })).pilots[0]!;
    const paths = [
      '/',
      '/jobs',
      `/jobs/${job!.id}`,
      '/pilots',
      `/pilots/${pilot.id}`,
      '/workflows',
      `/workflows/${wf.id}`,
      '/dags',
      '/dags/tiny',
      '/datasets',
      '/sites',
      '/retry-rules',
    ];
    for (const path of paths) {
      const page = await open(path);
      await expect.poll(() => page.locator('h1').count(), { timeout: WAIT }).toBe(1);
      // monitor.js rewrote the UTC text of every <time> to local time (Chicago is never UTC).
      await page.waitForFunction(
        () => [...document.querySelectorAll('time[datetime]')].every((t) => !t.textContent?.endsWith('Z')),
        undefined,
        { timeout: WAIT },
      );
      if (path === '/') {
        await page.locator('.chart canvas').nth(1).waitFor({ timeout: WAIT });
        await page.screenshot({ path: join(SHOTS, 'overview.png') });
      }
      await page.close();
    }
    const local = await open(`/jobs/${job!.id}`);
    const shown = await local.locator('time[data-fmt="datetime"]').first().textContent();
    const iso = await local.locator('time[data-fmt="datetime"]').first().getAttribute('datetime');
    const chicago = new Date(iso!).toLocaleString('sv-SE', { timeZone: 'America/Chicago' });
    expect(shown).toBe(chicago);
    await local.close();
    expect(browser.errors).toEqual([]);
  }, 120_000);

  it('shows a job state change without a reload, on the job page and in the table', async () => {
    const [job] = await scene.submit([
      { name: 'parked-then-run', payload: '/bin/echo released', state: 'template' },
    ]);
    const detail = await open(`/jobs/${job!.id}`);
    const table = await open('/jobs?name=parked-then-run');
    await expect.poll(() => detail.locator('.job-head .badge').textContent()).toBe('template');
    await scene.server.client.adjustJob(job!.id, { state: 'defined' });
    await detail.locator('.job-head .badge', { hasText: 'finished' }).waitFor({ timeout: WAIT });
    await table.locator(`tr[data-job="${job!.id}"][data-state="finished"]`).waitFor({ timeout: WAIT });
    expect(await markerOf(detail)).toBe(42);
    expect(await markerOf(table)).toBe(42);
    await detail.close();
    await table.close();
  }, 90_000);

  it('tails a live log as it grows and downloads the whole log', async () => {
    const [job] = await scene.submit([slowJob('ticker', 8)]);
    await scene.waitForState(job!.id, ['running']);
    const page = await open(`/jobs/${job!.id}`);
    const log = page.locator('#log-text');
    await expect.poll(() => log.textContent(), { timeout: WAIT }).toContain('tick 1');
    const early = (await log.textContent())!.length;
    await expect.poll(() => log.textContent(), { timeout: WAIT }).toContain('tick 5');
    expect((await log.textContent())!.length).toBeGreaterThan(early);
    await page.locator('#log-poll', { hasText: 'End of log.' }).waitFor({ timeout: WAIT });
    expect(await log.textContent()).toContain('done');
    expect(await markerOf(page)).toBe(42);
    await page.screenshot({ path: join(SHOTS, 'job.png') });
    const href = await page.locator('a.download').getAttribute('href');
    const download = await page.request.get(scene.server.url + href);
    expect(download.headers()['content-disposition']).toContain('attachment');
    expect(await download.text()).toMatch(/^tick 0\n[\s\S]*tick 7\ndone\n$/);
    await page.close();
  }, 90_000);

  it('narrows the jobs table with the filter form, and the URL reproduces the view', async () => {
    await scene.submit(
      ['narrow-alpha-1', 'narrow-alpha-2', 'narrow-beta-1'].map((name) => ({
        name,
        payload: '/bin/true',
        state: 'template',
      })),
    );
    const page = await open('/jobs');
    await page.locator('input[name="name"]').fill('narrow-alpha*');
    await page.locator('input[name="name"]').press('Enter');
    await page.waitForURL(/name=narrow-alpha\*/, { timeout: WAIT });
    await expect
      .poll(() => page.locator('td.name').allTextContents(), { timeout: WAIT })
      .toEqual(['narrow-alpha-2', 'narrow-alpha-1']);
    await page.locator('label.chip.state-finished').click();
    await expect.poll(() => page.locator('tr[data-job]').count(), { timeout: WAIT }).toBe(0);
    await page.locator('label.chip.state-finished').click();
    await page.locator('label.chip.state-template').click();
    await page.waitForURL(/state=template/, { timeout: WAIT });
    await expect.poll(() => page.locator('td.name').count(), { timeout: WAIT }).toBe(2);
    expect(await markerOf(page)).toBe(42);
    const shared = await open(new URL(page.url()).pathname + new URL(page.url()).search);
    expect(await shared.locator('td.name').allTextContents()).toEqual(['narrow-alpha-2', 'narrow-alpha-1']);
    expect(await shared.locator('input[name="name"]').inputValue()).toBe('narrow-alpha*');
    await page.close();
    await shared.close();
  }, 90_000);

  it('colours the DAG of a running workflow by its jobs states, live, like the badges', async () => {
    // The first step runs until this test lets it end (by removing the gate file).
    const gate = join(scene.dir, 'gate');
    writeFileSync(gate, '');
    writeFileSync(join(scene.dir, 'wait.sh'), `#!/bin/sh\nwhile [ -e "${gate}" ]; do sleep 0.2; done\n`);
    chmodSync(join(scene.dir, 'wait.sh'), 0o755);
    const wf = await scene.runWorkflow(
      'colours',
      [
        { id: 'slow', payload: join(scene.dir, 'wait.sh') },
        { id: 'after', payload: '/bin/true' },
      ],
      [{ source: 'slow', target: 'after', name: 'out.txt' }],
    );
    const slow = wf.jobs.get('slow')!;
    const after = wf.jobs.get('after')!;
    await scene.waitForState(slow, ['running']);
    const page = await open(`/workflows/${wf.id}`);
    const vertex = (id: number) => `g.node[data-vertex="${id}"]`;
    await page.locator(`${vertex(slow)}[data-state="running"]`).waitFor({ timeout: WAIT });
    expect(await page.locator(`${vertex(after)}`).getAttribute('data-state')).toBe('template');
    const running = await colourOf(page, `${vertex(slow)} rect`, 'fill');
    const waiting = await colourOf(page, `${vertex(after)} rect`, 'fill');
    expect(running).toBe('rgb(219, 234, 254)');
    expect(waiting).toBe('rgb(243, 244, 246)');
    // The running badge in the jobs table below has the same colour as the running vertex.
    expect(await colourOf(page, '.badge.state-running', 'background-color')).toBe(running);
    await page.screenshot({ path: join(SHOTS, 'workflow.png') });
    rmSync(gate);
    await page.locator(`${vertex(after)}[data-state="finished"]`).waitFor({ timeout: WAIT });
    expect(await colourOf(page, `${vertex(slow)} rect`, 'fill')).toBe('rgb(220, 252, 231)');
    expect(await page.locator('.job-head .badge').first().textContent()).toBe('finished');
    expect(await markerOf(page)).toBe(42);
    await page.close();
  }, 90_000);

  it('logs in through the form with a token, then kills a running job with its button', async () => {
    const [job] = await scene.submit([slowJob('to-kill', 120)]);
    await scene.waitForState(job!.id, ['running']);
    // Anonymous (the open read policy): the job shows, its Kill button does not.
    const page = await open(`/jobs/${job!.id}`);
    await page.locator('.job-head .badge', { hasText: 'running' }).waitFor({ timeout: WAIT });
    expect(await page.locator('button.action.kill').count()).toBe(0);
    await page.locator('a.login-link').click();
    await page.waitForURL(/\/login\?next=/, { timeout: WAIT });
    await page.locator('input[name="token"]').fill(scene.userToken);
    await page.locator('.login-form button[type="submit"]').click();
    // Back on the job page, logged in as its owner.
    await page.waitForURL(new RegExp(`/jobs/${job!.id}$`), { timeout: WAIT });
    await page.locator('header .viewer', { hasText: SCENE_USER }).waitFor({ timeout: WAIT });
    const [cookie] = (await browser.context.cookies(scene.server.url)).filter(
      (c) => c.name === 'p3s_session',
    );
    expect(cookie).toMatchObject({ value: scene.userToken, httpOnly: true, sameSite: 'Strict', path: '/' });
    // Page scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain('p3s_session');
    await page.evaluate(() => {
      (window as unknown as { p3sMarker: number }).p3sMarker = 42;
    });
    await page.locator('button.action.kill').click();
    await page.locator('.notice', { hasText: 'Kill sent' }).waitFor({ timeout: WAIT });
    await page.locator('.job-head .badge', { hasText: 'cancelled' }).waitFor({ timeout: WAIT });
    expect((await scene.server.client.getJob(job!.id)).job).toMatchObject({
      state: 'cancelled',
      errorName: 'killed',
    });
    // The audit trail names the logged-in user, not the monitor.
    const audit = await scene.server.store.auth.listAudit(
      { action: 'job.kill', objectId: String(job!.id) },
      10,
      0,
    );
    expect(audit.events.map((e) => [e.actor, e.role, e.outcome])).toEqual([[SCENE_USER, 'user', 'ok']]);
    expect(await markerOf(page)).toBe(42);
    // Log out: the cookie is gone and the buttons with it.
    await page.locator('form.logout button').click();
    await page.waitForURL(/\/login\?reason=logged-out/, { timeout: WAIT });
    expect((await browser.context.cookies(scene.server.url)).some((c) => c.name === 'p3s_session')).toBe(
      false,
    );
    await page.close();
    expect(browser.errors).toEqual([]);
  }, 90_000);

  it('fits every column of its tables in a 1400 px window: errors, DAG vertices, site servers', async () => {
    const longPath =
      '/cvmfs/dune.opensciencegrid.org/products/dune/dunetpc/v08_27_00/slf7.x86_64.e19.prof/bin';
    await scene.server.client.defineSite({
      name: 'cern-long',
      env: {
        SITE_ROOT: '/eos/experiment/neutplatform/protodune/np04tier0/p3s/output/keepup',
        DUNETPC: longPath,
      },
      server: 'https://p3s-prompt-processing.cern.ch:7878/',
    });
    const failing = await scene.submit([
      { name: 'evd-13', jobtype: 'evdisp', payload: `${longPath}/lar -c evd_protoDUNE.fcl` },
      { name: 'reco-keepup-np04-raw-run005141-0043', jobtype: 'reco', payload: '/bin/true' },
    ]);
    for (const job of failing) await scene.waitForState(job.id, ['finished', 'failed']);
    await scene.runWorkflow(
      'long-payloads',
      [
        {
          id: 'decode',
          payload: `${longPath}/lar -c protoDUNE_SP_keepup_decoder.fcl --nevts 100 -o decoded.root`,
        },
        { id: 'reco', payload: `${longPath}/lar -c protoDUNE_SP_keepup_reco.fcl --nevts 100 -o reco.root` },
      ],
      [{ source: 'decode', target: 'reco', name: 'decoded.root' }],
    );
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    for (const path of ['/jobs', '/dags/long-payloads', '/sites']) {
      await page.goto(scene.server.url + path);
      await page.locator('table').first().waitFor({ timeout: WAIT });
      // Every table fits its box: no column is pushed out of view behind a scrollbar or the window.
      const overflowing = await page.evaluate(() =>
        [...document.querySelectorAll('.table-wrap')]
          .filter(
            (wrap) =>
              wrap.scrollWidth > wrap.clientWidth + 1 || wrap.getBoundingClientRect().right > innerWidth,
          )
          .map(
            (wrap) =>
              `${wrap.querySelector('th:last-child')?.textContent}: ${wrap.scrollWidth} > ${wrap.clientWidth}`,
          ),
      );
      expect(overflowing, path).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(1400);
    }
    // The error is readable in the jobs table, whole.
    await page.goto(`${scene.server.url}/jobs?name=evd-13`);
    const error = page.locator('td.error').first();
    await expect
      .poll(() => error.textContent(), { timeout: WAIT })
      .toContain('e19.prof/bin/lar: no such file');
    expect(await error.evaluate((td) => td.getBoundingClientRect().right)).toBeLessThanOrEqual(1400);
    await page.close();
  }, 90_000);
  it('pushes a kill made through the API to the job page and the jobs table', async () => {
    const [job] = await scene.submit([
      { name: 'parked-then-killed', payload: '/bin/true', state: 'template' },
    ]);
    const detail = await open(`/jobs/${job!.id}`);
    const table = await open('/jobs?name=parked-then-killed');
    await detail.locator('.job-head .badge', { hasText: 'template' }).waitFor({ timeout: WAIT });
    await table.locator(`tr[data-job="${job!.id}"][data-state="template"]`).waitFor({ timeout: WAIT });
    // Both regions are held now (their first request after the load came back with what they show).
    await expect.poll(() => scene.server.app.p3s.changes.size, { timeout: WAIT }).toBeGreaterThanOrEqual(2);
    await scene.server.client.killJob(job!.id);
    await detail.locator('.job-head .badge', { hasText: 'cancelled' }).waitFor({ timeout: WAIT });
    await table.locator(`tr[data-job="${job!.id}"][data-state="cancelled"]`).waitFor({ timeout: WAIT });
    expect(await markerOf(detail)).toBe(42);
    expect(await markerOf(table)).toBe(42);
    await detail.close();
    await table.close();
  }, 90_000);

  // Last: it stops the server.
  it('keeps a live region following across a server restart', async () => {
    const [job] = await scene.submit([{ name: 'outlives-restart', payload: '/bin/true', state: 'template' }]);
    const page = await open(`/jobs/${job!.id}`);
    await page.locator('.job-head .badge', { hasText: 'template' }).waitFor({ timeout: WAIT });
    await scene.server.stop();
    // The region's request fails: it says so, and asks again until the server answers.
    await page.locator('.live-bar.stale').waitFor({ timeout: WAIT });
    await scene.server.start();
    await page.locator('.live-bar.stale').waitFor({ state: 'detached', timeout: WAIT });
    await scene.server.client.killJob(job!.id);
    await page.locator('.job-head .badge', { hasText: 'cancelled' }).waitFor({ timeout: WAIT });
    expect(await markerOf(page)).toBe(42);
    await page.close();
  }, 120_000);
});
