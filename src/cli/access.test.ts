import { InvalidArgumentError } from '@commander-js/extra-typings';
import { describe, expect, it } from 'vitest';
import type { TokenWire } from '../protocol/schemas/auth.ts';
import { auditQueryFrom, describeTokenSource, objectFilterArg, tokenRow, tokenStatus } from './access.ts';
import { formatShortTime } from './output.ts';

const NOW = Date.UTC(2025, 4, 1, 12, 0, 0);
const HOUR = 3_600_000;

function token(overrides: Partial<TokenWire> = {}): TokenWire {
  return {
    id: 7,
    name: 'alice',
    role: 'user',
    site: null,
    prefix: 'p3s_Xb7q',
    createdAt: NOW - 48 * HOUR,
    createdBy: 'root',
    expiresAt: null,
    revokedAt: null,
    revokedBy: null,
    lastUsedAt: null,
    ...overrides,
  };
}

describe('describeTokenSource', () => {
  it('names the flag, the variables and the local admin token file', () => {
    const ctx = { dataDir: '/h', env: { P3S_TOKEN_FILE: '/run/secrets/p3s' } };
    expect(describeTokenSource('flag', ctx)).toBe('--token');
    expect(describeTokenSource('P3S_TOKEN', ctx)).toBe('$P3S_TOKEN');
    expect(describeTokenSource('P3S_TOKEN_FILE', ctx)).toBe('$P3S_TOKEN_FILE (/run/secrets/p3s)');
    expect(describeTokenSource('admin.token', ctx)).toBe('the local admin token /h/admin.token');
    expect(describeTokenSource('none', ctx)).toBe('none');
  });
});

describe('tokenStatus', () => {
  it.each([
    [{ revokedAt: null, expiresAt: null }, 'active'],
    [{ revokedAt: null, expiresAt: NOW + 1 }, 'active'],
    [{ revokedAt: null, expiresAt: NOW }, 'expired'],
    [{ revokedAt: NOW - 1, expiresAt: NOW - 5 }, 'revoked'],
  ])('%j → %s', (t, expected) => {
    expect(tokenStatus(t, NOW)).toBe(expected);
  });
});

describe('tokenRow', () => {
  it('shows an active token without secrets, with never for what is unset', () => {
    const row = tokenRow(token(), NOW);
    expect(row).toEqual([
      7,
      'alice',
      'user',
      '-',
      'p3s_Xb7q…',
      `${formatShortTime(NOW - 48 * HOUR, NOW)} by root`,
      'never',
      'never',
      '-',
    ]);
  });

  it('marks an expired token and says who revoked one', () => {
    const expired = tokenRow(token({ expiresAt: NOW - HOUR, lastUsedAt: NOW - 2 * HOUR }), NOW);
    expect(expired[6]).toBe(`${formatShortTime(NOW - HOUR, NOW)} (expired)`);
    expect(expired[7]).toBe(formatShortTime(NOW - 2 * HOUR, NOW));
    const revoked = tokenRow(
      token({ role: 'pilot', site: 'lxvm', revokedAt: NOW - HOUR, revokedBy: 'root', expiresAt: NOW - 1 }),
      NOW,
    );
    expect(revoked[3]).toBe('lxvm');
    expect(revoked[6]).not.toContain('(expired)');
    expect(revoked[8]).toBe(`${formatShortTime(NOW - HOUR, NOW)} by root`);
  });
});

describe('--object TYPE[:ID]', () => {
  it.each([
    ['job', { objectType: 'job' }],
    ['job:12', { objectType: 'job', objectId: '12' }],
    ['dag:reco:v2', { objectType: 'dag', objectId: 'reco:v2' }],
  ])('%s', (value, expected) => {
    expect(objectFilterArg(value)).toEqual(expected);
  });

  it.each(['', ':12', 'job:', 'Job', '12'])('refuses "%s"', (value) => {
    expect(() => objectFilterArg(value)).toThrow(InvalidArgumentError);
  });
});

describe('auditQueryFrom', () => {
  it('sends only the filters given, since as a time back from now', () => {
    expect(auditQueryFrom({ limit: 100 }, NOW)).toEqual({ limit: 100 });
    expect(
      auditQueryFrom(
        {
          actor: 'alice',
          action: 'job.kill',
          object: { objectType: 'job', objectId: '12' },
          outcome: 'denied',
          since: 3600,
          limit: 5,
        },
        NOW,
      ),
    ).toEqual({
      actor: 'alice',
      action: 'job.kill',
      objectType: 'job',
      objectId: '12',
      outcome: 'denied',
      since: NOW - HOUR,
      limit: 5,
    });
  });
});
