import { describe, expect, it } from 'vitest';
import { CREDENTIAL_VARIABLES, isCredentialVariable, withoutCredentials } from './credentials.ts';

describe('isCredentialVariable', () => {
  it.each([
    ['P3S_TOKEN', true],
    ['P3S_TOKEN_FILE', true],
    ['P3S_HOME', true],
    ['P3S_DATABASE_URL', true],
    ['P3S_TLS_KEY', true],
    ['DATABASE_URL', true],
    ['PGPASSWORD', true],
    ['PGPASSFILE', true],
    ['PGSERVICEFILE', true],
    ['PGSSLKEY', true],
    // What describes the job or the site, and what the pilot trusts, is no credential.
    ['P3S_SERVER', false],
    ['P3S_SITE', false],
    ['P3S_CA_FILE', false],
    ['P3S_TLS_CERT', false],
    ['P3S_JOB_ID', false],
    ['PGHOST', false],
    ['PGUSER', false],
    ['PATH', false],
    ['HOME', false],
    // Exact names: the environment is case-sensitive, and a job's API_TOKEN is its owner's to give.
    ['pgpassword', false],
    ['API_TOKEN', false],
  ])('%s → %s', (name, expected) => {
    expect(isCredentialVariable(name)).toBe(expected);
  });
});

describe('withoutCredentials', () => {
  it('keeps everything else, drops unset entries, leaves its argument alone', () => {
    const env: Record<string, string | undefined> = {
      ...Object.fromEntries(CREDENTIAL_VARIABLES.map((name) => [name, 'secret'])),
      PATH: '/usr/bin',
      P3S_SERVER: 'http://s',
      UNSET: undefined,
    };
    expect(withoutCredentials(env)).toEqual({ PATH: '/usr/bin', P3S_SERVER: 'http://s' });
    expect(env.PGPASSWORD).toBe('secret');
  });
});
