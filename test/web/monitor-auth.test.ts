// The monitor's access control through inject() on the real app: logging in with a token (the
// session cookie, refused tokens, open redirects), the token read policy, who sees the kill and
// retry buttons, CSRF on login and the buttons, and the admins' audit page.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppConfig, buildApp } from '../../src/server/app.ts';
import { openStore } from '../../src/store/open-store.ts';
import {
  call,
  createToken,
  makeTestApp,
  registration,
  TEST_APP_CONFIG,
  type TestApp,
} from '../helpers/app.ts';
import { page, sessionCookie, submit } from '../helpers/monitor-data.ts';
import { selfSignedCertificate } from '../helpers/tls.ts';

let t: TestApp;
async function app(config: Partial<AppConfig> = {}) {
  t = await makeTestApp(config);
  return t;
}
afterEach(async () => {
  await t?.close();
});

const SAME_ORIGIN = { host: 'localhost:80', origin: 'http://localhost' };

/** POST /login as the form does it (same origin unless `headers` say otherwise). */
async function login(token: string, next?: string, headers: Record<string, string> = SAME_ORIGIN) {
  const form = new URLSearchParams({ token, ...(next === undefined ? {} : { next }) });
  const res = await t.app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: form.toString(),
  });
  return { status: res.statusCode, html: res.body, headers: res.headers, cookies: res.cookies };
}

/** The Set-Cookie header of a response as one string. */
const setCookie = (headers: Record<string, unknown>) => [headers['set-cookie'] ?? []].flat().join('\n');

async function kill(id: number, token: string | null, headers: Record<string, string> = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/jobs/${id}/kill`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'hx-request': 'true',
      'hx-target': 'live',
      ...SAME_ORIGIN,
      ...(token ? { cookie: sessionCookie(token) } : {}),
      ...headers,
    },
    payload: '',
  });
  return { status: res.statusCode, html: res.body };
}

const stateOf = async (id: number) => (await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job.state;

describe('logging in', () => {
  beforeEach(() => app());

  it('shows a form that says where tokens come from', async () => {
    const { status, html } = await page(t.app, '/login?next=/jobs/7');
    expect(status).toBe(200);
    expect(html).toContain('<form class="login-form" method="post" action="/login">');
    expect(html).toContain('<input type="hidden" name="next" value="/jobs/7"/>');
    expect(html).toContain('type="password" name="token"');
    expect(html).toContain('p3s token create');
    expect(html).toContain('&lt;data dir>/admin.token');
  });

  it('sets an HttpOnly, SameSite=Strict session cookie for a user token and redirects to next', async () => {
    const token = await createToken(t.store, 'user', 'alice');
    const res = await login(token, '/jobs?state=failed');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/jobs?state=failed');
    const cookie = res.cookies.find((c) => c.name === 'p3s_session');
    expect(cookie).toMatchObject({
      value: token,
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: 43_200,
    });
    // Plain HTTP: not Secure (a browser would drop a Secure cookie set over http).
    expect(cookie?.secure).toBeUndefined();
    expect(res.html).not.toContain(token);
    // The cookie logs the browser in: the header names the viewer and offers to log out.
    const jobs = await page(t.app, '/jobs', undefined, token);
    expect(jobs.html).toContain('alice <span class="role role-user">user</span>');
    expect(jobs.html).toContain('<form class="logout" method="post" action="/logout">');
    expect(jobs.html).not.toContain('Log in</a>');
  });

  it('ends the cookie no later than the token', async () => {
    const token = await createToken(t.store, 'admin', 'ops', { expiresAt: Date.now() + 600_000 });
    const res = await login(token);
    expect(res.headers.location).toBe('/');
    const maxAge = res.cookies.find((c) => c.name === 'p3s_session')?.maxAge ?? 0;
    expect(maxAge).toBeGreaterThan(590);
    expect(maxAge).toBeLessThanOrEqual(600);
  });

  it.each([
    [
      'an unknown token',
      async () => 'p3s_not-a-token-of-this-server',
      403,
      /refused this token: the token is not known/,
    ],
    ['a pilot token', () => createToken(t.store, 'pilot', 'farm'), 403, /&quot;farm&quot; is a pilot token/],
    [
      'an expired token',
      () => createToken(t.store, 'user', 'old', { expiresAt: Date.now() - 1000 }),
      403,
      /is expired/,
    ],
    ['nothing', async () => '', 400, /Paste a token/],
    ['a token with spaces', async () => 'p3s_a b', 400, /Paste a token/],
  ])('refuses %s with a message and sets no cookie', async (_what, make, status, message) => {
    const token = await make();
    const res = await login(token, '/jobs');
    expect(res.status).toBe(status);
    expect(res.html).toContain('class="error-banner"');
    expect(res.html).toMatch(message);
    expect(setCookie(res.headers)).toBe('');
    if (token.length > 4) expect(res.html).not.toContain(token);
    // The form keeps where to go after a successful try.
    expect(res.html).toContain('name="next" value="/jobs"');
  });

  it.each([
    '//evil.example',
    '//evil.example/jobs',
    'https://evil.example/',
    '/\\evil.example',
    'javascript:alert(1)',
    'jobs',
    '/login',
  ])('does not follow next=%s off the monitor', async (next) => {
    const token = await createToken(t.store, 'user', 'alice');
    const res = await login(token, next);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });

  it.each([
    ['from another origin', { host: 'localhost:80', origin: 'http://evil.example' }],
    ['marked cross-site by the browser', { ...SAME_ORIGIN, 'sec-fetch-site': 'cross-site' }],
    ['without an Origin (not a browser form)', { host: 'localhost:80' }],
  ])('refuses a login post %s', async (_what, headers) => {
    const token = await createToken(t.store, 'user', 'alice');
    const res = await login(token, '/', headers);
    expect(res.status).toBe(403);
    expect(setCookie(res.headers)).toBe('');
  });

  it('refuses a form body larger than a login needs', async () => {
    const res = await login(`p3s_${'x'.repeat(20_000)}`);
    expect(res.status).toBe(413);
  });

  it('logs out: clears the cookie and says so; a cross-site logout is refused', async () => {
    const token = await createToken(t.store, 'user', 'alice');
    const cross = await t.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { host: 'localhost:80', origin: 'http://evil.example', cookie: sessionCookie(token) },
    });
    expect(cross.statusCode).toBe(403);
    const res = await t.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { ...SAME_ORIGIN, cookie: sessionCookie(token) },
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?reason=logged-out');
    expect(setCookie(res.headers)).toMatch(/^p3s_session=; Max-Age=0; Path=\/; .*HttpOnly; SameSite=Strict/);
    expect((await page(t.app, '/login?reason=logged-out')).html).toContain('You are logged out.');
  });
});

describe('logging in over HTTPS', () => {
  it('marks the session cookie Secure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p3s-monitor-tls-'));
    const { cert, key } = selfSignedCertificate(dir);
    const store = await openStore({ sqlitePath: join(dir, 'p3s.db') });
    await store.migrate();
    const tls = await buildApp({
      store,
      config: TEST_APP_CONFIG,
      https: { cert: readFileSync(cert), key: readFileSync(key) },
    });
    try {
      const token = await createToken(store, 'user', 'alice');
      await tls.listen({ host: '127.0.0.1', port: 0 });
      const { port } = tls.server.address() as { port: number };
      const origin = `https://127.0.0.1:${port}`;
      const body = new URLSearchParams({ token, next: '/jobs' }).toString();
      const answer = await new Promise<{ status?: number; cookie: string[] }>((resolve, reject) => {
        const req = httpsRequest(
          `${origin}/login`,
          {
            method: 'POST',
            ca: readFileSync(cert),
            headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
          },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode, cookie: res.headers['set-cookie'] ?? [] });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(answer.status).toBe(303);
      expect(answer.cookie.join('\n')).toMatch(
        /^p3s_session=[^;]+; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
      );
    } finally {
      await tls.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the open read policy', () => {
  beforeEach(() => app({ readPolicy: 'open' }));

  it('shows pages without a login, with a "Log in" link back to the page', async () => {
    const { status, html } = await page(t.app, '/jobs?state=failed');
    expect(status).toBe(200);
    expect(html).toContain('<a class="login-link" href="/login?next=%2Fjobs%3Fstate%3Dfailed">Log in</a>');
    expect(html).not.toContain('href="/audit"');
  });

  it('ends a revoked session: clears the cookie and asks to log in again', async () => {
    const token = await createToken(t.store, 'user', 'alice');
    const id = (await call(t.app, 'GET', '/api/v1/tokens?name=alice')).json.tokens[0].id;
    expect((await call(t.app, 'POST', `/api/v1/tokens/${id}/revoke`)).status).toBe(200);
    const res = await page(t.app, '/pilots', undefined, token);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fpilots&reason=expired');
    expect(setCookie(res.headers)).toMatch(/^p3s_session=; Max-Age=0/);
    expect((await page(t.app, res.headers.location as string)).html).toContain('Your session ended');
  });
});

describe('the token read policy', () => {
  beforeEach(() => app({ readPolicy: 'token' }));

  it.each([
    '/',
    '/jobs',
    '/jobs/1',
    '/pilots',
    '/workflows',
    '/dags',
    '/datasets',
    '/sites',
    '/retry-rules',
    '/audit',
  ])('%s sends a viewer without a session to log in', async (url) => {
    const res = await page(t.app, url);
    expect(res.status).toBe(303);
    const next = url === '/' ? '' : `next=${encodeURIComponent(url)}&`;
    expect(res.headers.location).toBe(`/login?${next}reason=required`);
  });

  it('tells htmx to redirect (a live refresh, a log poll) instead of swapping in a redirect', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/jobs/1/log?stream=out&offset=0',
      headers: { 'hx-request': 'true', 'hx-current-url': 'http://localhost/jobs/1?attempt=1' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['hx-redirect']).toBe('/login?next=%2Fjobs%2F1%3Fattempt%3D1&reason=required');
    expect(res.body).toBe('');
  });

  it('still serves the login page and the assets', async () => {
    expect((await page(t.app, '/login')).status).toBe(200);
    expect((await page(t.app, '/login')).html).toContain('only to those with a user or admin token');
    expect((await t.app.inject({ method: 'GET', url: '/assets/monitor.css' })).statusCode).toBe(200);
  });

  it('renders every page for a logged-in user', async () => {
    const token = await createToken(t.store, 'user', 'alice');
    const [job] = await submit(t.app, [{ name: 'mine', payload: '/bin/x', state: 'template' }]);
    for (const url of [
      '/',
      '/jobs',
      `/jobs/${job.id}`,
      '/pilots',
      '/workflows',
      '/dags',
      '/datasets',
      '/sites',
      '/retry-rules',
    ]) {
      const res = await page(t.app, url, undefined, token);
      expect(res.status, url).toBe(200);
      expect(res.html, url).toContain('alice <span class="role role-user">user</span>');
    }
    expect((await page(t.app, `/jobs/${job.id}`, 'live', token)).html).toContain(
      '<span class="badge state-template">',
    );
  });

  it('logs in through the form and lands on the page asked for', async () => {
    const token = await createToken(t.store, 'user', 'alice');
    const first = await page(t.app, '/pilots?state=idle');
    expect(first.headers.location).toBe('/login?next=%2Fpilots%3Fstate%3Didle&reason=required');
    const form = await page(t.app, first.headers.location as string);
    expect(form.html).toContain('name="next" value="/pilots?state=idle"');
    const res = await login(token, '/pilots?state=idle');
    expect(res.headers.location).toBe('/pilots?state=idle');
    const cookie = res.cookies.find((c) => c.name === 'p3s_session')!;
    expect((await page(t.app, '/pilots?state=idle', undefined, cookie.value)).status).toBe(200);
  });

  it('sends a session whose token expired back to the login page', async () => {
    const token = await createToken(t.store, 'user', 'alice', { expiresAt: Date.now() + 60_000 });
    expect((await page(t.app, '/jobs', undefined, token)).status).toBe(200);
    t.advance(120_000);
    const res = await page(t.app, '/jobs', 'live', token);
    expect(res.headers['hx-redirect']).toBe('/login?next=%2Fjobs&reason=expired');
    expect(setCookie(res.headers)).toMatch(/^p3s_session=; Max-Age=0/);
  });

  it('refuses a pilot token planted as the cookie', async () => {
    const token = await createToken(t.store, 'pilot', 'farm');
    const res = await page(t.app, '/jobs', undefined, token);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fjobs&reason=expired');
  });
});

describe('the kill and retry buttons', () => {
  let alice: string;
  let bob: string;
  let id: number;
  beforeEach(async () => {
    await app();
    alice = await createToken(t.store, 'user', 'alice');
    bob = await createToken(t.store, 'user', 'bob');
    [{ id }] = await submit(t.app, [{ name: 'k', payload: '/bin/x', state: 'template' }], 'alice');
  });

  it.each([
    ['the owner', true, () => alice],
    ['an admin', true, () => t.adminToken],
    ['another user', false, () => bob],
    ['an anonymous viewer', false, () => undefined],
  ])('are shown to %s: %s', async (_who, shown, token) => {
    const { html } = await page(t.app, `/jobs/${id}`, undefined, token());
    expect(html.includes(`hx-post="/jobs/${id}/kill"`)).toBe(shown);
    expect(html.includes('button type="button" class="action')).toBe(shown);
  });

  it('offer an anonymous viewer a login that returns to the job', async () => {
    const { html } = await page(t.app, `/jobs/${id}`);
    expect(html).toContain(`<a class="note" href="/login?next=%2Fjobs%2F${id}">Log in to kill this job</a>`);
  });

  it("are enforced by the API: another user's kill shows the API's refusal and changes nothing", async () => {
    const res = await kill(id, bob);
    expect(res.status).toBe(200);
    expect(res.html).toContain('class="error-banner"');
    expect(res.html).toMatch(
      new RegExp(
        `Could not kill job ${id}: job ${id} belongs to &quot;alice&quot;; &quot;bob&quot; may not change it`,
      ),
    );
    expect(await stateOf(id)).toBe('template');
  });

  it('ask an anonymous viewer to log in first', async () => {
    const res = await kill(id, null);
    expect(res.html).toContain(`Could not kill job ${id}: log in first`);
    expect(await stateOf(id)).toBe('template');
  });

  it("let an admin kill any job, recorded under the admin's name", async () => {
    const res = await kill(id, t.adminToken);
    expect(res.html).toContain(`Job ${id} cancelled.`);
    const events = (await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.events;
    expect(events.at(-1).actor).toBe('admin');
  });

  it('refuse a cross-site kill even with the owner logged in', async () => {
    const res = await kill(id, alice, { origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect(await stateOf(id)).toBe('template');
  });
});

describe('the audit page', () => {
  let alice: string;
  beforeEach(async () => {
    await app();
    alice = await createToken(t.store, 'user', 'alice');
  });

  it('lists the trail for an admin, linking jobs, with filters in the URL', async () => {
    const [mine] = await submit(t.app, [{ name: 'a', payload: '/bin/x', state: 'template' }], 'alice');
    const [theirs] = await submit(t.app, [{ name: 'b', payload: '/bin/x', state: 'template' }], 'carol');
    await kill(mine.id, alice);
    await kill(theirs.id, alice); // refused: denied entry
    const { status, html } = await page(t.app, '/audit', undefined, t.adminToken);
    expect(status).toBe(200);
    expect(html).toContain('<a href="/audit" class="active">Audit</a>');
    expect(html).toMatch(
      /<tr data-audit="\d+" data-outcome="ok">.*?<a href="\/audit\?actor=alice">alice<\/a>.*?<code>job\.kill<\/code>.*?job <a href="\/jobs\/1">1<\/a>/,
    );
    expect(html).toContain('data-outcome="denied"');
    expect(html).toContain('<a class="json" href="/api/v1/audit?limit=50&amp;offset=0"');

    const denied = await page(t.app, '/audit?actor=alice&outcome=denied', undefined, t.adminToken);
    expect(denied.html.match(/<tr data-audit=/g)).toHaveLength(1);
    expect(denied.html).toContain('<option value="denied" selected>denied</option>');
    expect(denied.html).toContain('name="actor" value="alice"');
    const killsOfJob = await page(
      t.app,
      `/audit?action=job.kill&objectType=job&objectId=${mine.id}`,
      undefined,
      t.adminToken,
    );
    expect(killsOfJob.html.match(/<tr data-audit=/g)).toHaveLength(1);
    const none = await page(t.app, '/audit?actor=nobody', undefined, t.adminToken);
    expect(none.html).toContain('No entry matches these filters.');
  });

  it('is a 403 page for a user and for an anonymous viewer, and not in their navigation', async () => {
    const user = await page(t.app, '/audit', undefined, alice);
    expect(user.status).toBe(403);
    expect(user.html).toContain('For admins only');
    expect(user.html).toContain('logged in as &quot;alice&quot; with a user token');
    expect(user.html).not.toContain('href="/audit"');
    const anonymous = await page(t.app, '/audit');
    expect(anonymous.status).toBe(403);
    expect(anonymous.html).toContain('<a href="/login?next=%2Faudit">Log in</a>');
  });
});

describe('who owns what', () => {
  beforeEach(() => app());

  it("shows the job's user and the pilot's owner (the token that registered it)", async () => {
    const farm = await createToken(t.store, 'pilot', 'farm');
    await call(t.app, 'POST', '/api/v1/pilots', registration('pilot-a'), farm);
    const [job] = await submit(t.app, [{ name: 'j', payload: '/bin/x' }], 'alice');
    expect((await page(t.app, `/jobs/${job.id}`)).html).toContain('<dt>user</dt><dd>alice</dd>');
    expect((await page(t.app, '/jobs')).html).toContain('<td>alice</td>');
    const pilots = await page(t.app, '/pilots');
    expect(pilots.html).toContain('<th>Owner</th>');
    expect(pilots.html).toContain('<span>farm</span>');
    expect((await page(t.app, '/pilots/pilot-a')).html).toContain('<dt>owner</dt><dd>farm</dd>');
  });
});
