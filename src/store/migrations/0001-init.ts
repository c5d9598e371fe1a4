// First schema: jobs, their events, attempts and logs, and pilots.
// Dialects differ only in identity columns and the blob type; index SQL is shared.

import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store.ts';
import { identityColumn } from './identity.ts';

export function init(dialect: Dialect): Migration {
  const identity = identityColumn(dialect);
  const idType = dialect === 'postgres' ? 'bigint' : 'integer';
  const blob = dialect === 'postgres' ? 'bytea' : 'blob';

  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pilots')
        .addColumn('id', 'integer', identity)
        .addColumn('uuid', 'text', (col) => col.notNull())
        .addColumn('host', 'text', (col) => col.notNull())
        .addColumn('site', 'text')
        .addColumn('pid', 'integer', (col) => col.notNull())
        .addColumn('batch_id', 'text')
        .addColumn('job_types', 'text', (col) => col.notNull())
        .addColumn('version', 'text', (col) => col.notNull())
        .addColumn('lifetime', 'integer', (col) => col.notNull())
        .addColumn('state', 'text', (col) => col.notNull())
        .addColumn('current_job_id', 'integer')
        .addColumn('jobs_run', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('stop_requested', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('registered_at', 'bigint', (col) => col.notNull())
        .addColumn('last_seen_at', 'bigint', (col) => col.notNull())
        .addColumn('ended_at', 'bigint')
        .execute();

      await db.schema
        .createTable('jobs')
        .addColumn('id', 'integer', identity)
        .addColumn('uuid', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('user_name', 'text', (col) => col.notNull())
        .addColumn('jobtype', 'text', (col) => col.notNull())
        .addColumn('payload', 'text', (col) => col.notNull())
        .addColumn('env', 'text', (col) => col.notNull())
        .addColumn('priority', 'integer', (col) => col.notNull())
        .addColumn('timelimit', 'integer', (col) => col.notNull())
        .addColumn('site', 'text')
        .addColumn('state', 'text', (col) => col.notNull())
        .addColumn('attempt', 'integer', (col) => col.notNull().defaultTo(1))
        .addColumn('workflow_id', 'integer')
        // Pilot references carry no foreign key so that old pilot records can be pruned.
        .addColumn('pilot_id', 'integer')
        .addColumn('host', 'text')
        .addColumn('ran_at_site', 'text')
        .addColumn('pid', 'integer')
        .addColumn('exit_code', 'integer')
        .addColumn('signal', 'text')
        .addColumn('error_name', 'text')
        .addColumn('error_code', 'integer')
        .addColumn('error_diag', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('kill_requested', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('cpu_seconds', 'double precision')
        .addColumn('max_rss_kb', 'bigint')
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('defined_at', 'bigint')
        .addColumn('dispatched_at', 'bigint')
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('job_events')
        .addColumn('id', idType, identity)
        .addColumn('job_id', 'integer', (col) => col.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('attempt', 'integer', (col) => col.notNull())
        .addColumn('at', 'bigint', (col) => col.notNull())
        .addColumn('from_state', 'text')
        .addColumn('to_state', 'text', (col) => col.notNull())
        .addColumn('transition', 'text', (col) => col.notNull())
        .addColumn('actor', 'text', (col) => col.notNull())
        .addColumn('detail', 'text')
        .execute();

      await db.schema
        .createTable('job_attempts')
        .addColumn('job_id', 'integer', (col) => col.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('attempt', 'integer', (col) => col.notNull())
        .addColumn('state', 'text', (col) => col.notNull())
        .addColumn('pilot_id', 'integer')
        .addColumn('host', 'text')
        .addColumn('site', 'text')
        .addColumn('exit_code', 'integer')
        .addColumn('signal', 'text')
        .addColumn('error_name', 'text')
        .addColumn('error_code', 'integer')
        .addColumn('error_diag', 'text')
        .addColumn('cpu_seconds', 'double precision')
        .addColumn('max_rss_kb', 'bigint')
        .addColumn('dispatched_at', 'bigint')
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addPrimaryKeyConstraint('job_attempts_pkey', ['job_id', 'attempt'])
        .execute();

      await db.schema
        .createTable('job_logs')
        .addColumn('job_id', 'integer', (col) => col.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('attempt', 'integer', (col) => col.notNull())
        .addColumn('stream', 'text', (col) => col.notNull())
        .addColumn('head', blob, (col) => col.notNull())
        .addColumn('tail', blob, (col) => col.notNull())
        .addColumn('total_bytes', 'bigint', (col) => col.notNull())
        .addColumn('tail_start', 'bigint', (col) => col.notNull())
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('job_logs_pkey', ['job_id', 'attempt', 'stream'])
        .execute();

      for (const statement of INDEXES) await statement.execute(db);
    },
  };
}

const INDEXES = [
  sql`CREATE UNIQUE INDEX jobs_uuid_unique ON jobs (uuid)`,
  // The claim walks this in dispatch order and stops at the first eligible job.
  sql`CREATE INDEX jobs_claimable_index ON jobs (priority DESC, id) WHERE state = 'defined'`,
  // Site-bound claims on a queue dominated by other sites' jobs.
  sql`CREATE INDEX jobs_claimable_by_site_index ON jobs (site, priority DESC, id) WHERE state = 'defined'`,
  // The lease reaper and the restart grace touch only jobs a pilot holds.
  sql`CREATE INDEX jobs_active_lease_index ON jobs (lease_expires_at) WHERE state IN ('dispatched', 'running')`,
  sql`CREATE INDEX jobs_by_state_index ON jobs (state, id)`,
  sql`CREATE INDEX jobs_by_user_index ON jobs (user_name, id)`,
  sql`CREATE INDEX jobs_by_jobtype_index ON jobs (jobtype, id)`,
  sql`CREATE INDEX jobs_by_created_index ON jobs (created_at, id)`,
  sql`CREATE INDEX jobs_by_pilot_index ON jobs (pilot_id) WHERE pilot_id IS NOT NULL`,
  sql`CREATE INDEX jobs_by_workflow_index ON jobs (workflow_id) WHERE workflow_id IS NOT NULL`,
  sql`CREATE INDEX job_events_by_job_index ON job_events (job_id, id)`,
  sql`CREATE UNIQUE INDEX pilots_uuid_unique ON pilots (uuid)`,
  sql`CREATE INDEX pilots_by_state_index ON pilots (state, id)`,
  // Finds idle pilots that fell silent.
  sql`CREATE INDEX pilots_idle_seen_index ON pilots (last_seen_at) WHERE state = 'idle'`,
];
