// What a pilot token can and cannot do (issue #5): a pilot token drives only the pilots it
// registered, for its own site; it cannot claim for another site, report on a job another pilot
// holds, or read jobs, logs or pilots — and every refused attempt leaves the job and pilot rows as
// they were. A user token cannot register a pilot; a pilot keeps one claim long-poll at a time.

import { afterEach, describe, expect, it } from 'vitest';
import type { ReadPolicy } from '../../src/core/index.ts';
import type { Store } from '../../src/store/store.ts';
import { SITE_A, SITE_B } from '../helpers/access.ts';
import { call, createToken, makeTestApp, registration, type TestApp } from '../helpers/app.ts';
import { waitFor } from '../helpers/processes.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

interface Scene {
  t: TestApp;
  store: Store;
  /** Pilot token of site A, and a second, separate one for site A. */
  pilotA: string;
  pilotA2: string;
  /** Pilot token of site B. */
  pilotB: string;
  user: string;
}

async function makeScene(readPolicy: ReadPolicy = 'open'): Promise<Scene> {
  t = await makeTestApp({ readPolicy });
  const { store } = t;
  for (const name of [SITE_A, SITE_B])
    expect((await call(t.app, 'POST', '/api/v1/sites', { site: { name } })).status).toBe(201);
  return {
    t,
    store,
    pilotA: await createToken(store, 'pilot', 'pilot-siteA', { site: SITE_A }),
    pilotA2: await createToken(store, 'pilot', 'pilot-siteA-2', { site: SITE_A }),
    pilotB: await createToken(store, 'pilot', 'pilot-siteB', { site: SITE_B }),
    user: await createToken(store, 'user', 'alice'),
  };
}

async function register(s: Scene, token: string, uuid: string, site: string | null): Promise<void> {
  const res = await call(s.t.app, 'POST', '/api/v1/pilots', registration(uuid, { site }), token);
  expect(res.status, JSON.stringify(res.json)).toBe(201);
}

async function submit(s: Scene, site: string | null, payload = '/bin/true'): Promise<number> {
  const res = await call(
    s.t.app,
    'POST',
    '/api/v1/jobs',
    { jobs: [{ payload, ...(site ? { site } : {}) }] },
    s.user,
  );
  expect(res.status).toBe(201);
  return res.json.jobs[0].id;
}

/** The pilot `uuid` (driven by `token`) claims and starts a job, and ships a first log line. */
async function holdJob(s: Scene, token: string, uuid: string): Promise<{ id: number; attempt: number }> {
  const claimed = await call(s.t.app, 'POST', `/api/v1/pilots/${uuid}/claim`, { wait: 0, beat: 1 }, token);
  expect(claimed.status).toBe(200);
  expect(claimed.json.job).not.toBeNull();
  const { id, attempt } = claimed.json.job;
  expect(
    (await call(s.t.app, 'POST', `/api/v1/jobs/${id}/start`, { pilot: uuid, attempt, pid: 7 }, token)).status,
  ).toBe(200);
  const beat = await call(
    s.t.app,
    'POST',
    `/api/v1/jobs/${id}/heartbeat`,
    { pilot: uuid, attempt, metrics: null, logs: { out: { offset: 0, data: b64('secret output\n') } } },
    token,
  );
  expect(beat.status).toBe(200);
  return { id, attempt };
}

/** Everything stored about a job and a pilot, to compare before and after a refused request. */
async function snapshot(s: Scene, jobId: number, pilotUuids: string[]) {
  const job = await s.store.getJob(jobId);
  return {
    job,
    detail: await s.store.getJobDetail(jobId),
    out: job ? await s.store.getLog(jobId, job.attempt, 'out') : undefined,
    err: job ? await s.store.getLog(jobId, job.attempt, 'err') : undefined,
    pilots: await Promise.all(pilotUuids.map((uuid) => s.store.getPilot(uuid))),
  };
}

/** The three reports a pilot makes about a job, with a log chunk that must never land. */
function reports(pilot: string, attempt: number) {
  const logs = { out: { offset: 0, data: b64('INJECTED') }, err: { offset: 0, data: b64('INJECTED') } };
  return [
    ['start', { pilot, attempt, pid: 666 }],
    ['heartbeat', { pilot, attempt, metrics: { cpuSeconds: 1, rssKb: 1, maxRssKb: 1 }, logs }],
    ['finish', { pilot, attempt, outcome: { kind: 'exited', exitCode: 0 }, metrics: null, logs }],
  ] as const;
}

describe('a pilot token cannot claim for another site', () => {
  it('cannot claim through a pilot of site B (403); the site-B job and pilot stay as they were', async () => {
    const s = await makeScene();
    await register(s, s.pilotB, 'pB', SITE_B);
    const job = await submit(s, SITE_B);
    const before = await snapshot(s, job, ['pB']);
    const res = await call(s.t.app, 'POST', '/api/v1/pilots/pB/claim', { wait: 0, beat: 1 }, s.pilotA);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('forbidden');
    expect(await snapshot(s, job, ['pB'])).toEqual(before);
    expect(before.job?.state).toBe('defined');
  });

  it('its own site-A pilot never gets a site-B job; the job stays defined', async () => {
    const s = await makeScene();
    await register(s, s.pilotA, 'pA', SITE_A);
    const job = await submit(s, SITE_B);
    const before = await snapshot(s, job, []);
    const res = await call(s.t.app, 'POST', '/api/v1/pilots/pA/claim', { wait: 0, beat: 1 }, s.pilotA);
    expect(res.status).toBe(200);
    expect(res.json.job).toBeNull();
    expect(await snapshot(s, job, [])).toEqual(before);
  });

  it('cannot register a pilot for site B or for no site (403), storing no pilot', async () => {
    const s = await makeScene();
    for (const [uuid, site] of [
      ['to-siteB', SITE_B],
      ['to-nosite', null],
    ] as const) {
      const res = await call(s.t.app, 'POST', '/api/v1/pilots', registration(uuid, { site }), s.pilotA);
      expect(res.status, `site ${site}`).toBe(403);
      expect(await s.store.getPilot(uuid)).toBeUndefined();
    }
    const list = await call(s.t.app, 'GET', '/api/v1/pilots');
    expect(list.json.pilots).toEqual([]);
  });

  it("cannot take over another token's pilot by re-registering its uuid for its own site", async () => {
    const s = await makeScene();
    await register(s, s.pilotA2, 'pA2', SITE_A);
    const job = await submit(s, SITE_A);
    await holdJob(s, s.pilotA2, 'pA2');
    const before = await snapshot(s, job, ['pA2']);
    const res = await call(
      s.t.app,
      'POST',
      '/api/v1/pilots',
      registration('pA2', { site: SITE_A }),
      s.pilotA,
    );
    expect(res.status).toBe(403);
    expect(await snapshot(s, job, ['pA2'])).toEqual(before);
    // …and so cannot drive it afterwards either.
    const claim = await call(s.t.app, 'POST', '/api/v1/pilots/pA2/claim', { wait: 0, beat: 1 }, s.pilotA);
    expect(claim.status).toBe(403);
  });
});

describe('a pilot token cannot report on a job another pilot holds', () => {
  // Another site's pilot, and a pilot of the same site registered with another token.
  for (const other of ['site B', 'site A, another token'] as const) {
    it(`naming the holder (${other}): 403 on start, heartbeat, finish and deregister; nothing changes`, async () => {
      const s = await makeScene();
      const holderToken = other === 'site B' ? s.pilotB : s.pilotA2;
      const holderSite = other === 'site B' ? SITE_B : SITE_A;
      await register(s, holderToken, 'holder', holderSite);
      await register(s, s.pilotA, 'pA', SITE_A);
      const job = await submit(s, holderSite);
      const { attempt } = await holdJob(s, holderToken, 'holder');
      const before = await snapshot(s, job, ['holder', 'pA']);
      for (const [what, body] of reports('holder', attempt)) {
        const res = await call(s.t.app, 'POST', `/api/v1/jobs/${job}/${what}`, body, s.pilotA);
        expect(res.status, what).toBe(403);
        expect(await snapshot(s, job, ['holder', 'pA']), what).toEqual(before);
      }
      const gone = await call(s.t.app, 'POST', '/api/v1/pilots/holder/deregister', undefined, s.pilotA);
      expect(gone.status).toBe(403);
      expect(await snapshot(s, job, ['holder', 'pA'])).toEqual(before);
      expect(before.job).toMatchObject({ state: 'running', pid: 7 });
      expect(before.out?.totalBytes).toBe('secret output\n'.length);
    });

    it(`naming its own pilot (${other}): the lease is another's (409); nothing changes`, async () => {
      const s = await makeScene();
      const holderToken = other === 'site B' ? s.pilotB : s.pilotA2;
      const holderSite = other === 'site B' ? SITE_B : SITE_A;
      await register(s, holderToken, 'holder', holderSite);
      await register(s, s.pilotA, 'pA', SITE_A);
      const job = await submit(s, holderSite);
      const { attempt } = await holdJob(s, holderToken, 'holder');
      const before = await snapshot(s, job, ['holder', 'pA']);
      for (const [what, body] of reports('pA', attempt)) {
        const res = await call(s.t.app, 'POST', `/api/v1/jobs/${job}/${what}`, body, s.pilotA);
        expect(res.status, what).toBe(409);
        expect(res.json.error.code, what).toBe('lease_lost');
        expect(await snapshot(s, job, ['holder', 'pA']), what).toEqual(before);
      }
    });
  }

  it('the holder itself still reports fine afterwards (the refusals did not disturb the lease)', async () => {
    const s = await makeScene();
    await register(s, s.pilotB, 'holder', SITE_B);
    await register(s, s.pilotA, 'pA', SITE_A);
    const job = await submit(s, SITE_B);
    const { attempt } = await holdJob(s, s.pilotB, 'holder');
    for (const [what, body] of reports('holder', attempt))
      await call(s.t.app, 'POST', `/api/v1/jobs/${job}/${what}`, body, s.pilotA);
    const done = await call(
      s.t.app,
      'POST',
      `/api/v1/jobs/${job}/finish`,
      { pilot: 'holder', attempt, outcome: { kind: 'exited', exitCode: 0 }, metrics: null },
      s.pilotB,
    );
    expect(done).toMatchObject({ status: 200, json: { state: 'finished' } });
    const log = await call(s.t.app, 'GET', `/api/v1/jobs/${job}/logs`);
    expect(log.json.data).toBe('secret output\n');
  });
});

describe('a pilot token reads only its own site', () => {
  for (const policy of ['open', 'token'] as const) {
    it(`cannot read jobs, logs (its own job's or another's), pilots or workflows (readPolicy ${policy})`, async () => {
      const s = await makeScene(policy);
      await register(s, s.pilotA, 'pA', SITE_A);
      await register(s, s.pilotB, 'pB', SITE_B);
      const own = await submit(s, SITE_A);
      const other = await submit(s, SITE_B);
      await holdJob(s, s.pilotA, 'pA');
      await holdJob(s, s.pilotB, 'pB');
      const urls = [
        '/api/v1/jobs',
        `/api/v1/jobs/${own}`,
        `/api/v1/jobs/${own}/logs`,
        `/api/v1/jobs/${other}`,
        `/api/v1/jobs/${other}/logs`,
        `/api/v1/jobs/${other}/logs?stream=err`,
        '/api/v1/pilots',
        '/api/v1/pilots/pB',
        '/api/v1/pilots/pA',
        '/api/v1/workflows',
        '/api/v1/summary',
        '/api/v1/sites',
      ];
      for (const url of urls) {
        const res = await call(s.t.app, 'GET', url, undefined, s.pilotA);
        expect(res.status, url).toBe(403);
        expect(JSON.stringify(res.json), url).not.toContain('secret output');
        expect(JSON.stringify(res.json), url).not.toContain(b64('secret output\n'));
      }
      // A user token reads them (the refusals are about the pilot token, not the objects).
      expect((await call(s.t.app, 'GET', `/api/v1/jobs/${other}/logs`, undefined, s.user)).json.data).toBe(
        'secret output\n',
      );
    });

    it(`reads its own site but not site B (readPolicy ${policy})`, async () => {
      const s = await makeScene(policy);
      const own = await call(s.t.app, 'GET', `/api/v1/sites/${SITE_A}`, undefined, s.pilotA);
      expect(own).toMatchObject({ status: 200, json: { site: { name: SITE_A } } });
      const other = await call(s.t.app, 'GET', `/api/v1/sites/${SITE_B}`, undefined, s.pilotA);
      expect(other.status).toBe(403);
      expect(JSON.stringify(other.json)).not.toContain('"env"');
      // An unknown site is refused alike: a pilot token learns nothing about which other sites exist.
      expect((await call(s.t.app, 'GET', '/api/v1/sites/nowhere', undefined, s.pilotA)).status).toBe(403);
      expect((await call(s.t.app, 'GET', `/api/v1/sites/${SITE_B}`, undefined, s.pilotB)).status).toBe(200);
    });
  }
});

describe('claim long-polls', () => {
  it('refuses a second concurrent claim for the same pilot with 429 and Retry-After', async () => {
    const s = await makeScene();
    await register(s, s.pilotA, 'pA', SITE_A);
    // Dispatched now (a bare inject() waits for its first then()), and long-polling before the second comes.
    const first = Promise.resolve(
      s.t.app.inject({
        method: 'POST',
        url: '/api/v1/pilots/pA/claim',
        headers: { authorization: `Bearer ${s.pilotA}` },
        payload: { wait: 5, beat: 1 },
      }),
    );
    await waitFor('the first claim long-polling', () => s.t.app.p3s.waiter.size > 0);
    const second = await s.t.app.inject({
      method: 'POST',
      url: '/api/v1/pilots/pA/claim',
      headers: { authorization: `Bearer ${s.pilotA}` },
      payload: { wait: 0, beat: 1 },
    });
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.json().error.code).toBe('too_many_requests');
    // A job arriving wakes the first long-poll, which gets it: the refusal did not disturb it.
    const job = await submit(s, SITE_A);
    const answered = await first;
    expect(answered.statusCode).toBe(200);
    expect(answered.json().job).toMatchObject({ id: job });
    // With the long-poll over, the pilot may claim again.
    const again = await call(s.t.app, 'POST', '/api/v1/pilots/pA/claim', { wait: 0, beat: 1 }, s.pilotA);
    expect(again.status).toBe(200);
  });
});

describe('a user token is not a pilot token', () => {
  it('cannot register a pilot (403), storing none', async () => {
    const s = await makeScene();
    for (const site of [SITE_A, null]) {
      const res = await call(s.t.app, 'POST', '/api/v1/pilots', registration('by-user', { site }), s.user);
      expect(res.status).toBe(403);
      expect(await s.store.getPilot('by-user')).toBeUndefined();
    }
  });

  it("cannot drive a pilot's claim or report on its job; the job stays as it was", async () => {
    const s = await makeScene();
    await register(s, s.pilotA, 'pA', SITE_A);
    const job = await submit(s, SITE_A);
    const { attempt } = await holdJob(s, s.pilotA, 'pA');
    const before = await snapshot(s, job, ['pA']);
    expect(
      (await call(s.t.app, 'POST', '/api/v1/pilots/pA/claim', { wait: 0, beat: 1 }, s.user)).status,
    ).toBe(403);
    for (const [what, body] of reports('pA', attempt)) {
      const res = await call(s.t.app, 'POST', `/api/v1/jobs/${job}/${what}`, body, s.user);
      expect(res.status, what).toBe(403);
    }
    expect((await call(s.t.app, 'POST', '/api/v1/pilots/pA/deregister', undefined, s.user)).status).toBe(403);
    expect(await snapshot(s, job, ['pA'])).toEqual(before);
  });
});
