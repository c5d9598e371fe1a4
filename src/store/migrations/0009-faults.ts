// Faults (issue 20): why a pilot takes no jobs (`pilots.hold`: its disk is full, as it reported),
// and idempotency keys, so a submission whose answer was lost can be sent again without creating
// its jobs or workflow twice.

import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store.ts';

export function faults(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('pilots').addColumn('hold', 'text').execute();
      await db.schema
        .createTable('idempotency_keys')
        // The principal that sent the key: keys of different principals never meet.
        .addColumn('owner', 'text', (col) => col.notNull())
        .addColumn('key', 'text', (col) => col.notNull())
        // What was submitted (`jobs`, `workflow`) and a SHA-256 of the request: a re-send must match both.
        .addColumn('request', 'text', (col) => col.notNull())
        .addColumn('fingerprint', 'text', (col) => col.notNull())
        // The ids the first request created, as JSON: the re-send answers with those objects.
        .addColumn('result', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pkey', ['owner', 'key'])
        .execute();
      await sql`CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at)`.execute(db);
    },
  };
}
