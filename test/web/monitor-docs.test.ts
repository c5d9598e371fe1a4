// docs/guides/monitor.md lists every route the monitor registers (pages, fragments, buttons, assets).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../src/protocol/routes.ts';
import { accessRuleOf } from '../../src/server/auth/route-access.ts';
import { PAGES } from '../../src/web/routes/pages.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { tableRows } from '../helpers/markdown.ts';

const rows = tableRows(
  readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'guides', 'monitor.md'), 'utf8'),
);
const listed = (method: string, url: string) =>
  rows.some((cells) => cells[0] === method && cells[1] === `\`${url}\``);

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('docs/from-p3s.md', () => {
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'from-p3s.md'), 'utf8');

  it('maps the P3S monitor to pages that exist, and no longer calls the monitor "later"', () => {
    expect(text).not.toMatch(/monitor[^\n]*\*\*later\*\*/i);
    const section = text.slice(text.indexOf('## The P3S monitor'), text.indexOf('## Environment variables'));
    const pages = [...section.matchAll(/`(\/[a-z]*)(?:\/(ID|NAME))?`/g)].map(([, path, param]) =>
      param ? `${path}/:${param === 'ID' ? 'id' : 'name'}` : (path as string),
    );
    expect(pages.length).toBeGreaterThan(10);
    expect(pages.filter((path) => !(path in PAGES))).toEqual([]);
  });
});

describe('monitor guide', () => {
  it('documents every monitor route the server registers', () => {
    // Routes with an access rule (the API, and /metrics outside its prefix) are in docs/reference/api.md.
    const monitor = t.app.p3s.routes.filter(
      (r) => !r.url.startsWith(API_PREFIX) && accessRuleOf(r.method, r.url) === undefined,
    );
    expect(monitor.length).toBeGreaterThan(Object.keys(PAGES).length);
    expect(monitor.filter((r) => !listed(r.method, r.url))).toEqual([]);
  });

  it('lists no page the server does not have', () => {
    const documented = rows
      .filter((cells) => cells[0] === 'GET' || cells[0] === 'POST')
      .map((cells) => `${cells[0]} ${cells[1]}`);
    const registered = new Set(t.app.p3s.routes.map((r) => `${r.method} \`${r.url}\``));
    expect(documented.filter((d) => !registered.has(d))).toEqual([]);
  });
});
