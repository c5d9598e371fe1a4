// Access control through the CLI, end to end: the local admin token is picked up by itself; an
// admin creates a user token whose secret is printed once; the user submits and lists jobs with
// it but cannot create tokens or read the audit trail; a revoked token is refused at once; the
// audit trail shows who did what; doctor reports the identity or why there is none.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { baseEnv, p3s, removeDir, tempDir } from '../helpers/processes.ts';

let c: Cluster;
let jobFile: string;
beforeAll(async () => {
  c = await makeCluster();
  jobFile = join(c.dataDir, 'hello.json');
  writeFileSync(jobFile, JSON.stringify([{ name: 'hello', payload: '/bin/echo hello' }]));
});
afterAll(async () => {
  await c?.close();
});

/** The environment of someone holding `secret` (P3S_TOKEN wins over the local admin token). */
function holder(secret: string): NodeJS.ProcessEnv {
  return { ...c.env, P3S_TOKEN: secret };
}

interface AuditEvent {
  actor: string;
  role: string;
  action: string;
  objectType: string;
  objectId: string | null;
  outcome: string;
  detail: string | null;
}

describe('tokens through the CLI', () => {
  it('uses the local admin token by itself, and says so', async () => {
    const me = await c.json(['whoami']);
    expect(me).toMatchObject({ role: 'admin', tokenSource: 'admin.token', server: c.server.url });
    const text = await c.cli(['whoami']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^role\s+admin$/m);
    expect(text.stdout).toContain(`from the local admin token ${c.dataDir}/admin.token`);
  });

  it('refuses whoami without a token, saying how to give one', async () => {
    const elsewhere = tempDir();
    try {
      const res = await p3s(['whoami'], baseEnv({ P3S_HOME: elsewhere, P3S_SERVER: c.server.url }));
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('this request needs a token');
      expect(res.stderr).toContain('give one with --token, P3S_TOKEN or P3S_TOKEN_FILE');
    } finally {
      removeDir(elsewhere);
    }
  });

  it('runs a user token through its whole life: create, use, audit, revoke', async () => {
    // Text mode: the secret alone on stdout, the warning that it is shown once on stderr.
    const created = await c.cli(['token', 'create', '--role', 'user', '--name', 'alice', '--expires', '30d']);
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^p3s_\S+$/);
    expect(created.stderr).toMatch(/created user token \d+ "alice"; it expires /);
    expect(created.stderr).toContain('shown now and never again');

    const user = holder(secret);
    const me = JSON.parse((await p3s(['whoami', '--json'], user)).stdout);
    expect(me).toMatchObject({ name: 'alice', role: 'user', tokenSource: 'P3S_TOKEN' });
    expect(me.expiresAt).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    const submitted = await p3s(['job', 'submit', jobFile, '--json'], user);
    expect(submitted.code, submitted.stderr).toBe(0);
    const jobId = JSON.parse(submitted.stdout).jobs[0].id as number;
    const listed = await p3s(['job', 'list', '--json'], user);
    expect(JSON.parse(listed.stdout).jobs.find((j: { id: number }) => j.id === jobId).user).toBe('alice');
    const table = await p3s(['job', 'list'], user);
    expect(table.stdout).toMatch(
      new RegExp(`^\\s*${jobId}\\s+hello\\s+defined\\s+\\S+\\s+\\d+\\s+alice`, 'm'),
    );

    // A user token is not an admin's.
    const escalate = await p3s(['token', 'create', '--role', 'admin', '--name', 'mallory'], user);
    expect(escalate.code).toBe(1);
    expect(escalate.stderr).toContain('p3s: this needs an admin token; the token "alice" has role user');
    expect(escalate.stdout).toBe('');
    const peek = await p3s(['audit'], user);
    expect(peek.code).toBe(1);
    expect(peek.stderr).toContain('this needs an admin token');

    // The admin sees the token (never its secret) and what was done with it.
    const tokens = await c.json(['token', 'list', '--name', 'alice']);
    expect(tokens.tokens).toHaveLength(1);
    expect(JSON.stringify(tokens)).not.toContain(secret);
    expect(secret.startsWith(tokens.tokens[0].prefix)).toBe(true);
    const tokenId = String(tokens.tokens[0].id);

    const audit = (await c.json(['audit'])).events as AuditEvent[];
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: 'token.create',
        objectType: 'token',
        objectId: tokenId,
        outcome: 'ok',
      }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({ actor: 'alice', role: 'user', action: 'job.submit', outcome: 'ok' }),
    );
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'alice', outcome: 'denied' }));
    const mine = (await c.json(['audit', '--actor', 'alice', '--action', 'job.submit']))
      .events as AuditEvent[];
    expect(mine.map((e) => e.action)).toEqual(['job.submit']);
    const text = await c.cli(['audit', '--object', `token:${tokenId}`]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^TIME\s+ACTOR\s+ROLE\s+ACTION\s+OBJECT\s+OUTCOME\s+DETAIL$/m);
    expect(text.stdout).toMatch(new RegExp(`token\\.create\\s+token:${tokenId}\\s+ok\\s+user token "alice"`));
    expect(
      (await c.json(['audit', '--outcome', 'denied'])).events.every(
        (e: AuditEvent) => e.outcome === 'denied',
      ),
    ).toBe(true);

    // Revoked by name: the very next command with it is refused.
    const revoked = await c.cli(['token', 'revoke', '--name', 'alice']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`token ${tokenId} (user "alice"): revoked`);
    const after = await p3s(['job', 'list'], user);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/^p3s: the token "alice" \(p3s_\S+…\) is revoked$/m);
    const doctor = JSON.parse((await p3s(['doctor', '--json'], user)).stdout);
    expect(doctor.checks.find((check: { name: string }) => check.name === 'token')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('is revoked (token: $P3S_TOKEN)'),
      fix: expect.stringContaining('p3s token create'),
    });

    const again = await c.cli(['token', 'revoke', '--name', 'alice']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no active token named "alice"');
    const all = await c.json(['token', 'list', '--all', '--name', 'alice']);
    expect(all.tokens[0].revokedAt).not.toBeNull();
    const listed2 = await c.cli(['token', 'list', '--all']);
    expect(listed2.stdout).toMatch(/^\s*\d+\s+alice\s+user\s+-\s+p3s_\S+…\s+.* by \S+$/m);
  });

  it('revokes by id, reports unknown ids and exits non-zero for them', async () => {
    const { token } = await c.json([
      'token',
      'create',
      '--role',
      'pilot',
      '--name',
      'cern-pilots',
      '--site',
      'cern',
    ]);
    expect(token).toMatchObject({ role: 'pilot', site: 'cern' });
    const res = await c.cli(['token', 'revoke', String(token.id), '999999']);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(`token ${token.id} (pilot "cern-pilots"): revoked`);
    expect(res.stderr).toMatch(/p3s: .*999999.*not found/);
    const usage = await c.cli(['token', 'revoke']);
    expect(usage.code).toBe(2);
    const badSite = await c.cli(['token', 'create', '--role', 'user', '--name', 'x', '--site', 'cern']);
    expect(badSite.code).toBe(2);
    expect(badSite.stderr).toContain('only pilot tokens have a site');
  });
});
