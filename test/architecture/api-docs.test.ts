// docs/reference/api.md lists every route the server registers.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  it('documents every registered route', () => {
    const missing = t.app.p3s.routes.filter(
      (r) => !rows.some((cells) => cells[0] === r.method && cells[1] === `\`${r.url}\``),
    );
    expect(missing).toEqual([]);
  });
});
