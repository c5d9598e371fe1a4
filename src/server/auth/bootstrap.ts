// The local quickstart's admin token: on start the server makes sure the token in
// <dataDir>/admin.token (mode 0600) is a live admin token of this database, creating both when
// needed, so local CLI commands and pilots authenticate without the user doing anything.

import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { AlreadyExistsError } from '../../core/errors.ts';
import { isIdentityName, privateDirExposure, secretFileExposure, tokenProblem } from '../../core/index.ts';
import type { AuthStore } from '../../store/auth-store.ts';
import { hashSecret, newSecret } from './secrets.ts';

export const BOOTSTRAP_CREATOR = 'p3s server (bootstrap)';

/** The OS user running the server names the admin identity, so local jobs record who submitted them. */
export function bootstrapAdminName(): string {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER;
  }
  return name && isIdentityName(name) ? name : 'admin';
}

/** Returns whether a new token was written. */
export async function ensureAdminToken(
  store: AuthStore,
  file: string,
  now: number,
  name = bootstrapAdminName(),
): Promise<{ created: boolean; name: string }> {
  const existing = readSecret(file);
  if (existing) {
    const token = await store.findTokenByHash(hashSecret(existing));
    if (token && token.role === 'admin' && tokenProblem(token, now) === null)
      return { created: false, name: token.name };
  }
  const { secret, prefix, hash } = newSecret();
  const base = {
    role: 'admin' as const,
    site: null,
    prefix,
    hash,
    createdBy: BOOTSTRAP_CREATOR,
    expiresAt: null,
  };
  let token: { name: string };
  try {
    token = await store.createToken({ ...base, name }, now);
  } catch (error) {
    // The OS user's name is taken by a user or pilot identity: fall back to a neutral one.
    if (!(error instanceof AlreadyExistsError) || name === 'admin') throw error;
    token = await store.createToken({ ...base, name: 'admin' }, now);
  }
  writeSecret(file, secret);
  return { created: true, name: token.name };
}

/** Who besides its owner may read the token file, or null (also when it cannot be looked at). */
export function tokenFileExposure(file: string): string | null {
  try {
    return secretFileExposure(statSync(file).mode);
  } catch {
    return null;
  }
}

/** Who besides its owner may enter the data dir, or null (also when it cannot be looked at). */
export function dataDirExposure(dir: string): string | null {
  try {
    return privateDirExposure(statSync(dir).mode);
  } catch {
    return null;
  }
}

function readSecret(file: string): string | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

/** Written beside, restricted, then renamed over: never a moment with a readable or half file. */
function writeSecret(file: string, secret: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${secret}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}
