// The site routes through inject(): P3S site files accepted unchanged, bad input refused with
// the field path, define is an upsert (201 then 200), and jobs asking for a site are matched to it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApp, registration, type TestApp } from '../helpers/app.ts';

const SITES = join(import.meta.dirname, '..', 'fixtures', 'p3s', 'sites');
const fixture = (name: string) => JSON.parse(readFileSync(join(SITES, name), 'utf8'));

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('POST /api/v1/sites', () => {
  it('defines lxvm.json unchanged (201), and replaces it on a second define (200)', async () => {
    const first = await call(t.app, 'POST', '/api/v1/sites', { site: fixture('lxvm.json') });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      created: true,
      site: { name: 'lxvm', pilots: 120, pilotcycles: 0, pilotperiod: 40, pilotbeat: 100, pilotlife: null },
    });
    const again = await call(t.app, 'POST', '/api/v1/sites', {
      site: { ...fixture('lxvm.json'), pilots: '7' },
    });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ created: false, site: { pilots: 7 } });
  });

  it('accepts every P3S site file (template.json and test.json both name "test")', async () => {
    for (const file of ['lxvm.json', 'template.json', 'test.json']) {
      const res = await call(t.app, 'POST', '/api/v1/sites', { site: fixture(file) });
      expect(res.status, file).toBeLessThan(300);
    }
    const list = await call(t.app, 'GET', '/api/v1/sites');
    expect(list.json.sites.map((s: { name: string }) => s.name)).toEqual(['lxvm', 'test']);
    expect(list.json.sites[1]).toMatchObject({ pilotcycles: 666, env: { COMMENT: 'For testing only' } });
  });

  it.each([
    ['no site', {}, '/body'],
    ['a site that is a list', { site: [] }, '/site'],
    ['an unknown field', { site: { name: 'x', pilotz: 1 } }, '/site/pilotz'],
    ['a bad name', { site: { name: 'a/b' } }, '/site/name'],
    ['a word for a number', { site: { name: 'x', pilotbeat: 'fast' } }, '/site/pilotbeat'],
    ['a number in env', { site: { name: 'x', env: { A: 1 } } }, '/site/env/A'],
    ['an extra body field', { site: { name: 'x' }, force: true }, '/body'],
  ])('refuses %s with 400 naming the field, storing nothing', async (_, body, path) => {
    const res = await call(t.app, 'POST', '/api/v1/sites', body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect(JSON.stringify(res.json.error)).toContain(path);
    expect((await call(t.app, 'GET', '/api/v1/sites')).json.sites).toEqual([]);
  });
});

describe('GET and DELETE /api/v1/sites/:name', () => {
  it('shows a site, 404 for an unknown one, and deletes it once', async () => {
    await call(t.app, 'POST', '/api/v1/sites', { site: fixture('test.json') });
    expect((await call(t.app, 'GET', '/api/v1/sites/test')).json.site.server).toBe('nosuchserver:1234');
    const missing = await call(t.app, 'GET', '/api/v1/sites/nope');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');
    expect((await call(t.app, 'DELETE', '/api/v1/sites/test')).json).toEqual({ ok: true });
    expect((await call(t.app, 'DELETE', '/api/v1/sites/test')).status).toBe(404);
    expect((await call(t.app, 'GET', '/api/v1/sites/bad%20name')).status).toBe(400);
  });
});

describe('jobs that ask for a site', () => {
  it('go only to pilots of that site; any-site jobs go to every pilot', async () => {
    await call(t.app, 'POST', '/api/v1/jobs', {
      jobs: [
        { name: 'at-lxvm', payload: '/bin/true', site: 'lxvm', priority: '5' },
        { name: 'anywhere', payload: '/bin/true' },
      ],
    });
    const claim = async (uuid: string, site: string | null) => {
      await call(t.app, 'POST', '/api/v1/pilots', registration(uuid, { site }));
      return (await call(t.app, 'POST', `/api/v1/pilots/${uuid}/claim`, { wait: 0, beat: 1 })).json.job;
    };
    expect((await claim('p-none', null))?.name).toBe('anywhere');
    expect(await claim('p-other', 'neutdqm')).toBeNull();
    expect((await claim('p-lxvm', 'lxvm'))?.name).toBe('at-lxvm');
  });
});
