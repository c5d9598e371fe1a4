import { describe, expect, it } from 'vitest';
import {
  type AccessRule,
  decideAccess,
  isIdentityName,
  mayDrivePilot,
  mayManage,
  mayReadSite,
  mayServeSite,
  type Principal,
  privateDirExposure,
  type ReadPolicy,
  secretFileExposure,
  tokenProblem,
} from './auth.ts';

const user: Principal = { tokenId: 1, name: 'alice', role: 'user', site: null, expiresAt: null };
const pilot: Principal = { tokenId: 2, name: 'cern-pilots', role: 'pilot', site: 'cern', expiresAt: null };
const anyPilot: Principal = { tokenId: 3, name: 'any-pilots', role: 'pilot', site: null, expiresAt: null };
const admin: Principal = { tokenId: 4, name: 'root', role: 'admin', site: null, expiresAt: null };

// rule, read policy → expected status for [no token, user, pilot, admin] (200 = allowed).
const TABLE: [AccessRule, ReadPolicy, [number, number, number, number]][] = [
  ['public', 'token', [200, 200, 200, 200]],
  ['read', 'open', [200, 200, 403, 200]],
  ['read', 'token', [401, 200, 403, 200]],
  ['site-read', 'open', [200, 200, 200, 200]],
  ['site-read', 'token', [401, 200, 200, 200]],
  ['authenticated', 'open', [401, 200, 200, 200]],
  ['user', 'open', [401, 200, 403, 200]],
  ['owner', 'open', [401, 200, 403, 200]],
  ['pilot', 'open', [401, 403, 200, 200]],
  ['admin', 'open', [401, 403, 403, 200]],
  ['admin', 'token', [401, 403, 403, 200]],
];

describe('decideAccess', () => {
  it.each(TABLE)('%s under the %s read policy', (rule, policy, expected) => {
    const got = [null, user, pilot, admin].map((p) => {
      const d = decideAccess(rule, p, policy);
      return d.allow ? 200 : d.status;
    });
    expect(got).toEqual(expected);
  });

  it('says what the rule needs and what the token has', () => {
    const d = decideAccess('admin', user, 'open');
    expect(d).toEqual({
      allow: false,
      status: 403,
      reason: 'this needs an admin token; the token "alice" has role user',
    });
    const none = decideAccess('user', null, 'open');
    expect(none.allow === false && none.reason).toContain('Authorization: Bearer');
  });
});

describe('ownership', () => {
  it.each([
    [user, 'alice', true],
    [user, 'bob', false],
    [admin, 'bob', true],
    // A pilot named like a user still manages nothing.
    [{ ...pilot, name: 'alice' }, 'alice', false],
  ] as const)('%o manages what %s owns: %s', (principal, owner, allowed) => {
    expect(mayManage(principal, owner)).toBe(allowed);
  });

  it.each([
    [pilot, 2, true],
    [pilot, 3, false],
    [pilot, null, false],
    [admin, 3, true],
    [user, 1, false],
  ] as const)('%o drives a pilot registered by token %s: %s', (principal, tokenId, allowed) => {
    expect(mayDrivePilot(principal, tokenId)).toBe(allowed);
  });

  it.each([
    [pilot, 'cern', true],
    [pilot, 'fnal', false],
    [pilot, null, false],
    [anyPilot, 'fnal', true],
    [anyPilot, null, true],
    [admin, 'fnal', true],
  ] as const)('%o serves site %s: %s', (principal, site, allowed) => {
    expect(mayServeSite(principal, site)).toBe(allowed);
  });

  it.each([
    [null, 'cern', true],
    [user, 'fnal', true],
    [pilot, 'cern', true],
    [pilot, 'fnal', false],
    [anyPilot, 'fnal', true],
  ] as const)('%o reads site %s: %s', (principal, site, allowed) => {
    expect(mayReadSite(principal, site)).toBe(allowed);
  });
});

describe('tokens', () => {
  it.each([
    [{ revokedAt: null, expiresAt: null }, 100, null],
    [{ revokedAt: null, expiresAt: 101 }, 100, null],
    [{ revokedAt: null, expiresAt: 100 }, 100, 'expired'],
    [{ revokedAt: 50, expiresAt: 100 }, 60, 'revoked'],
  ] as const)('%o at %i → %s', (token, now, problem) => {
    expect(tokenProblem(token, now)).toBe(problem);
  });

  it.each([
    ['alice', true],
    ['a.b-c_d@cern.ch', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['', false],
    ['a b', false],
    ['<script>', false],
    ['élodie', false],
  ])('%s is an identity name: %s', (name, ok) => {
    expect(isIdentityName(name)).toBe(ok);
  });
});

describe('secretFileExposure', () => {
  it.each([
    [0o100600, null],
    [0o100400, null],
    [0o100640, 'readable by its group on this host (mode 640)'],
    [0o100604, 'readable by every user on this host (mode 604)'],
    [0o100644, 'readable by its group and every user on this host (mode 644)'],
  ])('mode %o → %s', (mode, expected) => {
    expect(secretFileExposure(mode)).toBe(expected);
  });
});

describe('privateDirExposure', () => {
  it.each([
    [0o40700, null],
    [0o40500, null],
    [0o40750, 'open to its group on this host (mode 750)'],
    [0o40711, 'open to its group and every user on this host (mode 711)'],
    [0o40701, 'open to every user on this host (mode 701)'],
    [0o40755, 'open to its group and every user on this host (mode 755)'],
  ])('mode %o → %s', (mode, expected) => {
    expect(privateDirExposure(mode)).toBe(expected);
  });
});
