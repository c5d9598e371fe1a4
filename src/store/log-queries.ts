// Captured job output: one row per job, attempt and stream holding the capped head and tail
// (core/capped-log.ts decides what is kept; this file only reads and writes it).

import type { Kysely } from 'kysely';
import { appendToLog, type CappedLog, emptyLog, type LogCaps, type LogStream } from '../core/index.ts';
import type { DialectSql } from './dialect.ts';
import { lockExistingJob } from './job-queries.ts';
import type { Database, JobLogRow } from './schema.ts';
import type { Tx } from './transaction.ts';

export function findLogRow(
  db: Kysely<Database>,
  jobId: number,
  attempt: number,
  stream: LogStream,
): Promise<JobLogRow | undefined> {
  return db
    .selectFrom('job_logs')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('attempt', '=', attempt)
    .where('stream', '=', stream)
    .executeTakeFirst();
}

/** Adds the chunk at `offset`; the job row lock (PostgreSQL) serialises appends to one job. */
export async function appendLogIn(
  tx: Tx,
  dialect: DialectSql,
  target: { jobId: number; attempt: number; stream: LogStream },
  offset: number,
  data: Buffer,
  caps: LogCaps,
  now: number,
): Promise<void> {
  await lockExistingJob(tx, dialect, target.jobId);
  const row = await findLogRow(tx, target.jobId, target.attempt, target.stream);
  const current: CappedLog = row
    ? { head: row.head, tail: row.tail, totalBytes: row.total_bytes, tailStart: row.tail_start }
    : emptyLog();
  const next = appendToLog(current, offset, data, caps);
  if (next === current) return;
  const values = {
    head: next.head,
    tail: next.tail,
    total_bytes: next.totalBytes,
    tail_start: next.tailStart,
    updated_at: now,
  };
  await tx
    .insertInto('job_logs')
    .values({ job_id: target.jobId, attempt: target.attempt, stream: target.stream, ...values })
    .onConflict((oc) => oc.columns(['job_id', 'attempt', 'stream']).doUpdateSet(values))
    .execute();
}
