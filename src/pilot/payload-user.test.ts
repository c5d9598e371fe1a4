import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canAccessAs,
  lookUpUser,
  PayloadUserError,
  parsePasswdLine,
  payloadUserRefusal,
  preparePayloadUser,
  type RunAs,
  replaceableBy,
} from './payload-user.ts';
import { jobLogPaths, type RunSpec, runPayload } from './runner.ts';

const nobody: RunAs = { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' };

describe('parsePasswdLine', () => {
  it.each([
    ['nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n', nobody],
    [
      'pool01:*:2001:100::/home/pool01:/bin/bash',
      { name: 'pool01', uid: 2001, gid: 100, home: '/home/pool01' },
    ],
    ['nobody:x:65534:65534:nobody:/nonexistent', null],
    ['bad:x:uid:1::/h:/bin/sh', null],
    ['', null],
  ])('%j', (line, expected) => {
    expect(parsePasswdLine(line)).toEqual(expected);
  });
});

describe('payloadUserRefusal', () => {
  const root: RunAs = { name: 'root', uid: 0, gid: 0, home: '/root' };
  it.each([
    ['a root pilot, an unprivileged account', 0, nobody, null],
    [
      'a pilot that is not root',
      1000,
      nobody,
      /only a pilot running as root .* \(this one runs as uid 1000\)/,
    ],
    ['root as the payload user', 0, root, /must not be root/],
  ])('%s', (_, pilotUid, user, expected) => {
    const refusal = payloadUserRefusal(user.name, pilotUid, user);
    if (expected === null) expect(refusal).toBeNull();
    else expect(refusal).toMatch(expected);
  });
});

describe('lookUpUser', () => {
  it('finds accounts through getent, by name or uid', () => {
    expect(lookUpUser('root')).toMatchObject({ name: 'root', uid: 0, gid: 0 });
    expect(lookUpUser('0')).toMatchObject({ name: 'root', uid: 0 });
  });

  it.each([
    ['no-such-user-p3s', /no such user \(getent passwd no-such-user-p3s found nothing\)/],
    ['--help', /not a user name or uid/],
    ['a b', /not a user name or uid/],
  ])('refuses %j', (name, message) => {
    expect(() => lookUpUser(name)).toThrow(PayloadUserError);
    expect(() => lookUpUser(name)).toThrow(message);
  });
});

/** A run of job `jobId`'s first attempt as `runAs`. */
function specAs(
  runAs: RunAs,
  jobId: number,
  payload: string,
  env: Record<string, string>,
  workDir: string,
  joblogDir: string,
): RunSpec {
  const common = { attempt: 1, pilotUuid: 'p-1', timelimit: 30, killGrace: 0.5, shell: false };
  return { ...common, jobId, jobUuid: `u-${jobId}`, payload, env, workDir, joblogDir, runAs };
}

// Switching identities needs root (CI runs as root); elsewhere these say why they skip.
const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('payload-user.test.ts: not root, skipping the tests that switch to nobody');

describe.skipIf(!isRoot)('as root, with nobody as the payload user', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'p3s-payload-user-'));
    // Like /var/lib/p3s: the account may pass through, not list.
    chmodSync(root, 0o711);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('asks the kernel what the account can reach', () => {
    const open = join(root, 'open.txt');
    const closed = join(root, 'closed.txt');
    writeFileSync(open, 'x', { mode: 0o644 });
    writeFileSync(closed, 'x', { mode: 0o600 });
    expect(canAccessAs(nobody, 'read', open)).toBe(true);
    expect(canAccessAs(nobody, 'read', closed)).toBe(false);
    expect(canAccessAs(nobody, 'enter', root)).toBe(true);
    expect(canAccessAs(nobody, 'enter', '/root')).toBe(false);
  });

  it('refuses a work dir the account may write to, or one under a directory it may write to', () => {
    const own = join(root, 'nobodys');
    mkdirSync(own, { mode: 0o755 });
    chownSync(own, 65534, 65534);
    const joblogDir = join(root, 'logs-w');
    for (const workDir of [own, join(own, 'work')])
      expect(() => preparePayloadUser({ payloadUser: 'nobody', workDir, joblogDir })).toThrow(
        `nobody may write to ${own}, so it could swap a job's sandbox`,
      );
    // /tmp is writable by all, but its sticky bit keeps each to its own entries.
    expect(replaceableBy(nobody, root)).toBeUndefined();
  });

  it('prepares a work dir the account can enter and a job log dir it cannot', () => {
    const setup = {
      payloadUser: 'nobody',
      workDir: join(root, 'a', 'work'),
      joblogDir: join(root, 'a', 'logs'),
    };
    expect(preparePayloadUser(setup)).toMatchObject({ name: 'nobody', uid: 65534 });
    expect(statSync(setup.workDir).mode & 0o777).toBe(0o711);
    expect(statSync(setup.joblogDir).mode & 0o777).toBe(0o700);
  });

  it.each([
    [
      'a work dir it cannot reach',
      { workDir: '/root/p3s-work' },
      /nobody cannot enter the work dir \/root\/p3s-work/,
    ],
    ['a job log dir it can read', { joblogDir: '<open>' }, /nobody could read the job logs in .*chmod 700/],
    [
      'a token file it can read',
      { tokenFile: '<token>' },
      /nobody could read the pilot's token file .*chmod 600/,
    ],
  ])('refuses %s', (_, change, message) => {
    const dir = mkdtempSync(join(root, 'refuse-'));
    chmodSync(dir, 0o711);
    const openLogs = join(dir, 'open-logs');
    mkdirSync(openLogs, { mode: 0o755 });
    const token = join(dir, 'pilot.token');
    writeFileSync(token, 'p3s_x\n', { mode: 0o644 });
    const setup = {
      payloadUser: 'nobody',
      workDir: join(dir, 'work'),
      joblogDir: join(dir, 'logs'),
      ...change,
    };
    if (setup.joblogDir === '<open>') setup.joblogDir = openLogs;
    const withToken = 'tokenFile' in setup ? { ...setup, tokenFile: token } : setup;
    expect(() => preparePayloadUser(withToken)).toThrow(message);
    try {
      preparePayloadUser(withToken);
    } catch (error) {
      expect(error).toBeInstanceOf(PayloadUserError);
    }
  });

  it('runs the payload as the account, in a sandbox it owns, then locks the sandbox', async () => {
    const workDir = join(root, 'run', 'work');
    const joblogDir = join(root, 'run', 'logs');
    const runAs = preparePayloadUser({ payloadUser: 'nobody', workDir, joblogDir });
    // Who it is, its groups, where HOME points, and an output file in its sandbox.
    const payload =
      'id -u; id -g; grep ^Groups: /proc/self/status | tr -d " \\t"; echo "HOME=$HOME USER=$USER"; ' +
      'stat -c %U . ; echo data > out.txt; cat /proc/$PPID/environ > /dev/null 2>&1 || echo environ-refused';
    const result = await runPayload(specAs(runAs, 5, payload, { P3S_EXECMODE: 'SHELL' }, workDir, joblogDir));
    const out = readFileSync(jobLogPaths(joblogDir, 5).out, 'utf8');
    expect(result, readFileSync(jobLogPaths(joblogDir, 5).err, 'utf8')).toMatchObject({
      kind: 'exited',
      exitCode: 0,
    });
    expect(out.split('\n')).toEqual([
      '65534',
      '65534',
      // No supplementary groups: root's are not inherited.
      'Groups:',
      'HOME=/nonexistent USER=nobody',
      'nobody',
      'environ-refused',
      '',
    ]);
    const sandbox = join(workDir, '5-1');
    // Its output keeps the account as owner; the sandbox itself went back to root, private.
    expect(statSync(join(sandbox, 'out.txt')).uid).toBe(65534);
    expect(statSync(sandbox).uid).toBe(0);
    expect(statSync(sandbox).mode & 0o777).toBe(0o700);
    expect(canAccessAs(runAs, 'enter', sandbox)).toBe(false);
  });

  it('in COPY mode, copies as the account: its own script is copied and runs', async () => {
    const workDir = join(root, 'copy', 'work');
    const joblogDir = join(root, 'copy', 'logs');
    const runAs = preparePayloadUser({ payloadUser: 'nobody', workDir, joblogDir });
    const script = join(root, 'job.sh');
    writeFileSync(script, '#!/bin/sh\nid -u\n', { mode: 0o755 });
    const result = await runPayload(specAs(runAs, 6, script, { P3S_MODE: 'COPY' }, workDir, joblogDir));
    const err = readFileSync(jobLogPaths(joblogDir, 6).err, 'utf8');
    expect(result, err).toMatchObject({ kind: 'exited', exitCode: 0 });
    expect(readFileSync(jobLogPaths(joblogDir, 6).out, 'utf8')).toBe('65534\n');
    expect(statSync(join(workDir, '6-1', 'job.sh')).uid).toBe(65534);
    expect(statSync(join(workDir, '6-1', 'job.sh')).mode & 0o777).toBe(0o755);
  });

  it('in COPY mode, refuses a file only root may read (the token), copying nothing of it', async () => {
    const workDir = join(root, 'copy-secret', 'work');
    const joblogDir = join(root, 'copy-secret', 'logs');
    const runAs = preparePayloadUser({ payloadUser: 'nobody', workDir, joblogDir });
    const secret = 'p3s_root-only-4f1d';
    const tokenFile = join(root, 'admin.token');
    writeFileSync(tokenFile, `${secret}\n`, { mode: 0o600 });
    // Shell mode would run the copy and then print it: `<copy> ; cat admin.token`.
    const env = { P3S_MODE: 'COPY', P3S_EXECMODE: 'SHELL' };
    const result = await runPayload(
      specAs(runAs, 7, `${tokenFile} ; cat admin.token`, env, workDir, joblogDir),
    );
    expect(result).toMatchObject({ kind: 'nonstarter', pid: null });
    const reason = (result as { reason: string }).reason;
    expect(reason).toContain(`P3S_MODE=COPY: cannot copy ${tokenFile} into the sandbox as nobody:`);
    expect(reason).toMatch(/Permission denied/);
    const err = readFileSync(jobLogPaths(joblogDir, 7).err, 'utf8');
    expect(err).toContain('cannot copy');
    expect(readdirSync(join(workDir, '7-1'))).toEqual([]);
    // The sandbox it was handed goes back to the pilot's user, locked, as after a run.
    const sandbox = statSync(join(workDir, '7-1'));
    expect([sandbox.uid, sandbox.mode & 0o777]).toEqual([0, 0o700]);
    const logs = err + readFileSync(jobLogPaths(joblogDir, 7).out, 'utf8');
    expect(logs).not.toContain(secret);
  });
});
