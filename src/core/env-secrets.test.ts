import { describe, expect, it } from 'vitest';
import type { Principal } from './auth.ts';
import {
  isRedacted,
  isSecretName,
  maySeeSecrets,
  maySeeSiteSecrets,
  REDACTED,
  redactEnv,
} from './env-secrets.ts';

describe('isSecretName', () => {
  it.each([
    ['P3S_TOKEN', true],
    ['api_token', true],
    ['GITHUB_TOKEN_FILE', true],
    ['Secret', true],
    ['AWS_SECRET_ACCESS_KEY', true],
    ['DB_PASSWORD', true],
    ['mysql_passwd', true],
    ['SSH_KEY', true],
    ['keytab', true],
    ['GOOGLE_APPLICATION_CREDENTIALS', true],
    // KEY anywhere: a false alarm only hides a harmless value from strangers.
    ['MONKEY', true],
    ['P3S_INPUT_FILE', false],
    ['P3S_EXECMODE', false],
    ['PATH', false],
    ['TOKE', false],
    ['PASS', false],
    ['', false],
  ])('%s → %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });
});

describe('redactEnv', () => {
  it('replaces the secret-named values only, keeping every name', () => {
    const env = { P3S_INPUT_FILE: '/data/a.root', API_TOKEN: 'p3s_abc', db_password: 'hunter2', N: '3' };
    expect(redactEnv(env)).toEqual({
      P3S_INPUT_FILE: '/data/a.root',
      API_TOKEN: REDACTED,
      db_password: REDACTED,
      N: '3',
    });
    // The stored env is left as it was.
    expect(env.API_TOKEN).toBe('p3s_abc');
  });

  it('returns the same object when nothing is secret', () => {
    const env = { A: '1' };
    expect(redactEnv(env)).toBe(env);
    expect(redactEnv({})).toEqual({});
  });
});

describe('isRedacted', () => {
  it.each([
    ['API_TOKEN', REDACTED, true],
    ['API_TOKEN', 'p3s_abc', false],
    // A value that merely reads like the marker under a plain name is data, not a redaction.
    ['COMMENT', REDACTED, false],
  ])('%s=%s → %s', (name, value, redacted) => {
    expect(isRedacted(name, value)).toBe(redacted);
  });
});

const alice: Principal = { tokenId: 1, name: 'alice', role: 'user', site: null, expiresAt: null };
const bob: Principal = { tokenId: 2, name: 'bob', role: 'user', site: null, expiresAt: null };
const pilot: Principal = { tokenId: 3, name: 'alice', role: 'pilot', site: 'cern', expiresAt: null };
const admin: Principal = { tokenId: 4, name: 'root', role: 'admin', site: null, expiresAt: null };

describe('who sees secrets', () => {
  // viewer → [a job of alice's, a site's env]
  it.each([
    ['no token', null, false, false],
    ['the owner', alice, true, false],
    ['another user', bob, false, false],
    // A pilot token named like the owner is still a machine credential: it reads no jobs.
    ['a pilot token', pilot, false, true],
    ['an admin', admin, true, true],
  ])('%s', (_, viewer, job, site) => {
    expect(maySeeSecrets(viewer, 'alice')).toBe(job);
    expect(maySeeSiteSecrets(viewer)).toBe(site);
  });
});
