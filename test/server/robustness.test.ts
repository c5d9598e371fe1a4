// No request a client can send yields a 500: every registered route gets malformed
// bodies, wrong types, huge and odd strings and path tricks, and must answer 2xx/4xx.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../src/protocol/routes.ts';
import { makeTestApp, registration, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
  await t.app.inject({ method: 'POST', url: '/api/v1/pilots', payload: registration('p-1') });
  await t.app.inject({ method: 'POST', url: '/api/v1/jobs', payload: { jobs: [{ payload: '/bin/true' }] } });
});
afterAll(async () => {
  await t.close();
});

const BODIES: unknown[] = [
  null,
  [],
  'text',
  42,
  { jobs: null },
  { jobs: [null, 1, 'x', [], {}] },
  { jobs: [{ payload: 'x', env: { A: { nested: true } } }] },
  { jobs: [{ payload: '\u0000\uffff\ud83d\ude00', name: '<script>alert(1)</script>' }] },
  { jobs: [{ payload: 'x', timeout: 1e308, priority: -1e308 }] },
  { pilot: '../../etc/passwd', attempt: -1, metrics: 'x', outcome: null },
  { pilot: 'p-1', attempt: 1, metrics: null, logs: { out: { offset: -5, data: '!!!' } } },
  { pilot: 'p-1', attempt: 1e20, metrics: null, outcome: { kind: 'exited', exitCode: 'zero' } },
  {
    uuid: 'x'.repeat(10_000),
    host: '',
    site: 5,
    pid: -1,
    batchId: {},
    jobTypes: 'all',
    version: 1,
    lifetime: 'forever',
  },
  { wait: -1, beat: 0 },
  { wait: 'forever', beat: null },
  { priority: '9', timelimit: 0, env: [], state: 'running' },
  { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } },
];

const PARAMS = [
  '1',
  '0',
  '-1',
  '999999999999999999999',
  'abc',
  '..%2F..%2Fetc',
  '%00',
  'p-1',
  "1'%20OR%20'1'='1",
];
const QUERIES = [
  '',
  '?limit=0',
  '?limit=abc',
  '?state=nope',
  '?offset=-1',
  '?sort=id;drop',
  '?stream=in',
  '?name=%25%5F*',
];

describe('robustness', () => {
  it('has routes to probe', () => {
    expect(t.app.p3s.routes.length).toBeGreaterThanOrEqual(15);
  });

  it('never answers 500 to malformed requests on any route', async () => {
    const failures: string[] = [];
    for (const route of t.app.p3s.routes) {
      for (const param of PARAMS) {
        const url = route.url.replace(/:[a-z]+/g, param);
        for (const query of route.method === 'GET' ? QUERIES : ['']) {
          const bodies = route.method === 'GET' || route.method === 'DELETE' ? [undefined] : BODIES;
          for (const body of bodies) {
            const res = await t.app.inject({
              method: route.method as 'GET',
              url: url + query,
              ...(body === undefined
                ? {}
                : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
            });
            if (res.statusCode >= 500)
              failures.push(
                `${route.method} ${url}${query} ${JSON.stringify(body)?.slice(0, 80)} → ${res.statusCode} ${res.body.slice(0, 200)}`,
              );
            // The monitor's pages answer HTML; the API always JSON.
            else if (route.url.startsWith(API_PREFIX)) expect(() => JSON.parse(res.body)).not.toThrow();
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers a text/plain body with 415, as the API reference says, storing nothing', async () => {
    const before = (await t.app.inject({ method: 'GET', url: '/api/v1/jobs' })).json().total;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      payload: '{"jobs": [{"payload": "/bin/true"}]}',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${t.adminToken}` },
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/jobs' })).json().total).toBe(before);
  });

  it('refuses a body nested deeper than 32 levels before parsing it', async () => {
    const deep = `{"jobs":${'['.repeat(400_000)}${']'.repeat(400_000)}}`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      payload: deep,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'validation_failed',
      details: [{ path: '/body', message: 'nests arrays and objects deeper than 32 levels' }],
    });
  });

  it('answers odd content types and headers with 4xx', async () => {
    for (const headers of [
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/json; charset=latin1' },
      { 'content-type': 'application/json', 'content-length': '5' },
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/jobs',
        payload: '{"jobs": []}',
        headers,
      });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }
  });

  it('stored nothing from the rejected submissions (job 1 may have been deleted by the DELETE probes)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/jobs' });
    expect(
      res
        .json()
        .jobs.map((j: { id: number }) => j.id)
        .filter((id: number) => id !== 1),
    ).toEqual([]);
  });
});
