// The route table the client and the monitor call through (src/protocol/endpoints.ts) names only
// routes the server registers, each with the method the server serves it under.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API } from '../../src/protocol/endpoints.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('the API table', () => {
  it('names only routes the server serves, with their methods', () => {
    const served = new Set(t.app.p3s.routes.map((r) => `${r.method} ${r.url}`));
    const table = Object.entries(API).map(([name, op]) => `${name}: ${op.method} ${op.path}`);
    expect(table.filter((entry) => !served.has(entry.replace(/^\w+: /, '')))).toEqual([]);
  });
});
