// Automatic retry rules (core/retry-rules.ts), with the shipped defaults: an attempt that ended
// for the infrastructure's sake (lost, pilot stopped, server unreachable, pilot lifetime) is tried
// again up to three attempts; a payload's own non-zero exit is not. Jobs gain `release_at`, the
// time a retry with a delay becomes claimable.

import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store.ts';
import { identityColumn } from './identity.ts';

const INFRASTRUCTURE_FAILURES = [
  ['lost', 'a lost job (its pilot stopped heartbeating) is tried again'],
  ['pilot_shutdown', 'a job whose pilot was stopped is tried again'],
  ['server_unreachable', 'a job whose pilot lost the server is tried again'],
  ['pilot_lifetime', 'a job whose pilot reached its lifetime is tried again'],
] as const;

export function retryRules(dialect: Dialect): Migration {
  const identity = identityColumn(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('retry_rules')
        .addColumn('id', 'integer', identity)
        .addColumn('name', 'text', (col) => col.notNull().unique())
        .addColumn('error_name', 'text')
        .addColumn('exit_code', 'integer')
        .addColumn('signal', 'text')
        .addColumn('diag_pattern', 'text')
        .addColumn('job_type', 'text')
        .addColumn('site', 'text')
        .addColumn('action', 'text', (col) => col.notNull())
        .addColumn('max_attempts', 'integer', (col) => col.notNull())
        .addColumn('delay_seconds', 'integer', (col) => col.notNull())
        .addColumn('delay_factor', 'real', (col) => col.notNull())
        .addColumn('factor', 'real')
        .addColumn('cap', 'integer')
        .addColumn('log_only', 'integer', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('created_by', 'text', (col) => col.notNull())
        .execute();
      await db.schema.alterTable('jobs').addColumn('release_at', 'bigint').execute();
      // The retry timer's read: deferred retries are parked jobs with a release time.
      await sql`CREATE INDEX jobs_release_at_index ON jobs (release_at) WHERE release_at IS NOT NULL`.execute(
        db,
      );
      await (db as Kysely<Record<string, Record<string, unknown>>>)
        .insertInto('retry_rules')
        .values(shippedRetryRules(Date.now()))
        .execute();
    },
  };
}

/** The shipped defaults as rows (tests that empty the table put them back with this). */
export function shippedRetryRules(now: number): Record<string, unknown>[] {
  const rows = [
    ...INFRASTRUCTURE_FAILURES.map(([errorName, name]) => ({
      name,
      error_name: errorName,
      action: 'retry',
      max_attempts: 3,
    })),
    {
      name: "a payload's own non-zero exit is not tried again",
      error_name: 'exit_code',
      action: 'no_retry',
      max_attempts: 1,
    },
  ];
  return rows.map((row) => ({
    exit_code: null,
    signal: null,
    diag_pattern: null,
    job_type: null,
    site: null,
    factor: null,
    cap: null,
    ...row,
    delay_seconds: 0,
    delay_factor: 1,
    log_only: 0,
    created_at: now,
    created_by: 'p3s (shipped default)',
  }));
}
