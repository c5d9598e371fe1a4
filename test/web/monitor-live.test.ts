// The monitor's live regions are long-polls: a region asks its page with the version of what it
// shows (`seen`) and a `wait`; the server holds that request until a change makes the page read
// differently, answers at once when the version already differs, and never holds a first page load.
// The log viewer's follower is held by the logs API the same way; on PostgreSQL a write on another
// server ends the hold (NOTIFY). Through inject() on the real app;
// the wait is set far beyond the test's timeout, so only a change can end a held request.

import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/server/app.ts';
import { openStore } from '../../src/store/open-store.ts';
import { call, makeTestApp, registration, type TestApp } from '../helpers/app.ts';
import { finish, log, page, start, submit } from '../helpers/monitor-data.ts';
import { createTestDatabase, postgresAvailable } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/processes.ts';

let t: TestApp | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function app(config: Partial<AppConfig> = {}): Promise<TestApp> {
  t = await makeTestApp(config);
  return t;
}

/** The URL a live region asks next (its hx-get), unescaped. */
function askOf(html: string, id = 'live'): string {
  const found = new RegExp(`<section id="${id}" class="live" hx-get="([^"]+)"`).exec(html);
  if (!found) throw new Error(`no live region #${id} in ${html.slice(0, 200)}`);
  return found[1]!.replaceAll('&amp;', '&');
}

const seenOf = (url: string) => new URL(url, 'http://monitor').searchParams.get('seen');

/** Whether `promise` has settled, readable while it is pending. */
function tracked<T>(promise: Promise<T>): { settled: boolean } {
  const state = { settled: false };
  void promise.finally(() => {
    state.settled = true;
  });
  return state;
}

/** Waits until the server holds `n` reads waiting for the store's next change. */
const holding = (test: TestApp, n = 1) =>
  expect.poll(() => test.app.p3s.changes.size, { timeout: 30_000 }).toBe(n);

describe('live regions are held until they change', () => {
  it('holds a region asking with the version it shows until a change, and answers another version at once', async () => {
    const { app: server } = await app({ monitorWaitSeconds: 600 });
    const [job] = await submit(server, [{ name: 'parked', payload: '/bin/true', state: 'template' }]);
    // A first page load never waits, whatever its URL says.
    const first = await page(server, `/jobs/${job.id}?wait=600&seen=0123456789abcdef`);
    expect(first.status).toBe(200);
    expect(askOf(first.html)).toMatch(new RegExp(`^/jobs/${job.id}\\?wait=600&seen=[\\w-]{16}$`));
    // A region showing another version is answered at once, with the version of what it now shows.
    const other = await page(server, askOf(first.html).replace(/seen=.*/, 'seen=0123456789abcdef'), 'live');
    expect(other.status).toBe(200);
    expect(other.html).toContain('<div class="job-head"><span class="badge state-template">');
    const ask = askOf(other.html);
    // Asked again with that version: held, as nothing it shows changed.
    const answer = page(server, ask, 'live');
    const state = tracked(answer);
    await holding(t!);
    expect(state.settled).toBe(false);
    const adjusted = await call(server, 'PATCH', `/api/v1/jobs/${job.id}`, { state: 'defined' });
    expect(adjusted.status).toBe(200);
    const shown = await answer;
    expect(shown.status).toBe(200);
    expect(shown.html).toContain('<div class="job-head"><span class="badge state-defined">');
    expect(seenOf(askOf(shown.html))).not.toBe(seenOf(ask));
  });

  it('holds the jobs list until a job in it changes', async () => {
    const { app: server } = await app({ monitorWaitSeconds: 600 });
    const [job] = await submit(server, [{ name: 'listed', payload: '/bin/true', state: 'template' }]);
    const region = await page(server, '/jobs?name=listed', 'live');
    const answer = page(server, askOf(region.html), 'live');
    const state = tracked(answer);
    await holding(t!);
    expect(state.settled).toBe(false);
    expect((await call(server, 'POST', `/api/v1/jobs/${job.id}/kill`)).status).toBe(200);
    const shown = await answer;
    expect(shown.html).toContain(`<tr data-job="${job.id}" data-state="cancelled"`);
  });

  it("follows a log through the logs API's wait: held until new bytes arrive", async () => {
    const { app: server } = await app({ monitorWaitSeconds: 600 });
    const [job] = await submit(server, [{ name: 'talks', payload: '/bin/x' }]);
    const uuid = await start(server, job.id);
    await log(server, job.id, uuid, 0, 'line 1\n');
    const box = await page(server, `/jobs/${job.id}`);
    // The API holds a read for at most a minute: the follower asks for no more.
    const follow = /<div id="log-poll" class="log-live" hx-get="([^"]+)"/.exec(box.html)![1]!;
    expect(follow).toBe(`/jobs/${job.id}/log?stream=out&amp;attempt=1&amp;offset=7&amp;wait=60`);
    const answer = page(server, follow.replaceAll('&amp;', '&'), 'log-poll');
    const state = tracked(answer);
    await holding(t!);
    expect(state.settled).toBe(false);
    await log(server, job.id, uuid, 7, 'line 2\n');
    const next = await answer;
    expect(next.html).toContain('<div hx-swap-oob="beforeend:#log-text">line 2\n</div>');
    expect(next.html).toContain('offset=14&amp;wait=60');
  });
});

describe.runIf(postgresAvailable())('PostgreSQL, two servers on one database', () => {
  it('a kill on server A answers the job page region held on server B', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const a = await makeTestApp({ monitorWaitSeconds: 600 }, await openStore({ databaseUrl: db.url }));
    cleanups.push(() => a.close());
    const b = await makeTestApp({ monitorWaitSeconds: 600 }, await openStore({ databaseUrl: db.url }));
    cleanups.push(() => b.close());
    const [job] = await submit(a.app, [{ name: 'parked', payload: '/bin/true', state: 'template' }]);
    const region = await page(b.app, `/jobs/${job.id}`, 'live');
    const answer = page(b.app, askOf(region.html), 'live');
    const state = tracked(answer);
    await holding(b);
    // B hears A's writes through NOTIFY once its LISTEN connection is open: kill only then.
    await waitFor('server B to LISTEN', () => listening(db.url, 2), 10_000, 20);
    expect(state.settled).toBe(false);
    expect((await call(a.app, 'POST', `/api/v1/jobs/${job.id}/kill`)).status).toBe(200);
    const shown = await answer;
    expect(shown.html).toContain('<div class="job-head"><span class="badge state-cancelled">');
  });
});

/** Whether `n` servers' LISTEN connections to this database are open. */
async function listening(url: string, n: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and query like 'LISTEN %'`,
    );
    return rows[0].n >= n;
  } finally {
    await client.end();
  }
}

describe('the version of a region', () => {
  it('stays the same while nothing changes, on every live page, so a quiet region is held', async () => {
    // Held for a second at most: each answer, at the end of its wait, must show the same version.
    const { app: server } = await app({ monitorWaitSeconds: 1 });
    const [parked, running] = await submit(server, [
      { name: 'parked', payload: '/bin/true', state: 'template' },
      { name: 'running', payload: '/bin/sleep 100' },
    ]);
    const uuid = await start(server, running.id);
    await log(server, running.id, uuid, 0, 'working\n');
    const [done] = await submit(server, [{ name: 'done', payload: '/bin/true' }]);
    const doneBy = await start(server, done.id);
    await finish(server, done.id, doneBy, 1);
    await call(server, 'POST', '/api/v1/pilots', registration('idle-pilot', { host: 'idle-node' }));
    const pilot = (await call(server, 'GET', '/api/v1/pilots?limit=1')).json.pilots[0].id;
    const pages = [
      '/',
      '/jobs',
      `/jobs/${parked.id}`,
      `/jobs/${running.id}`,
      `/jobs/${done.id}`,
      '/pilots',
      `/pilots/${pilot}`,
      '/workflows',
      '/dags',
      '/datasets',
      '/sites',
      '/retry-rules',
      '/workers',
    ];
    for (const path of pages) {
      const region = await page(server, path, 'live');
      expect(region.status, path).toBe(200);
      const ask = askOf(region.html);
      const again = await page(server, ask, 'live');
      expect(again.status, path).toBe(200);
      expect(seenOf(askOf(again.html)), path).toBe(seenOf(ask));
    }
  });
});
