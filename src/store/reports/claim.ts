// The claim verbs in one transaction: a claim, the long-poll's first claim (touch + claim), and
// the claim that follows a finish; the dialect's claimForPilot picks and writes the job.

import {
  type MatchRequest,
  type PilotOffer,
  pilotHeard,
  pilotMove,
  TERMINAL_PILOT_STATES,
} from '../../core/index.ts';
import type { DialectSql } from '../dialect.ts';
import { findJob } from '../job-queries.ts';
import { requireLivePilot, touchPilotRow } from '../pilot-queries.ts';
import type { JobRow, PilotRow } from '../schema.ts';
import type { Tx } from '../transaction.ts';
import { extendedLease, extendLeaseOnly, seen } from './held.ts';

export async function claimJobIn(
  tx: Tx,
  dialect: DialectSql,
  pilotUuid: string,
  match: MatchRequest,
  leaseMs: number,
  now: number,
): Promise<JobRow | undefined> {
  // Locking the pilot first serialises its claims with its deregistration; the claim itself never waits.
  const pilot = await requireLivePilot(tx, dialect, pilotUuid);
  if (pilot.stop_requested !== 0) return undefined;
  // What the pilot can hold is a fact of its row, whatever the caller asks for.
  return dialect.claimForPilot(tx, pilot, { ...match, offer: offerOf(pilot) }, leaseMs, now);
}

/**
 * The first poll of a claim: records the pilot's sign of life and, unless it was asked to stop,
 * claims for its own site and job types — one transaction instead of a touch and a claim.
 */
export async function touchAndClaimIn(
  tx: Tx,
  dialect: DialectSql,
  pilotUuid: string,
  leaseMs: number,
  now: number,
): Promise<{ pilot: PilotRow; row: JobRow | undefined }> {
  const live = await requireLivePilot(tx, dialect, pilotUuid);
  const claimed = await claimWithPilot(tx, dialect, live, leaseMs, now);
  // A claim already marked the pilot running and seen (markPilotBusy); otherwise this is the touch.
  return claimed.row ? claimed : { pilot: await touchPilotRow(tx, live, now), row: undefined };
}

/** Whether a pilot may take a job: it has not stopped and was not asked to. */
export function mayClaim(pilot: Pick<PilotRow, 'state' | 'stop_requested'>): boolean {
  return !TERMINAL_PILOT_STATES.includes(pilot.state) && pilot.stop_requested === 0;
}

/**
 * Claims for a pilot whose row this transaction read or wrote (fetch-next passes the row its finish
 * left, so the pilot is not read twice): nothing when it is stopped or was asked to stop; the job it
 * still holds unstarted, if any; else the best job for its site and types.
 */
export async function claimWithPilot(
  tx: Tx,
  dialect: DialectSql,
  pilot: PilotRow,
  leaseMs: number,
  now: number,
): Promise<{ pilot: PilotRow; row: JobRow | undefined }> {
  if (!mayClaim(pilot)) return { pilot, row: undefined };
  // The pilot claims only when it holds nothing: a job it still holds unstarted is one whose
  // claim reply it never got (lost on the way), so it gets that job again rather than a second one.
  const unanswered = await unstartedJobOf(tx, pilot);
  if (unanswered) {
    const lease = extendedLease(unanswered, now, leaseMs);
    const args = { id: unanswered.id, pilotId: pilot.id, attempt: unanswered.attempt, lease, now };
    const row = (await extendLeaseOnly.first(tx, args)) ?? unanswered;
    await seen.rows(tx, { id: pilot.id, now });
    return { pilot: { ...pilot, last_seen_at: now }, row };
  }
  const row = await dialect.claimForPilot(tx, pilot, matchOf(pilot), leaseMs, now);
  if (!row) return { pilot, row };
  const state = pilotMove(pilotHeard(pilot.state, pilot.uuid), 'running', pilot.uuid);
  return { pilot: { ...pilot, state, current_job_id: row.id, last_seen_at: now }, row };
}

/** The job the pilot's row says it holds, if that job is still dispatched to it and not started. */
async function unstartedJobOf(tx: Tx, pilot: PilotRow): Promise<JobRow | undefined> {
  if (pilot.current_job_id === null) return undefined;
  const job = await findJob(tx, pilot.current_job_id);
  return job?.state === 'dispatched' && job.pilot_id === pilot.id ? job : undefined;
}

/** What a pilot serves: its site and job types as registered, and what it can hold. */
export function matchOf(pilot: PilotRow): MatchRequest {
  return { site: pilot.site, jobTypes: JSON.parse(pilot.job_types) as string[], offer: offerOf(pilot) };
}

/** What the pilot's row says it can hold (core/job-fit.ts). */
export function offerOf(pilot: PilotRow): PilotOffer {
  return {
    memory: pilot.memory_mib,
    cores: pilot.cores,
    disk: pilot.disk_mib,
    lifetimeEndsAt: pilot.lifetime_ends_at,
  };
}
