// A job's state change on SQLite: the compare-and-set UPDATE, then its event and (when the
// attempt ends) its attempt record, in the caller's write transaction.

import type { CompiledQuery } from 'kysely';
import type { ChangeEvent } from '../dialect.ts';
import { insertAttemptRow, insertJobEvent } from '../job-queries.ts';
import type { JobRow } from '../schema.ts';
import type { Tx } from '../transaction.ts';

/** Runs the compiled `UPDATE jobs … RETURNING *` and writes its records; the updated row, or undefined. */
export async function changeWithRecordsSqlite(
  tx: Tx,
  change: CompiledQuery<JobRow>,
  event: ChangeEvent,
  ends: boolean,
): Promise<JobRow | undefined> {
  const updated = (await tx.executeQuery<JobRow>(change)).rows[0];
  if (!updated) return undefined;
  await insertJobEvent(tx, { job_id: updated.id, attempt: updated.attempt, ...event });
  if (ends) await insertAttemptRow(tx, updated);
  return updated;
}
