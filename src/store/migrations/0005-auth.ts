// Access control: tokens (only their SHA-256 hash is stored), the audit trail, and which token
// registered each pilot (a pilot may only be driven by the token that registered it).

import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store.ts';
import { identityColumn } from './identity.ts';

export function auth(dialect: Dialect): Migration {
  const identity = identityColumn(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tokens')
        .addColumn('id', 'integer', identity)
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('role', 'text', (col) => col.notNull())
        .addColumn('site', 'text')
        .addColumn('prefix', 'text', (col) => col.notNull())
        .addColumn('hash', 'text', (col) => col.notNull().unique())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('created_by', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('revoked_by', 'text')
        .addColumn('last_used_at', 'bigint')
        .execute();
      await sql`CREATE INDEX tokens_by_name_index ON tokens (name)`.execute(db);

      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'integer', identity)
        .addColumn('at', 'bigint', (col) => col.notNull())
        .addColumn('actor', 'text', (col) => col.notNull())
        .addColumn('role', 'text', (col) => col.notNull())
        .addColumn('action', 'text', (col) => col.notNull())
        .addColumn('object_type', 'text', (col) => col.notNull())
        .addColumn('object_id', 'text')
        .addColumn('outcome', 'text', (col) => col.notNull())
        .addColumn('detail', 'text')
        .execute();
      await sql`CREATE INDEX audit_by_at_index ON audit_events (at, id)`.execute(db);
      await sql`CREATE INDEX audit_by_actor_index ON audit_events (actor, id)`.execute(db);
      await sql`CREATE INDEX audit_by_object_index ON audit_events (object_type, object_id, id)`.execute(db);

      await db.schema.alterTable('pilots').addColumn('token_id', 'integer').execute();
      await db.schema.alterTable('pilots').addColumn('owner', 'text').execute();
    },
  };
}
