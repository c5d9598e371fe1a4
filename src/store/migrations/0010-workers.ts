// Workers: the batch jobs the factory submits to run pilots, with their batch state, the pilot
// each became and why it ended. Sites gain their provisioning record (JSON) and drain state.

import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store.ts';
import { identityColumn } from './identity.ts';

export function workers(dialect: Dialect): Migration {
  const identity = identityColumn(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('workers')
        .addColumn('id', 'integer', identity)
        .addColumn('site', 'text', (col) => col.notNull())
        .addColumn('batch_system', 'text', (col) => col.notNull())
        // `<batch system>:<id>`, as the pilot registers it; NULL for a refused submission.
        .addColumn('batch_id', 'text')
        .addColumn('state', 'text', (col) => col.notNull())
        // No foreign key, as for jobs: old pilot records can be purged.
        .addColumn('pilot_id', 'integer')
        .addColumn('submitted_at', 'bigint', (col) => col.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .addColumn('exit_code', 'integer')
        .addColumn('reason', 'text')
        .addColumn('failure', 'text')
        .addColumn('kill_requested_at', 'bigint')
        .addColumn('kill_requested_by', 'text')
        .addColumn('cancelled_by', 'text')
        .addColumn('log_path', 'text')
        .addColumn('factory', 'text')
        .execute();
      // A pilot registering with a batch id finds its worker. Not unique: batch systems reuse ids
      // (a Slurm cluster started afresh counts from 1 again); the newest unlinked worker is the one.
      await sql`CREATE INDEX workers_by_batch_id_index ON workers (batch_id, site)`.execute(db);
      // The factory's and the views' reads: a site's workers by state, its latest endings.
      await sql`CREATE INDEX workers_by_site_state_index ON workers (site, state, id)`.execute(db);
      await sql`CREATE INDEX workers_by_site_ended_index ON workers (site, ended_at)`.execute(db);

      await db.schema.alterTable('sites').addColumn('provisioning', 'text').execute();
      await db.schema.alterTable('sites').addColumn('drained_at', 'bigint').execute();
      await db.schema.alterTable('sites').addColumn('drained_by', 'text').execute();
      await db.schema.alterTable('sites').addColumn('feed_reset_at', 'bigint').execute();
    },
  };
}
