// The SQLite claim: the caller holds the write lock (BEGIN IMMEDIATE), so picking the best
// eligible defined jobs (core/matching.ts) that fit the pilot (core/job-fit.ts) and dispatching
// them is race-free without row locks.
// One claim is a group of one: the long-poll's claim and the fetch-next finishes' claims
// (finish.ts) run the same pick and the same writes. INDEXED BY keeps the planner on the claimable
// index (walked in dispatch order) instead of sorting every defined job.

import { CompiledQuery } from 'kysely';
import { type MatchRequest, msLeft } from '../../core/index.ts';
import type { DialectSql } from '../dialect.ts';
import { markPilotBusy } from '../pilot-queries.ts';
import { pilotActor } from '../reports/held.ts';
import type { JobRow, PilotRow } from '../schema.ts';
import type { Tx } from '../transaction.ts';
import { markWorkflowRunning } from '../workflow-advance.ts';
import { INSERT_EVENTS, overJson } from './groups.ts';

/** A pilot asking for a job: its row, what it serves, when, and its lease. */
export interface Claimant {
  pilot: PilotRow;
  match: MatchRequest;
  now: number;
  leaseMs: number;
}

/**
 * The pick for a site, job types and what the pilot can hold (core/job-fit.ts; `msLeft` is its
 * lifetime left). Only the bounds the pilot has become filters, so a pilot without them runs the
 * plain pick; each tests a row the index walk reached, which a job asking for nothing passes at once.
 */
function pickJobs(match: MatchRequest, msLeft: number | null, limit: number): CompiledQuery<{ id: number }> {
  const args: unknown[] = [match.site];
  const filters: string[] = [];
  const bound = (sql: string, value: string | number | null | undefined) => {
    if (value === null || value === undefined) return;
    filters.push(sql);
    args.push(value);
  };
  if (match.jobTypes.length > 0)
    bound('jobtype IN (SELECT value FROM json_each(?))', JSON.stringify(match.jobTypes));
  bound('(memory_mib IS NULL OR memory_mib <= ?)', match.offer?.memory);
  bound('(cores IS NULL OR cores <= ?)', match.offer?.cores);
  bound('(disk_mib IS NULL OR disk_mib <= ?)', match.offer?.disk);
  bound('timelimit * 1000 <= ?', msLeft);
  args.push(limit);
  const where = filters.map((f) => ` AND ${f}`).join('');
  return CompiledQuery.raw(
    `SELECT id FROM jobs INDEXED BY jobs_claimable_index
     WHERE state = 'defined' AND (site IS NULL OR site = ?)${where}
     ORDER BY priority DESC, id
     LIMIT ?`,
    args,
  );
}

/**
 * Claimants pick together when they serve the same site and types and offer the same resources;
 * lifetimes differ from pilot to pilot, so the group's is its shortest: every job it picks fits
 * every pilot in it (a longer-lived one may miss a longer job it could have run, never the reverse).
 */
function groupKey({ match }: Claimant): string {
  const { offer } = match;
  return JSON.stringify([match.site, match.jobTypes, offer?.memory, offer?.cores, offer?.disk]);
}

function shortestMsLeft(group: readonly Claimant[]): number | null {
  const left = group.flatMap((c) => (c.match.offer ? [msLeft(c.match.offer, c.now)] : []));
  const bounded = left.filter((ms): ms is number => ms !== null);
  return bounded.length === 0 ? null : Math.min(...bounded);
}

// The compare-and-set repeats what the pick read (the write lock is held); + finds each row by
// its id instead of walking every defined job in the state index.
const DISPATCH_JOBS = `
  UPDATE jobs SET state = 'dispatched', pilot_id = c.value ->> 'pilot_id', host = c.value ->> 'host',
    ran_at_site = c.value ->> 'site', dispatched_at = c.value ->> 'now', lease_expires_at = c.value ->> 'lease',
    kill_requested = 0, updated_at = c.value ->> 'now'
  FROM json_each(?) AS c
  WHERE jobs.id = c.value ->> 'job_id' AND +jobs.state = 'defined'
  RETURNING *`;

/** The claim with its writes for one pilot: the job, its event, the pilot's and the workflow's running marks. */
export async function claimForPilotSqlite(
  tx: Tx,
  dialect: DialectSql,
  pilot: PilotRow,
  match: MatchRequest,
  leaseMs: number,
  now: number,
): Promise<JobRow | undefined> {
  const row = (await claimGroupSqlite(tx, [{ pilot, match, now, leaseMs }], dialect)).get(pilot.id);
  if (row) await markPilotBusy(tx, pilot, row.id, now);
  return row;
}

/**
 * Claims for the pilots, in order, best job first: one pick and one dispatch per distinct site and
 * job types (usually one), each pick after the last one's dispatch so none overlap; the claim events
 * and the workflows' running marks. The pilots' rows are the caller's to write. Pilot id → its job.
 */
export async function claimGroupSqlite(
  tx: Tx,
  claimants: readonly Claimant[],
  dialect: DialectSql,
): Promise<Map<number, JobRow>> {
  const claimed = new Map<number, JobRow>();
  const byMatch = new Map<string, Claimant[]>();
  for (const c of claimants) {
    const key = groupKey(c);
    byMatch.set(key, [...(byMatch.get(key) ?? []), c]);
  }
  for (const group of byMatch.values()) {
    const { match } = group[0] as Claimant;
    const picked = await tx.executeQuery(pickJobs(match, shortestMsLeft(group), group.length));
    const pairs = picked.rows.map(({ id }, i) => ({ job_id: id, claimant: group[i] as Claimant }));
    if (pairs.length === 0) continue;
    const rows = await overJson<JobRow>(tx, DISPATCH_JOBS, pairs.map(dispatchOf));
    for (const row of rows) if (row.pilot_id !== null) claimed.set(row.pilot_id, row);
    await overJson(
      tx,
      INSERT_EVENTS,
      rows.map((row) => claimEventOf(row, group)),
    );
    for (const row of rows)
      if (row.workflow_id !== null) await markWorkflowRunning(tx, dialect, row.workflow_id, row.updated_at);
  }
  return claimed;
}

function dispatchOf({ job_id, claimant }: { job_id: number; claimant: Claimant }) {
  const { pilot, now, leaseMs } = claimant;
  return { job_id, pilot_id: pilot.id, host: pilot.host, site: pilot.site, now, lease: now + leaseMs };
}

function claimEventOf(row: JobRow, group: readonly Claimant[]) {
  const pilot = (group.find((c) => c.pilot.id === row.pilot_id) as Claimant).pilot;
  return {
    job_id: row.id,
    attempt: row.attempt,
    at: row.updated_at,
    from_state: 'defined',
    to_state: 'dispatched',
    transition: 'claim',
    actor: pilotActor(pilot.uuid),
    detail: `pilot ${pilot.id} on ${pilot.host}`,
  };
}
