// Env values whose names look like secrets (an API key, a storage password, a user's own p3s token
// for sub-submissions) are shown only to those who may see them; everyone else reads them redacted.
// The value itself is stored and handed to the pilot as it was given: only views are redacted.

import { mayManage, type Principal } from './auth.ts';

/** What a redacted value reads as, on the API, in the CLI and in the monitor. */
export const REDACTED = '<redacted>';

/**
 * Name fragments that mark a secret, matched anywhere in the name and in any case: the issue's
 * TOKEN, SECRET, PASSWORD and KEY, plus PASSWD and CREDENTIAL, spelt so just as often.
 */
export const SECRET_NAME_PARTS = ['TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'KEY', 'CREDENTIAL'] as const;

const SECRET_NAME = new RegExp(SECRET_NAME_PARTS.join('|'), 'i');

/** Whether an env variable of this name holds a secret (`API_TOKEN`, `db_password`, `SSH_KEY_FILE`…). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The env with every secret-named value replaced by REDACTED (the same object when none is). */
export function redactEnv(env: Record<string, string>): Record<string, string> {
  if (!Object.keys(env).some(isSecretName)) return env;
  const shown: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) shown[name] = isSecretName(name) ? REDACTED : value;
  return shown;
}

/** Whether a shown value is a redaction (a secret name whose value reads REDACTED). */
export function isRedacted(name: string, value: string): boolean {
  return value === REDACTED && isSecretName(name);
}

/** A job's (or workflow's) secrets are seen by its owner and by admins; no token sees none. */
export function maySeeSecrets(viewer: Principal | null, owner: string): boolean {
  return viewer !== null && mayManage(viewer, owner);
}

/**
 * A site's env is an admin's: admins see it, and so do pilot tokens, whose pilots hand it to every
 * payload they run (a site-restricted one reads only its own site).
 */
export function maySeeSiteSecrets(viewer: Principal | null): boolean {
  return viewer?.role === 'admin' || viewer?.role === 'pilot';
}
