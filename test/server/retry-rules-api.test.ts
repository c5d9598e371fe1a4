// The retry rule routes through inject(): the shipped defaults listed, a rule added with its
// defaults filled, shown by id and by name, deleted; bad input refused with 400 naming the field,
// a taken name 409, an unknown rule 404, and a user refused the admin's routes (403).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, createToken, makeTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

const RULES = '/api/v1/retry-rules';

describe('GET /api/v1/retry-rules', () => {
  it('lists the shipped defaults, oldest first', async () => {
    const res = await call(t.app, 'GET', RULES);
    expect(res.status).toBe(200);
    expect(res.json.rules.map((r: { match: { errorName: string } }) => r.match.errorName)).toEqual([
      'lost',
      'pilot_shutdown',
      'server_unreachable',
      'pilot_lifetime',
      'exit_code',
    ]);
    expect(res.json.rules[0]).toMatchObject({
      action: 'retry',
      maxAttempts: 3,
      createdBy: 'p3s (shipped default)',
    });
  });
});

describe('POST /api/v1/retry-rules', () => {
  it('adds a rule with its defaults filled (201), recorded as the admin', async () => {
    const res = await call(t.app, 'POST', RULES, {
      name: 'segfaults',
      match: { signal: 'SIGSEGV' },
      action: 'retry',
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.rule).toMatchObject({
      name: 'segfaults',
      match: {
        errorName: null,
        exitCode: null,
        signal: 'SIGSEGV',
        diagPattern: null,
        jobType: null,
        site: null,
      },
      action: 'retry',
      maxAttempts: 3,
      delaySeconds: 0,
      delayFactor: 1,
      factor: null,
      cap: null,
      logOnly: false,
      createdBy: 'admin',
    });
    const audit = await call(t.app, 'GET', '/api/v1/audit?action=retry_rule.create');
    expect(audit.json.events[0]).toMatchObject({ objectId: String(res.json.rule.id), outcome: 'ok' });
  });

  it('takes every field, and gives no_retry one attempt by default', async () => {
    const full = await call(t.app, 'POST', RULES, {
      name: 'more memory',
      match: { errorName: 'memory_exceeded', jobType: 'reco', site: 'cern' },
      action: 'increase_memory',
      maxAttempts: 4,
      delaySeconds: 60,
      delayFactor: 2,
      factor: 1.5,
      cap: 8000,
      logOnly: true,
    });
    expect(full.status, JSON.stringify(full.json)).toBe(201);
    expect(full.json.rule).toMatchObject({ factor: 1.5, cap: 8000, delayFactor: 2, logOnly: true });
    const never = await call(t.app, 'POST', RULES, {
      name: 'exit 3 is final',
      match: { exitCode: 3, diagPattern: 'bad input' },
      action: 'no_retry',
    });
    expect(never.json.rule.maxAttempts).toBe(1);
  });

  it('keeps exit code 0 as 0, and takes null for a field left open', async () => {
    const res = await call(t.app, 'POST', RULES, {
      name: 'zero',
      match: { exitCode: 0, errorName: null, signal: null },
      action: 'retry',
      factor: null,
      cap: null,
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.rule.match).toMatchObject({ exitCode: 0, errorName: null, signal: null });
  });

  it.each([
    ['no name', { action: 'retry' }, '/body'],
    ['an unknown action', { name: 'x', action: 'again' }, '/body/action'],
    [
      'an unknown error name',
      { name: 'x', action: 'retry', match: { errorName: 'oops' } },
      '/body/match/errorName',
    ],
    ['an unknown match field', { name: 'x', action: 'retry', match: { host: 'a' } }, '/body/match'],
    ['too many attempts', { name: 'x', action: 'retry', maxAttempts: 101 }, '/body/maxAttempts'],
    ['no attempt at all', { name: 'x', action: 'retry', maxAttempts: 0 }, '/body/maxAttempts'],
    ['a delay over a day', { name: 'x', action: 'retry', delaySeconds: 86_401 }, '/body/delaySeconds'],
    ['a shrinking delay', { name: 'x', action: 'retry', delayFactor: 0.5 }, '/body/delayFactor'],
    ['a factor of 1', { name: 'x', action: 'increase_memory', factor: 1 }, '/body/factor'],
    ['a cap of 0', { name: 'x', action: 'increase_memory', factor: 2, cap: 0 }, '/body/cap'],
    [
      'a pattern that does not compile',
      { name: 'x', action: 'retry', match: { diagPattern: '(' } },
      '/body/match/diagPattern',
    ],
    ['an increase without a factor', { name: 'x', action: 'increase_timelimit' }, '/body/factor'],
    ['a factor on a plain retry', { name: 'x', action: 'retry', factor: 2 }, '/body/factor'],
    ['an empty signal', { name: 'x', action: 'retry', match: { signal: '' } }, '/body/match/signal'],
    ['a factor of 0', { name: 'x', action: 'increase_memory', factor: 0 }, '/body/factor'],
    ['a blank name', { name: '  ', action: 'retry' }, '/body/name'],
    [
      'a NUL in the pattern',
      { name: 'x', action: 'retry', match: { diagPattern: 'a\u0000b' } },
      '/body/match/diagPattern',
    ],
    ['a name a path would take for a directory', { name: '..', action: 'retry' }, '/body/name'],
    ['a name of digits', { name: '42', action: 'retry' }, '/body/name'],
  ])('refuses %s with 400 naming the field, storing nothing', async (_, body, path) => {
    const res = await call(t.app, 'POST', RULES, body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect((await call(t.app, 'GET', RULES)).json.rules).toHaveLength(5);
  });

  it('refuses a name already taken with 409', async () => {
    const body = { name: 'twice', action: 'retry' };
    expect((await call(t.app, 'POST', RULES, body)).status).toBe(201);
    const again = await call(t.app, 'POST', RULES, body);
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'already_exists' });
    expect(again.json.error.message).toContain('"twice"');
  });
});

describe('GET and DELETE /api/v1/retry-rules/:rule', () => {
  it('shows a rule by id and by name, deletes it once, then answers 404 naming it', async () => {
    const { rule } = (await call(t.app, 'POST', RULES, { name: 'flaky disk', action: 'retry' })).json;
    expect((await call(t.app, 'GET', `${RULES}/${rule.id}`)).json.rule).toEqual(rule);
    expect((await call(t.app, 'GET', `${RULES}/flaky%20disk`)).json.rule).toEqual(rule);
    const deleted = await call(t.app, 'DELETE', `${RULES}/flaky%20disk`);
    expect(deleted).toEqual({ status: 200, json: { deleted: true } });
    for (const method of ['GET', 'DELETE'] as const) {
      const gone = await call(t.app, method, `${RULES}/flaky%20disk`);
      expect(gone.status).toBe(404);
      expect(gone.json.error.message).toBe('retry rule "flaky disk" not found');
      expect((await call(t.app, method, `${RULES}/${rule.id}`)).status).toBe(404);
      // Beyond the databases' integers: no rule, not a database error.
      expect((await call(t.app, method, `${RULES}/99999999999999999999`)).status).toBe(404);
      expect((await call(t.app, method, `${RULES}/a%00b`)).status).toBe(404);
    }
  });
});

describe('who may do what', () => {
  it('lets a user read the rules but not add or delete one (403, nothing changed)', async () => {
    const user = await createToken(t.store, 'user', 'alice');
    expect((await call(t.app, 'GET', RULES, undefined, user)).status).toBe(200);
    expect((await call(t.app, 'GET', `${RULES}/1`, undefined, user)).status).toBe(200);
    const add = await call(t.app, 'POST', RULES, { name: 'mine', action: 'retry' }, user);
    expect(add.status).toBe(403);
    expect((await call(t.app, 'DELETE', `${RULES}/1`, undefined, user)).status).toBe(403);
    expect((await call(t.app, 'GET', RULES)).json.rules).toHaveLength(5);
  });
});
