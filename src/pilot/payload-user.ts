// `--payload-user NAME`: a pilot started as root runs every payload as another account, as
// gLExec switched PanDA payloads to the user's identity. The payload then cannot read the
// pilot's token file, /proc/<pilot>/environ, the job logs or another job's sandbox: each
// sandbox is handed to the account for its run and locked (root-owned, 0700) when it ends.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { chmod, chown } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** The account payloads run as. */
export interface RunAs {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** A reason the pilot cannot run payloads as the requested account; its message says what to do. */
export class PayloadUserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadUserError';
  }
}

/** Login names and numeric uids; nothing that getent could take for an option. */
const USER_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.@-]*\$?$/;

/** One `getent passwd` line (`name:x:uid:gid:gecos:home:shell`) as an account, or null when malformed. */
export function parsePasswdLine(line: string): RunAs | null {
  const fields = line.trim().split(':');
  if (fields.length < 7) return null;
  const [name, , uid, gid, , home] = fields as [string, string, string, string, string, string];
  if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid) || name === '') return null;
  return { name, uid: Number(uid), gid: Number(gid), home };
}

/**
 * Whether a pilot running as `pilotUid` may run payloads as `user`, as a refusal to print (null:
 * it may). Only root can switch identities, and switching to root would switch nothing.
 */
export function payloadUserRefusal(requested: string, pilotUid: number, user: RunAs): string | null {
  if (pilotUid !== 0)
    return (
      `--payload-user ${requested}: only a pilot running as root can start payloads as another user ` +
      `(this one runs as uid ${pilotUid}); start it as root, or leave --payload-user out ` +
      '(docs/guides/security.md says what a payload can reach then)'
    );
  if (user.uid === 0)
    return `--payload-user ${requested}: the payload user must not be root (uid 0); give an unprivileged account`;
  return null;
}

/** Looks the account up through NSS (`getent`), so LDAP and SSSD accounts work like local ones. */
export function lookUpUser(name: string): RunAs {
  if (!USER_NAME.test(name)) throw new PayloadUserError(`--payload-user ${name}: not a user name or uid`);
  let line: string;
  try {
    line = execFileSync('getent', ['passwd', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException & { status?: number }).code;
    if (code === 'ENOENT')
      throw new PayloadUserError(`--payload-user ${name}: cannot look the user up: getent is not installed`);
    throw new PayloadUserError(`--payload-user ${name}: no such user (getent passwd ${name} found nothing)`);
  }
  const user = parsePasswdLine(line.split('\n')[0] ?? '');
  if (!user) throw new PayloadUserError(`--payload-user ${name}: getent passwd gave an unreadable entry`);
  return user;
}

/** Whether `user` can enter a directory, read a file or write into it, asked of the kernel as that user. */
export function canAccessAs(user: RunAs, how: 'enter' | 'read' | 'write', path: string): boolean {
  const test = { enter: 'cd -- "$1"', read: 'test -r "$1"', write: 'test -w "$1"' }[how];
  const result = spawnSync('/bin/sh', ['-c', test, 'sh', path], {
    uid: user.uid,
    gid: user.gid,
    stdio: 'ignore',
    env: { PATH: '/usr/bin:/bin' },
  });
  return result.status === 0;
}

/**
 * The first of `dir` and the directories above it in which the account could replace an entry:
 * one it may write to, unless the sticky bit keeps it to its own entries. There it could swap a
 * sandbox the pilot is about to chown (as root) for a link to any file; undefined when none.
 */
export function replaceableBy(user: RunAs, dir: string): string | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const stat = statSync(d);
    const sticky = (stat.mode & 0o1000) !== 0 && stat.uid !== user.uid;
    if (!sticky && canAccessAs(user, 'write', d)) return d;
    if (d === dirname(d)) return undefined;
  }
}

export interface PayloadUserSetup {
  payloadUser: string;
  workDir: string;
  joblogDir: string;
  /** The file the pilot's token was read from, if any: the payload user must not be able to read it. */
  tokenFile?: string;
}

/**
 * Checks that payloads can run as the account and cannot reach what they must not, and creates
 * the work dir (0711: the account enters its own sandbox, lists none) and the job log dir (0700)
 * if they are missing. Throws PayloadUserError with what to change.
 */
export function preparePayloadUser(setup: PayloadUserSetup, pilotUid = process.getuid?.() ?? -1): RunAs {
  const name = setup.payloadUser;
  const user = lookUpUser(name);
  const refusal = payloadUserRefusal(name, pilotUid, user);
  if (refusal) throw new PayloadUserError(refusal);
  mkdirSync(setup.workDir, { recursive: true, mode: 0o711 });
  mkdirSync(setup.joblogDir, { recursive: true, mode: 0o700 });
  if (!canAccessAs(user, 'enter', setup.workDir))
    throw new PayloadUserError(
      `--payload-user ${name}: ${user.name} cannot enter the work dir ${setup.workDir} (a directory on its ` +
        'path is closed to it); choose a --work-dir it can reach, e.g. under /var/lib/p3s (mode 0711)',
    );
  const writable = replaceableBy(user, setup.workDir);
  if (writable !== undefined)
    throw new PayloadUserError(
      `--payload-user ${name}: ${user.name} may write to ${writable}, so it could swap a job's sandbox for a ` +
        `link to another file before the pilot hands the sandbox over; choose a --work-dir owned by the ` +
        `pilot's user on a path the account cannot write to, e.g. under /var/lib/p3s (mode 0711)`,
    );
  if (canAccessAs(user, 'enter', setup.joblogDir))
    throw new PayloadUserError(
      `--payload-user ${name}: ${user.name} could read the job logs in ${setup.joblogDir}; ` +
        `make that directory (or one above it) private to the pilot's user, e.g. chmod 700 ${setup.joblogDir}`,
    );
  if (setup.tokenFile !== undefined && canAccessAs(user, 'read', setup.tokenFile))
    throw new PayloadUserError(
      `--payload-user ${name}: ${user.name} could read the pilot's token file ${setup.tokenFile}; ` +
        `make it readable by the pilot's user only (chmod 600 ${setup.tokenFile})`,
    );
  return user;
}

/** HOME, USER and LOGNAME of the account, over the pilot's (a payload must not write to root's home). */
export function accountEnv(user: RunAs): Record<string, string> {
  return { HOME: user.home, USER: user.name, LOGNAME: user.name };
}

/** Gives the fresh, empty sandbox to the account, private to it (COPY mode then copies as the account). */
export async function handOverSandbox(dir: string, user: RunAs): Promise<void> {
  await chown(dir, user.uid, user.gid);
  await chmod(dir, 0o700);
}

/**
 * Takes a finished attempt's sandbox back: owned by the pilot's user and 0700, so the next payload
 * of the same account cannot read it. The files inside keep their owner (the payload's output).
 */
export async function lockSandbox(dir: string): Promise<void> {
  await chown(dir, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
  await chmod(dir, 0o700);
}
