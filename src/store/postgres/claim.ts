// The PostgreSQL claim: one statement picks the best eligible defined job (core/matching.ts) that
// fits the pilot (core/job-fit.ts), dispatches it, records its `claim` event and marks its workflow
// and the pilot running — one round trip, prepared once per connection. The pick is migration
// 0006's function (with 0013's fit), whose plan cannot fall back to sorting every defined job; it
// locks with SKIP LOCKED so concurrent claimers pass each other. A long-poll's first claim (touch +
// claim) is one statement outside a transaction, as a fetch-next finish is (postgres/finish.ts);
// all three share claimCtes.

import { type Kysely, type RawBuilder, sql } from 'kysely';
import {
  type MatchRequest,
  msLeft,
  type PilotOffer,
  sqlStateList,
  TERMINAL_PILOT_STATES,
  UNLIMITED_OFFER,
} from '../../core/index.ts';
import { NEXT_CLAIMABLE_JOB } from '../migrations/0006-claim-plan.ts';
import type { Database, JobRow, PilotRow } from '../schema.ts';
import type { Tx } from '../transaction.ts';
import { executePrepared } from './prepared.ts';

/** The pilot states a pilot never leaves, as SQL: `state NOT IN (…)` is a pilot that may still work. */
export const TERMINAL_PILOTS_SQL = sql.raw(sqlStateList(TERMINAL_PILOT_STATES));

/**
 * Dispatches the next job matching `match` to `pilot` with a lease until now + leaseMs, with its
 * claim event, its workflow's running mark and the pilot's running mark; undefined (and nothing
 * written) when none is eligible.
 */
export async function claimNextJobPostgres(
  tx: Tx,
  pilot: PilotRow,
  match: MatchRequest,
  leaseMs: number,
  now: number,
): Promise<JobRow | undefined> {
  const result = await executePrepared(
    tx,
    sql<JobRow>`
      WITH claimant AS (SELECT * FROM pilots WHERE id = ${pilot.id}::integer),
      ${claimCtes(now, leaseMs, match)},
      busy AS (
        UPDATE pilots SET state = 'running', current_job_id = next.id, jobs_run = ${pilot.jobs_run}::integer,
          last_seen_at = ${now}::bigint
        FROM next WHERE pilots.id = next.pilot_id)
      SELECT * FROM next`,
  );
  return result.rows[0];
}

/**
 * The claim as CTEs of a larger statement, for the pilot row in a CTE named `claimant` (none: no
 * claim): `picks` (the job chosen for it), then dispatchCtes. The job matches `match` when given,
 * else the claimant's own site and job types. The pilot's own mark is the caller's.
 */
export function claimCtes(now: number, leaseMs: number, match?: MatchRequest) {
  const pick = match
    ? sql`${match.site}::text, ${match.jobTypes.length > 0 ? [...match.jobTypes] : null}::text[], ${offerArgs(match.offer, now)}`
    : sql`site, ${sql.raw(CLAIMANT_JOB_TYPES)}, memory_mib, cores, disk_mib, lifetime_ends_at - ${now}::bigint`;
  return sql`
    picks AS (SELECT claimant.id AS pilot_id, ${sql.raw(NEXT_CLAIMABLE_JOB)}(${pick}) AS job_id FROM claimant),
    ${dispatchCtes(now, sql`${now + leaseMs}::bigint`)}`;
}

/** What the pilot can hold as the pick functions (migration 0013) take it: memory, cores, disk, ms left. */
function offerArgs(offer: PilotOffer = UNLIMITED_OFFER, now: number) {
  return sql`${offer.memory}::integer, ${offer.cores}::integer, ${offer.disk}::integer, ${msLeft(offer, now)}::bigint`;
}

/** A claimant's job types as the pick functions take them: null for any type (an empty JSON array, however written). */
export const CLAIMANT_JOB_TYPES = `CASE WHEN jsonb_array_length(job_types::jsonb) = 0 THEN NULL
  ELSE ARRAY(SELECT jsonb_array_elements_text(job_types::jsonb)) END`;

/**
 * The dispatch of the jobs in a CTE `picks (pilot_id, job_id)` to the pilots in `claimant`:
 * `next` (the dispatched jobs, each still defined), their claim events, and the running mark of
 * their workflows (SKIP LOCKED, as markWorkflowRunning). `leaseUntil` may read the claimant's columns.
 */
export function dispatchCtes(now: number, leaseUntil: RawBuilder<unknown>) {
  return sql`
    next AS (
      UPDATE jobs
      SET state = 'dispatched', pilot_id = claimant.id, host = claimant.host, ran_at_site = claimant.site,
          dispatched_at = ${now}::bigint, lease_expires_at = ${leaseUntil}, kill_requested = 0,
          updated_at = ${now}::bigint
      FROM picks JOIN claimant ON claimant.id = picks.pilot_id
      WHERE jobs.id = picks.job_id AND jobs.state = 'defined'
      RETURNING jobs.*),
    claim_event AS (
      INSERT INTO job_events (job_id, attempt, at, from_state, to_state, transition, actor, detail)
      SELECT next.id, next.attempt, ${now}::bigint, 'defined', 'dispatched', 'claim', 'pilot:' || claimant.uuid,
             'pilot ' || claimant.id || ' on ' || claimant.host
      FROM next JOIN claimant ON claimant.id = next.pilot_id),
    workflow_running AS (
      UPDATE workflows SET state = 'running', updated_at = ${now}::bigint
      WHERE id IN (
        SELECT w.id FROM workflows w WHERE w.id IN (SELECT workflow_id FROM next) AND w.state = 'defined'
        FOR UPDATE SKIP LOCKED))`;
}

/**
 * A long-poll's first claim in one statement outside a transaction: the pilot row locked, the
 * claim, and the pilot's running mark or its touch (a lost pilot that talks again is idle).
 * Undefined, and nothing changed, unless the pilot is registered, not stopped, not asked to stop
 * and holds no job: the general transaction (touchAndClaimIn) handles those and says why.
 */
export async function touchAndClaimPostgres(
  db: Kysely<Database>,
  pilotUuid: string,
  leaseMs: number,
  now: number,
): Promise<{ pilot: PilotRow; row: JobRow | undefined } | undefined> {
  const result = await executePrepared(
    db,
    sql<{ pilot: PilotRow; next: JobRow | null }>`
      WITH claimant AS (
        SELECT * FROM pilots
        WHERE uuid = ${pilotUuid}::text AND state NOT IN (${TERMINAL_PILOTS_SQL}) AND stop_requested = 0 AND current_job_id IS NULL
        FOR UPDATE),
      ${claimCtes(now, leaseMs)},
      pilot_after AS (
        UPDATE pilots
        SET state = CASE WHEN next.id IS NOT NULL THEN 'running' WHEN pilots.state = 'lost' THEN 'idle'
                         ELSE pilots.state END,
            current_job_id = next.id, last_seen_at = ${now}::bigint
        FROM claimant LEFT JOIN next ON true
        WHERE pilots.id = claimant.id
        RETURNING pilots.*)
      SELECT to_jsonb(pilot_after) AS pilot, (SELECT to_jsonb(next) FROM next) AS next FROM pilot_after`,
  );
  const found = result.rows[0];
  return found && { pilot: found.pilot, row: found.next ?? undefined };
}
