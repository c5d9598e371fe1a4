// The pilots this host starts for its local server (`p3s up`, `p3s pilots start`, `p3s pilot`)
// never hold the local admin token: they get a pilot-role token of their own, created once per
// data dir through the token API and kept in <dataDir>/local-pilots.token (mode 0600). Revoke it
// (`p3s token revoke --name local-pilots@HOST`) and the next start creates a new one, saying so;
// a live token of another role found in the file is revoked when replaced (it was handed to pilots).

import { chmodSync, closeSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { monotonicNow } from '../core/clock.ts';
import { DEFAULTS } from '../core/defaults.ts';
import { ApiError, NetworkError, P3sClient } from '../protocol/client.ts';
import { CliError } from './errors.ts';
import { readTokenFile } from './settings.ts';

/** The token's identity: `local-pilots@<host>`, within the 64 characters of a token name. */
export function localPilotsTokenName(host = hostname()): string {
  const safe = host.replace(/[^A-Za-z0-9_.-]/g, '-') || 'localhost';
  return `local-pilots@${safe}`.slice(0, 64);
}

export function localPilotsTokenFile(dataDir: string): string {
  return join(dataDir, DEFAULTS.localPilotsTokenFile);
}

export interface LocalPilotsToken {
  secret: string;
  file: string;
}

export interface LocalPilotsTokenSetup {
  dataDir: string;
  server: string;
  /** The local admin token: it only creates the pilots' token, it is never handed to them. */
  adminToken: string;
  caFile?: string;
  /** Where to say that a token was created. */
  note: (line: string) => void;
}

/**
 * The data dir's local pilots token, checked with the server (a revoked, expired or foreign one is
 * replaced), or a new one created with the admin token.
 */
export async function ensureLocalPilotsToken(setup: LocalPilotsTokenSetup): Promise<LocalPilotsToken> {
  const file = localPilotsTokenFile(setup.dataDir);
  // Pilots started at once (`p3s pilot &` in a loop) make one token between them, not one each.
  return withLock(`${file}.lock`, () => ensureLocked(setup, file));
}

async function ensureLocked(setup: LocalPilotsTokenSetup, file: string): Promise<LocalPilotsToken> {
  const existing = readTokenFile(file);
  /** A live token the file held that pilots must no longer have: revoked once the new one exists. */
  let replaced: number | null = null;
  if (existing !== undefined) {
    const verdict = await check(setup, existing);
    if (verdict === 'ok') return { secret: existing, file };
    setup.note(
      `p3s: the local pilots' token in ${file} ${verdict === 'refused' ? 'was revoked or has expired' : 'is not a pilot token'}: creating a new one`,
    );
    // The admin token itself (copied there by hand) is kept: it is what creates the new one.
    if (typeof verdict === 'object' && existing !== setup.adminToken) replaced = verdict.tokenId;
  }
  const admin = new P3sClient({
    server: setup.server,
    token: setup.adminToken,
    caFile: setup.caFile,
    timeoutMs: 10_000,
  });
  const name = localPilotsTokenName();
  let created: Awaited<ReturnType<P3sClient['createToken']>>;
  try {
    created = await admin.createToken({ name, role: 'pilot' });
    if (replaced !== null) await revokeReplaced(admin, replaced, setup.note);
  } catch (error) {
    if (!(error instanceof ApiError || error instanceof NetworkError)) throw error;
    throw new CliError(`cannot create the local pilots' token "${name}": ${error.message}`, {
      lines: ['  the local pilots never get the admin token; give them a pilot token with P3S_TOKEN_FILE'],
    });
  } finally {
    admin.close();
  }
  writeSecret(file, created.secret);
  setup.note(
    `p3s: created pilot token ${created.token.id} "${name}" for the local pilots, in ${file} (revoke it with p3s token revoke ${created.token.id})`,
  );
  return { secret: created.secret, file };
}

/** Revokes the token the file held; a failure is said, with the command to finish the job. */
async function revokeReplaced(admin: P3sClient, id: number, note: (line: string) => void): Promise<void> {
  try {
    await admin.revokeToken(id);
    note(`p3s: revoked token ${id}, which the local pilots' token file held`);
  } catch (error) {
    note(
      `p3s: warning: could not revoke token ${id}, which the local pilots' token file held (${(error as Error).message}); revoke it: p3s token revoke ${id}`,
    );
  }
}

/** `ok`: a live pilot token of this server; `refused`: revoked, expired or unknown here; else the live token of another role. */
async function check(
  setup: LocalPilotsTokenSetup,
  secret: string,
): Promise<'ok' | 'refused' | { tokenId: number }> {
  const client = new P3sClient({
    server: setup.server,
    token: secret,
    caFile: setup.caFile,
    timeoutMs: 10_000,
  });
  try {
    const me = await client.whoami();
    return me.role === 'pilot' ? 'ok' : { tokenId: me.tokenId };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return 'refused';
    // The server cannot say now: the token is kept, and the pilots find out at registration.
    if (error instanceof NetworkError) return 'ok';
    throw error;
  } finally {
    client.close();
  }
}

/** A lock file older than this was left by a start that died: taken over. */
const STALE_LOCK_MS = 60_000;

/** Runs `fn` holding `lock`, a file created exclusively; waits while another process holds it. */
async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  const deadline = monotonicNow() + STALE_LOCK_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockAge(lock) > STALE_LOCK_MS) rmSync(lock, { force: true });
      else if (monotonicNow() > deadline)
        throw new CliError(
          `waited ${STALE_LOCK_MS / 1000} s for ${lock}: another p3s is creating the local pilots' token`,
        );
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function lockAge(lock: string): number {
  try {
    return Date.now() - statSync(lock).mtimeMs;
  } catch {
    return 0;
  }
}

/** Written beside with mode 0600, then renamed over: the file is never readable by others, nor half written. */
function writeSecret(file: string, secret: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${secret}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

/**
 * Local pilots without --payload-user run payloads as the user that holds the local admin token
 * (the server's own, under `p3s up`): said once at start, with what a payload reaches and the fix.
 */
export function sameUserWarning(
  command: 'p3s up' | 'p3s pilots start',
  dataDir: string,
  pilotsTokenFile: string,
): string {
  const user = userInfo().username;
  const who = command === 'p3s up' ? "the server's own user" : 'who holds the local admin token';
  return (
    `warning: payloads run as ${user}, ${who}: any job can read ${join(dataDir, 'admin.token')} ` +
    `(the admin token), the pilots' token ${pilotsTokenFile}, all of ${dataDir} (the SQLite database, ` +
    "every job's log) and the server's environment and command line (a database URL given there); " +
    `fine for your own jobs, not for anyone else's: start ${command} as root with --payload-user NAME ` +
    '--work-dir DIR (docs/guides/security.md, "Payloads and the pilot")'
  );
}
