// A running job's memory and CPU over time, for the monitor's job page plot: one row per sample
// of an attempt (core/job-samples.ts says when a heartbeat becomes one and how they are thinned).
// The key is the read order (one attempt, by time) and keeps a repeated beat from doubling a point.

import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../store.ts';

export function jobSamples(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('job_samples')
        .addColumn('job_id', 'integer', (col) => col.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('attempt', 'integer', (col) => col.notNull())
        .addColumn('at', 'bigint', (col) => col.notNull())
        .addColumn('rss_kb', 'bigint', (col) => col.notNull())
        .addColumn('pss_kb', 'bigint')
        .addColumn('cpu_seconds', 'double precision', (col) => col.notNull())
        .addPrimaryKeyConstraint('job_samples_pkey', ['job_id', 'attempt', 'at'])
        .execute();
    },
  };
}
