// The access-control tables as Kysely sees them: tokens (hash only) and the audit trail.

import type { Generated, Selectable } from 'kysely';
import type { Role } from '../core/index.ts';

export interface TokensTable {
  id: Generated<number>;
  name: string;
  role: Role;
  site: string | null;
  /** The secret's first characters, to recognise a token in lists. */
  prefix: string;
  /** SHA-256 of the secret, hex. */
  hash: string;
  created_at: number;
  created_by: string;
  expires_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
  last_used_at: number | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  actor: string;
  role: string;
  action: string;
  object_type: string;
  object_id: string | null;
  outcome: 'ok' | 'denied';
  detail: string | null;
}

export interface AuthTables {
  tokens: TokensTable;
  audit_events: AuditEventsTable;
}

export type TokenRow = Selectable<TokensTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
