import { describe, expect, it } from 'vitest';
import {
  isTokenShaped,
  loginUrl,
  mayAct,
  SESSION_MAX_AGE_SECONDS,
  safeNext,
  sessionMaxAge,
  type Viewer,
} from './session.ts';

describe('safeNext', () => {
  it.each([
    ['/jobs', '/jobs'],
    ['/jobs?state=failed&user=alice', '/jobs?state=failed&user=alice'],
    ['/jobs/12#log', '/jobs/12'],
    ['/pilots/../audit', '/audit'],
  ])('keeps the local path %s', (next, kept) => {
    expect(safeNext(next)).toBe(kept);
  });

  it.each([
    undefined,
    null,
    '',
    'jobs',
    '//evil.example',
    '//evil.example/jobs',
    '/\\evil.example',
    '/\\/evil.example',
    'https://evil.example/jobs',
    'javascript:alert(1)',
    '/jobs\nSet-Cookie: x=1',
    '/\tevil',
    '/login',
    '/logout?x=1',
    `/${'x'.repeat(3000)}`,
  ])('sends %j to the overview instead', (next) => {
    expect(safeNext(next)).toBe('/');
  });
});

describe('sessionMaxAge', () => {
  const now = 1_000_000;
  it('lasts the session lifetime, or less when the token expires sooner', () => {
    expect(sessionMaxAge(null, now)).toBe(SESSION_MAX_AGE_SECONDS);
    expect(sessionMaxAge(now + 90_500, now)).toBe(90);
    expect(sessionMaxAge(now + 10 * SESSION_MAX_AGE_SECONDS * 1000, now)).toBe(SESSION_MAX_AGE_SECONDS);
    expect(sessionMaxAge(now - 1, now)).toBe(0);
  });
});

describe('mayAct', () => {
  const viewer = (name: string, role: Viewer['role']): Viewer => ({
    tokenId: 1,
    name,
    role,
    site: null,
    expiresAt: null,
  });
  it('lets admins and owners act, nobody else', () => {
    expect(mayAct(viewer('root', 'admin'), 'alice')).toBe(true);
    expect(mayAct(viewer('alice', 'user'), 'alice')).toBe(true);
    expect(mayAct(viewer('bob', 'user'), 'alice')).toBe(false);
    expect(mayAct(viewer('alice', 'pilot'), 'alice')).toBe(false);
    expect(mayAct(null, 'alice')).toBe(false);
  });
});

describe('isTokenShaped and loginUrl', () => {
  it('takes printable tokens only', () => {
    expect(isTokenShaped('p3s_AbC-d_9')).toBe(true);
    expect(isTokenShaped('p3s_a b')).toBe(false);
    expect(isTokenShaped('p3s_\r\nX')).toBe(false);
    expect(isTokenShaped('')).toBe(false);
    expect(isTokenShaped(undefined)).toBe(false);
  });
  it('builds the login URL with a safe next', () => {
    expect(loginUrl('/')).toBe('/login');
    expect(loginUrl('/jobs?state=failed', 'expired')).toBe(
      '/login?next=%2Fjobs%3Fstate%3Dfailed&reason=expired',
    );
    expect(loginUrl('//evil.example', 'required')).toBe('/login?reason=required');
  });
});
