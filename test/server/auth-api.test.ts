// Tokens, who-am-I and the audit trail through the real app: a token's secret is shown once and
// stored hashed, revocation and expiry take effect at once, and every change lands in the audit.

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureAdminToken } from '../../src/server/auth/bootstrap.ts';
import { hashSecret } from '../../src/server/auth/secrets.ts';
import { serverOptions, startServer } from '../../src/server/main.ts';
import { openStore } from '../../src/store/open-store.ts';
import { call, createToken, makeTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('tokens', () => {
  it('creates a token whose secret works at once, is shown once and is stored only hashed', async () => {
    const created = await call(t.app, 'POST', '/api/v1/tokens', { name: 'alice', role: 'user' });
    expect(created.status).toBe(201);
    const { token, secret } = created.json;
    expect(secret).toMatch(/^p3s_[A-Za-z0-9_-]{43}$/);
    expect(token).toMatchObject({ name: 'alice', role: 'user', site: null, createdBy: 'admin' });
    expect(secret.startsWith(token.prefix)).toBe(true);
    const me = await call(t.app, 'GET', '/api/v1/whoami', undefined, secret);
    expect(me.json).toMatchObject({ name: 'alice', role: 'user', tokenId: token.id, readPolicy: 'open' });
    const listed = await call(t.app, 'GET', '/api/v1/tokens');
    expect(JSON.stringify(listed.json)).not.toContain(secret);
    expect(JSON.stringify(listed.json)).not.toContain(hashSecret(secret));
    expect((await t.store.auth.findTokenByHash(hashSecret(secret)))?.name).toBe('alice');
  });

  it('refuses a site on a user token and a second role for a name, storing nothing', async () => {
    const site = await call(t.app, 'POST', '/api/v1/tokens', { name: 'bob', role: 'user', site: 'cern' });
    expect(site.status).toBe(400);
    expect(site.json.error.details[0].path).toBe('/body/site');
    const clash = await call(t.app, 'POST', '/api/v1/tokens', { name: 'admin', role: 'pilot' });
    expect(clash.status).toBe(409);
    expect(clash.json.error.code).toBe('already_exists');
    const bad = await call(t.app, 'POST', '/api/v1/tokens', { name: 'a b', role: 'user' });
    expect(bad.status).toBe(400);
    expect((await call(t.app, 'GET', '/api/v1/tokens?all=true')).json.tokens).toHaveLength(1);
  });

  it('stops a revoked token at once and lets users revoke only their own', async () => {
    const alice = await createToken(t.store, 'user', 'alice');
    const bob = await createToken(t.store, 'user', 'bob');
    const bobId = (await call(t.app, 'GET', '/api/v1/whoami', undefined, bob)).json.tokenId;
    const aliceId = (await call(t.app, 'GET', '/api/v1/whoami', undefined, alice)).json.tokenId;
    const refused = await call(t.app, 'POST', `/api/v1/tokens/${bobId}/revoke`, {}, alice);
    expect(refused.status).toBe(403);
    expect((await call(t.app, 'GET', '/api/v1/whoami', undefined, bob)).status).toBe(200);
    const own = await call(t.app, 'POST', `/api/v1/tokens/${aliceId}/revoke`, {}, alice);
    expect(own.json.token).toMatchObject({ revokedBy: 'alice' });
    const after = await call(t.app, 'GET', '/api/v1/jobs', undefined, alice);
    expect(after.status).toBe(401);
    expect(after.json.error.message).toContain('revoked');
    expect((await call(t.app, 'POST', `/api/v1/tokens/${bobId}/revoke`, {})).status).toBe(200);
    expect((await call(t.app, 'GET', '/api/v1/whoami', undefined, bob)).status).toBe(401);
    expect((await call(t.app, 'POST', '/api/v1/tokens/9999/revoke', {})).status).toBe(404);
  });

  it('expires a token at its time', async () => {
    const created = await call(t.app, 'POST', '/api/v1/tokens', {
      name: 'temp',
      role: 'user',
      expiresIn: 60,
    });
    const { secret } = created.json;
    expect((await call(t.app, 'GET', '/api/v1/whoami', undefined, secret)).json.expiresAt).toBe(
      created.json.token.expiresAt,
    );
    t.advance(61_000);
    const late = await call(t.app, 'GET', '/api/v1/whoami', undefined, secret);
    expect(late.status).toBe(401);
    expect(late.json.error.message).toContain('expired');
    expect(
      (await call(t.app, 'GET', '/api/v1/tokens')).json.tokens.map((x: { name: string }) => x.name),
    ).toEqual(['admin']);
  });

  it('answers malformed credentials with 401 and WWW-Authenticate, never 500', async () => {
    for (const authorization of [
      'Bearer',
      'Basic YWRtaW46eA==',
      'Bearer a b',
      `Bearer ${'x'.repeat(10_000)}`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/jobs', headers: { authorization } });
      expect(res.statusCode, authorization.slice(0, 20)).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="p3s"');
    }
  });
});

describe('audit trail', () => {
  it('records who changed what, and refusals of known tokens, readable by admins only', async () => {
    const alice = await createToken(t.store, 'user', 'alice');
    const bob = await createToken(t.store, 'user', 'bob');
    const [job] = (await call(t.app, 'POST', '/api/v1/jobs', { jobs: [{ payload: 'x' }] }, alice)).json.jobs;
    expect((await call(t.app, 'POST', `/api/v1/jobs/${job.id}/kill`, {}, bob)).status).toBe(403);
    expect((await call(t.app, 'POST', `/api/v1/jobs/${job.id}/kill`, {}, alice)).status).toBe(200);
    expect((await call(t.app, 'POST', `/api/v1/jobs/${job.id}/retry`, {}, alice)).status).toBe(200);
    // No token: refused without an entry (anyone could flood the table otherwise).
    expect((await call(t.app, 'POST', `/api/v1/jobs/${job.id}/kill`, {}, null)).status).toBe(401);

    const audit = await call(t.app, 'GET', '/api/v1/audit');
    const entries = audit.json.events.map((e: Record<string, unknown>) => [
      e.actor,
      e.action,
      e.objectId,
      e.outcome,
    ]);
    expect(entries).toEqual([
      ['alice', 'job.retry', String(job.id), 'ok'],
      ['alice', 'job.kill', String(job.id), 'ok'],
      ['bob', 'job.kill', String(job.id), 'denied'],
      ['alice', 'job.submit', String(job.id), 'ok'],
    ]);
    expect((await call(t.app, 'GET', '/api/v1/audit?actor=bob')).json.total).toBe(1);
    expect((await call(t.app, 'GET', '/api/v1/audit', undefined, alice)).status).toBe(403);
  });
});

describe('the local admin token', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'p3s-bootstrap-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is written once as a 0600 file, kept across restarts and replaced when the database lost it', async () => {
    const file = join(dir, 'admin.token');
    const first = await openStore({ sqlitePath: join(dir, 'a.db') });
    await first.migrate();
    expect((await ensureAdminToken(first.auth, file, 1000, 'ops')).created).toBe(true);
    const secret = readFileSync(file, 'utf8').trim();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await ensureAdminToken(first.auth, file, 2000, 'ops')).toEqual({ created: false, name: 'ops' });
    expect(readFileSync(file, 'utf8').trim()).toBe(secret);
    await first.close();

    // Another database (e.g. pointed at a new PostgreSQL): the old secret means nothing there.
    const second = await openStore({ sqlitePath: join(dir, 'b.db') });
    await second.migrate();
    expect((await ensureAdminToken(second.auth, file, 3000, 'ops')).created).toBe(true);
    const replaced = readFileSync(file, 'utf8').trim();
    expect(replaced).not.toBe(secret);
    expect((await second.auth.findTokenByHash(hashSecret(replaced)))?.role).toBe('admin');
    await second.close();
  });

  it('falls back to the name "admin" when the OS user name belongs to a user identity', async () => {
    const store = await openStore({ sqlitePath: join(dir, 'c.db') });
    await store.migrate();
    await createToken(store, 'user', 'ops');
    writeFileSync(join(dir, 'admin.token'), 'garbage\n');
    expect(await ensureAdminToken(store.auth, join(dir, 'admin.token'), 1000, 'ops')).toEqual({
      created: true,
      name: 'admin',
    });
    await store.close();
  });
});

describe('where the server may listen', () => {
  it('refuses a non-loopback address without TLS before touching the data directory', async () => {
    const dataDir = join(tmpdir(), `p3s-never-${process.pid}`);
    await expect(startServer(serverOptions({ dataDir, host: '0.0.0.0', port: 0 }))).rejects.toThrow(
      /refusing to listen on 0\.0\.0\.0 without TLS/,
    );
    expect(() => statSync(dataDir)).toThrow();
  });
});
