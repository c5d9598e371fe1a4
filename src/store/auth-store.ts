// Tokens and the audit trail in domain verbs, reached as `store.auth`. The store sees only
// hashes: creating the secret and hashing it is the server's job (server/auth/secrets.ts).

import type { Role } from '../core/index.ts';

export interface Token {
  id: number;
  name: string;
  role: Role;
  site: string | null;
  prefix: string;
  createdAt: number;
  createdBy: string;
  expiresAt: number | null;
  revokedAt: number | null;
  revokedBy: string | null;
  lastUsedAt: number | null;
}

export interface NewToken {
  name: string;
  role: Role;
  site: string | null;
  prefix: string;
  hash: string;
  createdBy: string;
  expiresAt: number | null;
}

export interface AuditEvent {
  id: number;
  at: number;
  actor: string;
  role: string;
  action: string;
  objectType: string;
  objectId: string | null;
  outcome: 'ok' | 'denied';
  detail: string | null;
}

export type NewAuditEvent = Omit<AuditEvent, 'id'>;

export interface AuditFilter {
  actor?: string;
  action?: string;
  objectType?: string;
  objectId?: string;
  outcome?: 'ok' | 'denied';
  since?: number;
  until?: number;
}

export interface AuthStore {
  /**
   * Stores a token. A name belongs to one role: a second token for a name with another role is
   * refused (AlreadyExistsError), so "alice" cannot be a user in one place and a pilot in another.
   */
  createToken(token: NewToken, now: number): Promise<Token>;
  /** The token with this hash, revoked and expired ones included (the caller decides). */
  findTokenByHash(hash: string): Promise<Token | undefined>;
  getToken(id: number): Promise<Token | undefined>;
  /** Tokens by id; `all` includes revoked and expired ones. */
  listTokens(query: { all?: boolean; name?: string }, now: number): Promise<Token[]>;
  /** Marks the token revoked (idempotent: a revoked token keeps its first revocation). Throws NotFoundError. */
  revokeToken(id: number, by: string, now: number): Promise<Token>;
  /** Records that the token was used (the caller throttles this). */
  touchToken(id: number, now: number): Promise<void>;

  recordAudit(event: NewAuditEvent): Promise<void>;
  listAudit(
    filter: AuditFilter,
    limit: number,
    offset: number,
  ): Promise<{ events: AuditEvent[]; total: number }>;
}
