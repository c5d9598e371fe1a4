// Access control as the CLI shows it: where a token came from, the cells of the token table,
// and the audit filters built from flags. Pure, so the commands stay thin and these are tested.

import { InvalidArgumentError } from '@commander-js/extra-typings';
import { DEFAULTS } from '../core/defaults.ts';
import type { AuditQuery, TokenWire } from '../protocol/schemas/auth.ts';
import { formatShortTime } from './output.ts';
import type { TokenSource } from './settings.ts';

/** Where the token this command sends came from, in words. */
export function describeTokenSource(
  source: TokenSource,
  context: { dataDir: string; env?: Record<string, string | undefined> },
): string {
  const env = context.env ?? process.env;
  switch (source) {
    case 'flag':
      return '--token';
    case 'P3S_TOKEN':
      return '$P3S_TOKEN';
    case 'P3S_TOKEN_FILE':
      return `$P3S_TOKEN_FILE (${env.P3S_TOKEN_FILE ?? ''})`;
    case 'admin.token':
      return `the local admin token ${context.dataDir}/${DEFAULTS.adminTokenFile}`;
    case 'none':
      return 'none';
  }
}

/** `active`, `revoked` or `expired` at `now`. */
export function tokenStatus(token: Pick<TokenWire, 'revokedAt' | 'expiresAt'>, now: number): string {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && token.expiresAt <= now) return 'expired';
  return 'active';
}

export const TOKEN_TABLE_HEAD = [
  'ID',
  'NAME',
  'ROLE',
  'SITE',
  'PREFIX',
  'CREATED',
  'EXPIRES',
  'LAST USED',
  'REVOKED',
];

/** One row of `p3s token list`: times are local, `never`/`-` say what is unset. */
export function tokenRow(token: TokenWire, now: number): (string | number)[] {
  const time = (ms: number) => formatShortTime(ms, now);
  const expires =
    token.expiresAt === null
      ? 'never'
      : `${time(token.expiresAt)}${token.expiresAt <= now && token.revokedAt === null ? ' (expired)' : ''}`;
  return [
    token.id,
    token.name,
    token.role,
    token.site ?? '-',
    `${token.prefix}…`,
    `${time(token.createdAt)} by ${token.createdBy}`,
    expires,
    token.lastUsedAt === null ? 'never' : time(token.lastUsedAt),
    token.revokedAt === null ? '-' : `${time(token.revokedAt)} by ${token.revokedBy ?? '?'}`,
  ];
}

/** `--object TYPE[:ID]`: `job`, `job:12`, `dag:reco-v2`. */
export function objectFilterArg(value: string): { objectType: string; objectId?: string } {
  const at = value.indexOf(':');
  const type = (at < 0 ? value : value.slice(0, at)).trim();
  const id = at < 0 ? undefined : value.slice(at + 1).trim();
  if (!/^[a-z][a-z_]*$/.test(type))
    throw new InvalidArgumentError(
      `expected TYPE or TYPE:ID such as job, job:12 or token:3, got "${value}".`,
    );
  if (id === '') throw new InvalidArgumentError(`"${value}" has no id after the colon.`);
  return id === undefined ? { objectType: type } : { objectType: type, objectId: id };
}

export interface AuditFlags {
  actor?: string;
  action?: string;
  object?: { objectType: string; objectId?: string };
  outcome?: 'ok' | 'denied';
  /** Seconds back from now. */
  since?: number;
  limit: number;
}

/** The GET /api/v1/audit query for the flags, `since` measured back from `now`. */
export function auditQueryFrom(flags: AuditFlags, now: number): AuditQuery {
  return {
    ...(flags.actor === undefined ? {} : { actor: flags.actor }),
    ...(flags.action === undefined ? {} : { action: flags.action }),
    ...(flags.object ?? {}),
    ...(flags.outcome === undefined ? {} : { outcome: flags.outcome }),
    ...(flags.since === undefined ? {} : { since: now - flags.since * 1000 }),
    limit: flags.limit,
  };
}
