// The monitor's kill and retry buttons (through the JSON API as the logged-in viewer, refused
// across sites), the log viewer's tail and download, and pages of an API that lacks a route.

import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiTransport, makeMonitorApi } from '../../src/web/monitor-api.ts';
import { registerMonitor } from '../../src/web/monitor-routes.ts';
import { call, createToken, makeTestApp, type TestApp } from '../helpers/app.ts';
import { finish, log, page, sessionCookie, start, submit } from '../helpers/monitor-data.ts';

let t: TestApp;
/** A user token of `alice`, who owns the jobs submit() makes. */
let alice: string;
beforeEach(async () => {
  t = await makeTestApp();
  alice = await createToken(t.store, 'user', 'alice');
});
afterEach(async () => {
  await t.close();
});

const HTMX = { 'hx-request': 'true', 'hx-target': 'live', host: 'localhost:80' };
/** An htmx request of alice's logged-in monitor page. */
const ALICE = () => ({ ...HTMX, cookie: sessionCookie(alice) });

async function post(url: string, headers: Record<string, string>) {
  const res = await t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: '',
  });
  return { status: res.statusCode, html: res.body };
}

describe('kill and retry buttons', () => {
  it('offers the buttons the state allows', async () => {
    const [parked] = await submit(t.app, [{ name: 'p', payload: '/bin/x', state: 'template' }]);
    const shown = (await page(t.app, `/jobs/${parked.id}`, undefined, alice)).html;
    expect(shown).toContain(`hx-post="/jobs/${parked.id}/kill"`);
    expect(shown).not.toContain('/retry"');
  });

  it('kills and retries through the JSON API, recording the logged-in viewer as the actor', async () => {
    const [job] = await submit(t.app, [{ name: 'k', payload: '/bin/x', state: 'template' }]);
    const killed = await post(`/jobs/${job.id}/kill`, ALICE());
    expect(killed.status).toBe(200);
    expect(killed.html).toContain(`Job ${job.id} cancelled.`);
    expect(killed.html).toContain('<span class="badge state-cancelled">cancelled</span>');
    expect(killed.html).toContain(`hx-post="/jobs/${job.id}/retry"`);
    const retried = await post(`/jobs/${job.id}/retry`, {
      ...ALICE(),
      'sec-fetch-site': 'same-origin',
      origin: 'http://localhost:80',
    });
    expect(retried.html).toContain('queued again as attempt 2');
    const detail = (await call(t.app, 'GET', `/api/v1/jobs/${job.id}`)).json;
    expect(detail.job).toMatchObject({ state: 'defined', attempt: 2 });
    expect(detail.events.map((e: { actor: string }) => e.actor).slice(-2)).toEqual(['alice', 'alice']);
  });

  it('asks a pilot to kill a running job and shows an API refusal as a message', async () => {
    const [job] = await submit(t.app, [{ name: 'r', payload: '/bin/x' }]);
    await start(t.app, job.id);
    expect((await post(`/jobs/${job.id}/kill`, ALICE())).html).toContain('the pilot stops job');
    const again = await post(`/jobs/${job.id}/retry`, ALICE());
    expect(again.status).toBe(200);
    expect(again.html).toContain('class="error-banner"');
    expect(again.html).toContain(`Could not retry job ${job.id}: cannot retry job ${job.id}: it is running`);
  });

  it.each([
    ['without the htmx header (a plain form from anywhere)', { host: 'localhost:80' }],
    ['without the htmx header, even from this origin', { host: 'localhost:80', origin: 'http://localhost' }],
    ['from another site', { ...HTMX, 'sec-fetch-site': 'cross-site' }],
    ['from another origin', { ...HTMX, origin: 'http://evil.example' }],
  ])('refuses a kill %s and changes nothing', async (_name, headers) => {
    const [job] = await submit(t.app, [{ name: 'k', payload: '/bin/x', state: 'template' }]);
    // Logged in as the job's owner: only the request's origin is wrong.
    const res = await post(`/jobs/${job.id}/kill`, { ...headers, cookie: sessionCookie(alice) });
    expect(res.status).toBe(403);
    expect((await call(t.app, 'GET', `/api/v1/jobs/${job.id}`)).json.job.state).toBe('template');
  });
});

describe('the log viewer', () => {
  it('shows the end of the log, then appends new bytes from the offset until the job ends', async () => {
    const [job] = await submit(t.app, [{ name: 'logs', payload: '/bin/x' }]);
    const uuid = await start(t.app, job.id);
    await log(t.app, job.id, uuid, 0, 'line 1\n');
    const first = await page(t.app, `/jobs/${job.id}`);
    expect(first.html).toMatch(/<pre id="log-text" class="log-text">line 1\n<\/pre>/);
    expect(first.html).toContain(
      `hx-get="/jobs/${job.id}/log?stream=out&amp;attempt=1&amp;offset=7&amp;wait=25" hx-trigger="load delay:1s, retry"`,
    );
    await log(t.app, job.id, uuid, 7, 'line <2>\n');
    const next = await page(t.app, `/jobs/${job.id}/log?stream=out&attempt=1&offset=7`, 'log-poll');
    expect(next.html).toContain('<div hx-swap-oob="beforeend:#log-text">line &lt;2>\n</div>');
    expect(next.html).toContain('offset=16');
    await finish(t.app, job.id, uuid, 0);
    const last = await page(t.app, `/jobs/${job.id}/log?stream=out&attempt=1&offset=16`, 'log-poll');
    expect(last.html).toContain('End of log.');
    expect(last.html).not.toContain('hx-trigger');
    const stderr = await page(t.app, `/jobs/${job.id}/log?stream=err&attempt=1`, 'log-box');
    expect(stderr.html).toContain('<div id="log-box" class="log-box" data-stream="err">');
    expect(stderr.html).toContain('No output.');
  });

  it('shows only the end of a long log and downloads the whole of it', async () => {
    const [job] = await submit(t.app, [{ name: 'big', payload: '/bin/x' }]);
    const uuid = await start(t.app, job.id);
    // Caps are 1 KiB head + 1 KiB tail in the test app: 100 KiB keeps both ends only.
    const text = Array.from(
      { length: 2000 },
      (_, i) => `row ${String(i).padStart(4, '0')} ${'x'.repeat(40)}\n`,
    ).join('');
    await log(t.app, job.id, uuid, 0, text);
    const shown = await page(t.app, `/jobs/${job.id}`);
    // 98 KiB were written; the server kept its first and last KiB, and says so (not "the first
    // 97 KiB are not shown", which would be nearly all of it, of which it holds 1 KiB).
    expect(shown.html).not.toContain('are not shown here');
    expect(shown.html).toContain('This log is 98 KiB; the server kept 2.0 KiB of it');
    expect(shown.html).toContain('download (the 2.0 KiB kept)');
    expect(shown.html).toContain('row 1999');
    const api = await call(t.app, 'GET', `/api/v1/jobs/${job.id}/logs?offset=0&limit=10`);
    expect(api.json).toMatchObject({ totalBytes: text.length, keptBytes: 2048 });
    const res = await t.app.inject({ method: 'GET', url: `/jobs/${job.id}/log/download?stream=out` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="job-${job.id}-1.out.txt"`);
    expect(res.body.startsWith('row 0000')).toBe(true);
    expect(res.body).toMatch(/not kept by the server's log cap/);
    expect(res.body.trimEnd().endsWith(`row 1999 ${'x'.repeat(40)}`)).toBe(true);
  });
});

describe('the log viewer on a long log the server kept whole', () => {
  it('says how much is not shown here and offers the whole log', async () => {
    await t.close();
    t = await makeTestApp({ logHeadBytes: 1024 * 1024, logTailBytes: 1024 * 1024 });
    const [job] = await submit(t.app, [{ name: 'long', payload: '/bin/x' }]);
    const uuid = await start(t.app, job.id);
    const text = Array.from(
      { length: 3000 },
      (_, i) => `line ${String(i).padStart(5, '0')} ${'y'.repeat(40)}\n`,
    ).join('');
    await log(t.app, job.id, uuid, 0, text);
    const shown = await page(t.app, `/jobs/${job.id}`);
    expect(shown.html).toMatch(
      /The first 8\d KiB of 1\d\d KiB are not shown here; download the log to read them/,
    );
    expect(shown.html).not.toContain('the server kept');
    expect(shown.html).toContain('>download</a>');
  });
});

describe('an API without a route', () => {
  it('renders "not available in this version" for the pages that need it', async () => {
    // A monitor in front of this server with the workflow, DAG, dataset and site routes taken away:
    // requests for them go to a path the real server does not have.
    const app = Fastify();
    const transport: ApiTransport = async ({ method, url, body, token }) => {
      const missing = /^\/api\/v1\/(workflows|dags|datasets|sites)/.test(url);
      const res = await t.app.inject({
        method,
        url: missing ? '/api/v1/not-in-this-version' : url,
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
        ...(body ? { payload: body as object } : {}),
      });
      return { status: res.statusCode, body: res.json() };
    };
    await registerMonitor(app, {
      apiFor: (token) => makeMonitorApi(transport, token),
      readPolicy: 'open',
      now: Date.now,
      info: { version: 'old', store: 'sqlite' },
    });
    try {
      for (const url of ['/workflows', '/workflows/1', '/dags', '/dags/x', '/datasets', '/sites']) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(200);
        expect(res.body, url).toContain('Not available in this version');
      }
      expect((await app.inject({ method: 'GET', url: '/jobs' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
