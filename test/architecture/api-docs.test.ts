// docs/reference/api.md lists every JSON API route the server registers.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../src/protocol/routes.ts';
import { accessRuleOf } from '../../src/server/auth/route-access.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { tableRows } from '../helpers/markdown.ts';

const rows = tableRows(
  readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'reference', 'api.md'), 'utf8'),
);
let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('API reference', () => {
  it('documents every registered route of the JSON API', () => {
    // The monitor's pages and assets are listed in docs/guides/monitor.md (test/web/monitor-docs.test.ts).
    // The API, and the routes outside its prefix that are guarded like it (/metrics).
    const missing = t.app.p3s.routes.filter(
      (r) =>
        (r.url.startsWith(API_PREFIX) || accessRuleOf(r.method, r.url) !== undefined) &&
        !rows.some((cells) => cells[0] === r.method && cells[1] === `\`${r.url}\``),
    );
    expect(missing).toEqual([]);
  });

  it('gives every route its access rule, as the server enforces it', () => {
    const apiRoutes = t.app.p3s.routes.filter(
      (r) => r.url.startsWith(API_PREFIX) || accessRuleOf(r.method, r.url) !== undefined,
    );
    const documented = new Map(
      rows.filter((cells) => cells.length === 3).map((cells) => [`${cells[0]} ${cells[1]}`, cells[2]]),
    );
    for (const r of apiRoutes) {
      const rule = accessRuleOf(r.method, r.url);
      expect(rule, `${r.method} ${r.url} has no access rule`).toBeDefined();
      expect(documented.get(`${r.method} \`${r.url}\``), `${r.method} ${r.url} in the access table`).toBe(
        rule,
      );
    }
  });
});
