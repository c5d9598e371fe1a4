// The PostgreSQL claim: one statement picks the best eligible defined job (core/matching.ts),
// dispatches it, records its `claim` event and marks the pilot running — one round trip where
// three statements were, prepared once per connection. The pick is migration 0006's function, whose plan cannot fall back to
// sorting every defined job; it locks with SKIP LOCKED so concurrent claimers pass each other.

import { sql } from 'kysely';
import type { MatchRequest } from '../core/index.ts';
import { NEXT_CLAIMABLE_JOB } from './migrations/0006-claim-plan.ts';
import { executePrepared } from './pg-prepared.ts';
import type { JobRow, PilotRow } from './schema.ts';
import type { Tx } from './transaction.ts';

/**
 * Dispatches the next job for `pilot` with a lease until now + leaseMs, with its claim event (by
 * `event.actor`) and the pilot's running mark; undefined (and nothing written) when none is eligible.
 */
export async function claimNextJobPostgres(
  tx: Tx,
  pilot: PilotRow,
  match: MatchRequest,
  leaseMs: number,
  now: number,
  event: { actor: string; detail: string },
): Promise<JobRow | undefined> {
  const jobTypes = match.jobTypes.length > 0 ? [...match.jobTypes] : null;
  const result = await executePrepared(
    tx,
    sql<JobRow>`
    WITH claimed AS (
      UPDATE jobs
      SET state = 'dispatched', pilot_id = ${pilot.id}, host = ${pilot.host}, ran_at_site = ${pilot.site},
          dispatched_at = ${now}, lease_expires_at = ${now + leaseMs}, kill_requested = 0, updated_at = ${now}
      WHERE state = 'defined' AND id = (SELECT ${sql.raw(NEXT_CLAIMABLE_JOB)}(${match.site}::text, ${jobTypes}::text[]))
      RETURNING *),
    event AS (
      INSERT INTO job_events (job_id, attempt, at, from_state, to_state, transition, actor, detail)
      SELECT id, attempt, ${now}::bigint, 'defined', 'dispatched', 'claim', ${event.actor}::text, ${event.detail}::text
      FROM claimed),
    busy AS (
      UPDATE pilots SET state = 'running', current_job_id = claimed.id, last_seen_at = ${now}::bigint
      FROM claimed WHERE pilots.id = ${pilot.id})
    SELECT * FROM claimed`,
  );
  return result.rows[0];
}
