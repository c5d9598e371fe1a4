// A job's state change on PostgreSQL: the compare-and-set UPDATE, its event and (when the attempt
// ends) its attempt record as data-modifying CTEs of one statement, one round trip.

import { CompiledQuery } from 'kysely';
import type { ChangeEvent } from '../dialect.ts';
import { FIXED_TEXT } from '../precompiled.ts';
import { ATTEMPT_ROW_CTE } from '../rows.ts';
import type { JobRow } from '../schema.ts';
import type { Tx } from '../transaction.ts';

/**
 * Runs a compiled `UPDATE jobs … RETURNING *` with its job_events row (and job_attempts row when the
 * attempt ends) as data-modifying CTEs of the same statement; the updated row, or undefined.
 */
export async function changeWithRecordsPostgres(
  tx: Tx,
  change: CompiledQuery<JobRow>,
  event: ChangeEvent,
  ends: boolean,
): Promise<JobRow | undefined> {
  const n = change.parameters.length;
  const $ = (i: number) => `$${n + i}`;
  const attempt = ends ? `, ${ATTEMPT_ROW_CTE}` : '';
  const text =
    `WITH changed AS (${change.sql}), ` +
    'event_row AS (INSERT INTO job_events (job_id, attempt, at, from_state, to_state, transition, actor, detail) ' +
    `SELECT id, attempt, ${$(1)}::bigint, ${$(2)}::text, ${$(3)}::text, ${$(4)}::text, ${$(5)}::text, ${$(6)}::text FROM changed)` +
    `${attempt} SELECT * FROM changed`;
  const values = [event.at, event.from_state, event.to_state, event.transition, event.actor, event.detail];
  // The texts come from a fixed set of transitions, so each is prepared once per connection.
  const result = await tx.executeQuery<JobRow>(
    CompiledQuery.raw(FIXED_TEXT + text, [...change.parameters, ...values]),
  );
  return result.rows[0];
}
