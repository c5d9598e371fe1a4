// The JSON API refuses state changes that a browser marks as cross-site (CSRF): a page elsewhere
// cannot kill a job with a text/plain "simple" POST. Clients that are not browsers are unaffected.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

/** A kill; by default as a browser's "simple" POST (text/plain), which needs no preflight. */
async function kill(id: number, headers: Record<string, string>) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/jobs/${id}/kill`,
    headers: {
      'content-type': 'text/plain',
      host: '127.0.0.1:7878',
      authorization: `Bearer ${t.adminToken}`,
      ...headers,
    },
    payload: '{}',
  });
  return { status: res.statusCode, json: res.json() };
}

describe('cross-site requests to the JSON API', () => {
  it.each([
    ['marked cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['marked same-site (another port or subdomain)', { 'sec-fetch-site': 'same-site' }],
    ['from another origin', { origin: 'http://evil.example' }],
    ['from an opaque origin', { origin: 'null' }],
  ])('refuses a state change %s with 403 cross_site_refused', async (_name, headers) => {
    const [job] = (
      await call(t.app, 'POST', '/api/v1/jobs', { jobs: [{ payload: '/bin/x', state: 'template' }] })
    ).json.jobs;
    const res = await kill(job.id, headers);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('cross_site_refused');
    expect((await call(t.app, 'GET', `/api/v1/jobs/${job.id}`)).json.job.state).toBe('template');
  });

  it('lets same-origin browser requests, other clients and every read through', async () => {
    const [a, b] = (
      await call(t.app, 'POST', '/api/v1/jobs', {
        jobs: [
          { payload: '/bin/x', state: 'template' },
          { payload: '/bin/x', state: 'template' },
        ],
      })
    ).json.jobs;
    const json = { 'content-type': 'application/json' };
    expect(
      (await kill(a.id, { ...json, 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.1:7878' }))
        .status,
    ).toBe(200);
    expect((await kill(b.id, json)).status).toBe(200);
    const read = await t.app.inject({
      method: 'GET',
      url: '/api/v1/jobs',
      headers: { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' },
    });
    expect(read.statusCode).toBe(200);
  });
});
