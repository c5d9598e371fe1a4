// AuthStore over Kysely for both dialects: single-row statements; token creation checks the
// name's role inside one write transaction.

import { type Kysely, sql } from 'kysely';
import { AlreadyExistsError, NotFoundError } from '../core/index.ts';
import type { AuditEvent, AuditFilter, AuthStore, NewAuditEvent, NewToken, Token } from './auth-store.ts';
import type { Database } from './schema.ts';
import type { AuditEventRow, TokenRow } from './schema-auth.ts';
import { guardStore } from './store-errors.ts';
import type { Transact } from './transaction.ts';

export class SqlAuthStore implements AuthStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly transact: Transact,
  ) {}

  createToken(token: NewToken, now: number): Promise<Token> {
    return guardStore(() =>
      this.transact(async (tx) => {
        const other = await tx
          .selectFrom('tokens')
          .select('role')
          .where('name', '=', token.name)
          .where('role', '!=', token.role)
          .executeTakeFirst();
        if (other)
          throw new AlreadyExistsError(
            'identity',
            token.name,
            `it has ${other.role} tokens; a name keeps one role — choose another name`,
          );
        const row = await tx
          .insertInto('tokens')
          .values({
            name: token.name,
            role: token.role,
            site: token.site,
            prefix: token.prefix,
            hash: token.hash,
            created_at: now,
            created_by: token.createdBy,
            expires_at: token.expiresAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toToken(row);
      }),
    );
  }

  async findTokenByHash(hash: string): Promise<Token | undefined> {
    const row = await guardStore(() =>
      this.db.selectFrom('tokens').selectAll().where('hash', '=', hash).executeTakeFirst(),
    );
    return row && toToken(row);
  }

  async getToken(id: number): Promise<Token | undefined> {
    const row = await guardStore(() =>
      this.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst(),
    );
    return row && toToken(row);
  }

  async listTokens(query: { all?: boolean; name?: string }, now: number): Promise<Token[]> {
    const rows = await guardStore(() => {
      let q = this.db.selectFrom('tokens').selectAll().orderBy('id');
      if (query.name !== undefined) q = q.where('name', '=', query.name);
      if (!query.all)
        q = q
          .where('revoked_at', 'is', null)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
      return q.execute();
    });
    return rows.map(toToken);
  }

  revokeToken(id: number, by: string, now: number): Promise<Token> {
    return guardStore(() =>
      this.transact(async (tx) => {
        await tx
          .updateTable('tokens')
          .set({ revoked_at: now, revoked_by: by })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .execute();
        const row = await tx.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) throw new NotFoundError('token', id);
        return toToken(row);
      }),
    );
  }

  async touchToken(id: number, now: number): Promise<void> {
    await guardStore(() =>
      this.transact((tx) =>
        tx.updateTable('tokens').set({ last_used_at: now }).where('id', '=', id).execute(),
      ),
    );
  }

  async recordAudit(event: NewAuditEvent): Promise<void> {
    await guardStore(() =>
      this.transact((tx) =>
        tx
          .insertInto('audit_events')
          .values({
            at: event.at,
            actor: event.actor,
            role: event.role,
            action: event.action,
            object_type: event.objectType,
            object_id: event.objectId,
            outcome: event.outcome,
            detail: event.detail,
          })
          .execute(),
      ),
    );
  }

  async listAudit(
    filter: AuditFilter,
    limit: number,
    offset: number,
  ): Promise<{ events: AuditEvent[]; total: number }> {
    return guardStore(async () => {
      let q = this.db.selectFrom('audit_events');
      if (filter.actor !== undefined) q = q.where('actor', '=', filter.actor);
      if (filter.action !== undefined) q = q.where('action', '=', filter.action);
      if (filter.objectType !== undefined) q = q.where('object_type', '=', filter.objectType);
      if (filter.objectId !== undefined) q = q.where('object_id', '=', filter.objectId);
      if (filter.outcome !== undefined) q = q.where('outcome', '=', filter.outcome);
      if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
      if (filter.until !== undefined) q = q.where('at', '<', filter.until);
      const [rows, count] = await Promise.all([
        q.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
        q.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
      ]);
      return { events: rows.map(toAuditEvent), total: Number(count.n) };
    });
  }
}

function toToken(row: TokenRow): Token {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    site: row.site,
    prefix: row.prefix,
    createdAt: row.created_at,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    lastUsedAt: row.last_used_at,
  };
}

function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    role: row.role,
    action: row.action,
    objectType: row.object_type,
    objectId: row.object_id,
    outcome: row.outcome,
    detail: row.detail,
  };
}
