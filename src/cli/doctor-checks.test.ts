import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkCgroupMount,
  checkDirectory,
  checkNode,
  checkPrivateDir,
  checkToken,
  checkTokenFile,
  compareVersions,
  freeSpaceStatus,
  MIN_FREE_BYTES,
  nearestExisting,
  probeWritable,
  WARN_FREE_BYTES,
} from './doctor-checks.ts';

const root = mkdtempSync(join(tmpdir(), 'p3s-doctor-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('compareVersions', () => {
  it.each([
    ['20.19.0', '20.19.0', 0],
    ['v20.19.0', '20.19.0', 0],
    ['20.20.2', '20.19.0', 1],
    ['20.18.9', '20.19.0', -1],
    ['22.0.0', '20.19.0', 1],
    ['20.19', '20.19.0', 0],
    ['20.9.0', '20.19.0', -1],
    ['21.0.0-pre', '20.19.0', 1],
  ])('%s vs %s → %d', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });
});

describe('checkNode', () => {
  it.each([
    ['20.19.0', 'ok'],
    ['24.1.0', 'ok'],
    ['20.18.3', 'fail'],
    ['18.20.0', 'fail'],
  ])('Node.js %s → %s', (version, status) => {
    const result = checkNode(version);
    expect(result.status).toBe(status);
    if (status === 'fail') expect(result.fix).toContain('20.19');
  });
});

describe('freeSpaceStatus', () => {
  it.each([
    [0, 'fail'],
    [MIN_FREE_BYTES - 1, 'fail'],
    [MIN_FREE_BYTES, 'warn'],
    [WARN_FREE_BYTES - 1, 'warn'],
    [WARN_FREE_BYTES, 'ok'],
  ])('%d bytes → %s', (bytes, status) => {
    expect(freeSpaceStatus(bytes)).toBe(status);
  });
});

describe('probeWritable', () => {
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');

  it('accepts an existing directory and leaves nothing behind', () => {
    const dir = join(root, 'existing');
    mkdirSync(dir);
    expect(probeWritable(dir)).toEqual({ ok: true, exists: true });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('accepts a directory that can be created, without creating it', () => {
    const dir = join(root, 'not', 'yet');
    expect(probeWritable(dir)).toEqual({ ok: true, exists: false });
    expect(existsSync(join(root, 'not'))).toBe(false);
  });

  it('refuses a path under a regular file, which even root cannot create', () => {
    const result = probeWritable(join(file, 'work'));
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('is not a directory') });
  });

  it('refuses a path that is a regular file', () => {
    expect(probeWritable(file)).toMatchObject({ ok: false });
  });

  it('finds the nearest existing ancestor', () => {
    expect(nearestExisting(join(root, 'x', 'y', 'z'))).toBe(root);
    expect(nearestExisting(file)).toBe(file);
  });

  it('turns a probe into a check with a fix line', () => {
    const bad = checkDirectory('work dir', join(file, 'work'), 'choose another with --work-dir');
    expect(bad).toMatchObject({
      name: 'work dir',
      status: 'fail',
      fix: expect.stringContaining('--work-dir'),
    });
    expect(checkDirectory('data dir', root, 'x').status).not.toBe('fail');
  });
});

describe('checkToken', () => {
  const now = Date.UTC(2025, 4, 1);
  const me = { kind: 'ok' as const, name: 'alice', role: 'user', site: null, expiresAt: null };

  it('names the identity, its role and where the token came from', () => {
    expect(checkToken(me, '$P3S_TOKEN', now)).toEqual({
      name: 'token',
      status: 'ok',
      detail: '"alice" (user) from $P3S_TOKEN',
    });
    const pilot = checkToken({ ...me, name: 'cern-pilots', role: 'pilot', site: 'cern' }, '--token', now);
    expect(pilot.detail).toBe('"cern-pilots" (pilot, site cern) from --token');
  });

  it('warns when the token expires within a week', () => {
    const soon = checkToken({ ...me, expiresAt: now + 5 * 3_600_000 }, '--token', now);
    expect(soon).toMatchObject({ status: 'warn', detail: expect.stringContaining('expires in 5h') });
    expect(checkToken({ ...me, expiresAt: now + 30 * 86_400_000 }, '--token', now).status).toBe('ok');
  });

  it('fails on 401 with how to get a token, and skips when the server is down', () => {
    const none = checkToken({ kind: 'unauthorized', message: 'this request needs a token' }, 'none', now);
    expect(none).toMatchObject({ status: 'fail', fix: expect.stringContaining('--token, P3S_TOKEN') });
    const revoked = checkToken({ kind: 'unauthorized', message: 'the token is revoked' }, '$P3S_TOKEN', now);
    expect(revoked).toMatchObject({
      status: 'fail',
      detail: 'the token is revoked (token: $P3S_TOKEN)',
      fix: expect.stringContaining('p3s token create'),
    });
    expect(checkToken({ kind: 'server-down' }, 'none', now).status).toBe('skip');
    expect(checkToken({ kind: 'error', message: 'HTTP 500' }, 'none', now).status).toBe('warn');
  });
});

describe('checkTokenFile', () => {
  it('fails a token file others may read, passes one only its owner may, skips a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'p3s-doctor-token-'));
    try {
      const file = join(dir, 'admin.token');
      writeFileSync(file, 'secret\n', { mode: 0o644 });
      chmodSync(file, 0o644);
      expect(checkTokenFile('admin token file', file)).toMatchObject({
        status: 'fail',
        detail: `${file} is readable by its group and every user on this host (mode 644): anyone who reads it acts with its token`,
        fix: `chmod 600 ${file}`,
      });
      chmodSync(file, 0o600);
      expect(checkTokenFile('admin token file', file).status).toBe('ok');
      expect(checkTokenFile('admin token file', join(dir, 'none')).status).toBe('skip');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('checkPrivateDir', () => {
  it('fails a data dir others may enter, passes one only its owner may, skips a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'p3s-doctor-dir-'));
    try {
      chmodSync(dir, 0o755);
      expect(checkPrivateDir('data dir access', dir)).toMatchObject({
        status: 'fail',
        detail: `${dir} is open to its group and every user on this host (mode 755): others may read the database (every job's env) and the logs in it`,
        fix: `chmod 700 ${dir}`,
      });
      chmodSync(dir, 0o700);
      expect(checkPrivateDir('data dir access', dir).status).toBe('ok');
      expect(checkPrivateDir('data dir access', join(dir, 'none')).status).toBe('skip');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('checkCgroupMount', () => {
  const line = (options: string) => `41 31 0:38 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 ${options}`;
  const features = 'nsdelegate\nfavordynmods\nmemory_localevents\n';
  it.each([
    ['no /proc', undefined, features, 'skip', undefined],
    [
      'v1 only',
      '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
      features,
      'skip',
      undefined,
    ],
    ['v2 with favordynmods', line('rw,nsdelegate,favordynmods'), features, 'ok', undefined],
    [
      'v2 without it',
      line('rw,nsdelegate'),
      features,
      'warn',
      'mount -o remount,favordynmods /sys/fs/cgroup',
    ],
    ['a kernel without the option', line('rw,nsdelegate'), 'nsdelegate\n', 'skip', undefined],
    ['no features file', line('rw,nsdelegate'), undefined, 'skip', undefined],
  ])('%s', (_name, mountinfo, kernel, status, fix) => {
    const result = checkCgroupMount(mountinfo, kernel);
    expect(result.status).toBe(status);
    if (fix) expect(result.fix).toContain(fix);
    else expect(result.fix).toBeUndefined();
  });
});
