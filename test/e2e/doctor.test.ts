// `p3s doctor` end to end: all green against a running installation (the token check names the
// local admin token); a stopped server and a directory that cannot be created (under a regular
// file, which root cannot bypass) are failures with a fix line and exit 1, the token check is then
// skipped; --json carries the same checks. A refused token: test/e2e/access.test.ts.

import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { startServerProcess } from '../helpers/processes.ts';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

interface Check {
  name: string;
  status: string;
  detail: string;
  fix?: string;
}

const byName = (checks: Check[]) => Object.fromEntries(checks.map((check) => [check.name, check]));

describe('p3s doctor', () => {
  const stores = postgresAvailable() ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
  it.each(stores)('passes against a running installation on %s', async (store) => {
    c = await makeCluster({ store });
    const args = c.databaseUrl ? ['doctor', '--database-url', c.databaseUrl] : ['doctor'];
    const text = await c.cli(args);
    expect(text.code, text.stdout + text.stderr).toBe(0);
    expect(text.stdout).toContain('all checks passed');
    const res = await c.cli([...args, '--json']);
    const report = JSON.parse(res.stdout);
    expect(report.ok).toBe(true);
    const checks = byName(report.checks);
    expect(Object.keys(checks)).toEqual([
      'node',
      'sqlite',
      'database',
      'data dir',
      'data dir access',
      'admin token file',
      'server',
      'token',
      'work dir',
      'joblog dir',
      'cgroups',
    ]);
    expect(checks.database).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('migrations current'),
    });
    expect(checks.server).toMatchObject({ status: 'ok', detail: expect.stringContaining(store) });
    // The cluster's CLI finds the local admin token in the data dir by itself.
    expect(checks.token).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^"\S+" \(admin\) from the local admin token .*admin\.token$/),
    });
  });

  it('detects a stopped server and an unwritable work directory, and says how to fix them', async () => {
    c = await makeCluster();
    const file = join(c.dataDir, 'a-regular-file');
    writeFileSync(file, 'not a directory\n');
    c.server.signal('SIGTERM');
    await c.server.exited;

    const text = await c.cli(['doctor', '--work-dir', join(file, 'work')]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/fail\s+server\s+cannot reach the p3s server/);
    expect(text.stdout).toContain('fix: start it with p3s up');
    expect(text.stdout).toMatch(/skip\s+token\s+skipped: the server did not answer/);
    expect(text.stdout).toMatch(/fail\s+work dir\s+.*a-regular-file is not a directory/);
    expect(text.stdout).toContain('2 checks failed');

    const json = await c.cli(['doctor', '--joblog-dir', join(file, 'logs'), '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(false);
    const checks = byName(report.checks);
    expect(checks.server).toMatchObject({ status: 'fail', fix: expect.stringContaining('p3s up') });
    expect(checks['joblog dir']).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('--joblog-dir'),
    });
    // The stopped server's SQLite file is still read (read-only) and up to date.
    expect(checks.database?.status).toBe('ok');
  });

  it('flags an admin token file others may read, as the server does at start', async () => {
    c = await makeCluster();
    const file = join(c.dataDir, 'admin.token');
    chmodSync(file, 0o644);
    const report = JSON.parse((await c.cli(['doctor', '--json'])).stdout);
    expect(byName(report.checks)['admin token file']).toMatchObject({
      status: 'fail',
      fix: `chmod 600 ${file}`,
    });
    c.server.signal('SIGTERM');
    await c.server.exited;
    c.server = await startServerProcess({ dataDir: c.dataDir, port: c.server.port });
    await expect
      .poll(() => c?.server.output(), { timeout: 10_000 })
      .toMatch(/the admin token file is readable by its group and every user on this host \(mode 644\)/);
  });

  it('flags a data dir others may enter, as the server does at start, and creates new ones private', async () => {
    c = await makeCluster();
    chmodSync(c.dataDir, 0o755);
    const report = JSON.parse((await c.cli(['doctor', '--json'])).stdout);
    expect(byName(report.checks)['data dir access']).toMatchObject({
      status: 'fail',
      fix: `chmod 700 ${c.dataDir}`,
    });
    c.server.signal('SIGTERM');
    await c.server.exited;
    c.server = await startServerProcess({ dataDir: c.dataDir, port: c.server.port });
    await expect
      .poll(() => c?.server.output(), { timeout: 10_000 })
      .toMatch(/the data dir is open to its group and every user on this host \(mode 755\)/);
    // A data dir the server creates (and its missing parents) is its owner's only.
    c.server.signal('SIGTERM');
    await c.server.exited;
    const fresh = join(c.dataDir, 'fresh', 'data');
    c.server = await startServerProcess({ dataDir: fresh, port: c.server.port });
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    expect(statSync(join(c.dataDir, 'fresh')).mode & 0o777).toBe(0o700);
  });
});
