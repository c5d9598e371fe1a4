// The SQLite claim: the caller holds the write lock (BEGIN IMMEDIATE), so one UPDATE of the
// best eligible defined job (core/matching.ts) is race-free without row locks. INDEXED BY keeps
// the planner on the claimable index (walked in dispatch order) instead of sorting every defined job.

import { sql } from 'kysely';
import type { MatchRequest } from '../../core/index.ts';
import type { DialectSql } from '../dialect.ts';
import { insertJobEvent } from '../job-queries.ts';
import { markPilotBusy } from '../pilot-queries.ts';
import { pilotActor } from '../reports/held.ts';
import type { JobRow, PilotRow } from '../schema.ts';
import type { Tx } from '../transaction.ts';
import { markWorkflowRunning } from '../workflow-advance.ts';

/** The claim with its writes: the job, its event, the pilot's and the workflow's running marks. */
export async function claimForPilotSqlite(
  tx: Tx,
  dialect: DialectSql,
  pilot: PilotRow,
  match: MatchRequest,
  leaseMs: number,
  now: number,
): Promise<JobRow | undefined> {
  const row = await claimNextJobSqlite(tx, pilot, match, leaseMs, now);
  if (!row) return undefined;
  await insertJobEvent(tx, {
    job_id: row.id,
    attempt: row.attempt,
    at: now,
    from_state: 'defined',
    to_state: 'dispatched',
    transition: 'claim',
    actor: pilotActor(pilot.uuid),
    detail: `pilot ${pilot.id} on ${pilot.host}`,
  });
  await markPilotBusy(tx, pilot, row.id, now);
  if (row.workflow_id !== null) await markWorkflowRunning(tx, dialect, row.workflow_id, now);
  return row;
}

/** Dispatches the next job for `pilot` with a lease until now + leaseMs; undefined when none is eligible. */
export async function claimNextJobSqlite(
  tx: Tx,
  pilot: PilotRow,
  match: MatchRequest,
  leaseMs: number,
  now: number,
): Promise<JobRow | undefined> {
  const jobTypes = match.jobTypes.length > 0 ? sql`AND jobtype IN (${sql.join([...match.jobTypes])})` : sql``;
  const result = await sql<JobRow>`
    UPDATE jobs
    SET state = 'dispatched', pilot_id = ${pilot.id}, host = ${pilot.host}, ran_at_site = ${pilot.site},
        dispatched_at = ${now}, lease_expires_at = ${now + leaseMs}, kill_requested = 0, updated_at = ${now}
    WHERE state = 'defined' AND id = (
      SELECT id FROM jobs INDEXED BY jobs_claimable_index
      WHERE state = 'defined' AND (site IS NULL OR site = ${match.site}) ${jobTypes}
      ORDER BY priority DESC, id
      LIMIT 1)
    RETURNING *`.execute(tx);
  return result.rows[0];
}
