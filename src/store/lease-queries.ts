// Lease bookkeeping for the server's background loops: fail jobs whose lease ran out
// (and lose their pilots, and advance their workflows), lose idle pilots that fell silent, and grant
// grace after a restart.

import { sql } from 'kysely';
import { ACTIVE_JOB_STATES, JOB_ERRORS, type LeaseGrace, pilotStatesMovingTo } from '../core/index.ts';
import type { DialectSql } from './dialect.ts';
import { endAttemptIn } from './reports/end-attempt.ts';
import type { JobRow, PilotRow } from './schema.ts';
import type { WorkflowRow } from './schema-workflows.ts';
import type { Tx } from './transaction.ts';
import { workflowForPass } from './workflow-advance.ts';

export async function expireLeasesIn(
  tx: Tx,
  dialect: DialectSql,
  now: number,
  pilotSilentBefore: number,
): Promise<{ lostJobs: JobRow[]; lostPilots: PilotRow[]; released: boolean }> {
  // SKIP LOCKED: a job a pilot is reporting on right now is left to that report (or the next round).
  const expired = await tx
    .selectFrom('jobs')
    .selectAll()
    .where('state', 'in', ACTIVE_JOB_STATES)
    .where('lease_expires_at', '<', now)
    .orderBy('id')
    .$call((qb) => dialect.lockRows(qb, { skipLocked: true }))
    .execute();
  const pilotIds = [...new Set(expired.flatMap((job) => (job.pilot_id === null ? [] : [job.pilot_id])))];
  const pilots =
    pilotIds.length === 0
      ? []
      : await tx.selectFrom('pilots').selectAll().where('id', 'in', pilotIds).execute();
  const pilotById = new Map(pilots.map((pilot) => [pilot.id, pilot]));

  const lostJobs: JobRow[] = [];
  let released = false;
  const lostPilots: PilotRow[] = [];
  const workflows = new Map<number, WorkflowRow | undefined>();
  for (const job of expired) {
    const workflow = await workflowForPass(tx, dialect, job, workflows);
    if (workflow === null) continue;
    const pilot = job.pilot_id === null ? undefined : pilotById.get(job.pilot_id);
    const who = pilot ? `pilot ${pilot.uuid} on ${pilot.host}` : `pilot ${job.pilot_id}`;
    const diag = `${who} stopped heartbeating: its lease expired at ${new Date(job.lease_expires_at ?? now).toISOString()}`;
    const ended = await endAttemptIn(tx, dialect, {
      job,
      transition: 'lose',
      operation: 'expire',
      actor: 'reaper',
      now,
      detail: diag,
      workflow,
      set: {
        error_name: 'lost',
        error_code: JOB_ERRORS.lost.code,
        error_diag: diag,
        lease_expires_at: null,
        ended_at: now,
      },
    });
    lostJobs.push(ended.ended);
    if (ended.released) released = true;
    if (workflow) workflows.set(workflow.id, ended.workflow);
    if (job.pilot_id === null) continue;
    // Only while the pilot is still on this job: it may have moved on to another one.
    const lostPilot = await tx
      .updateTable('pilots')
      .set({ state: 'lost', current_job_id: null })
      .where('id', '=', job.pilot_id)
      .where('state', 'in', pilotStatesMovingTo('lost'))
      .where((eb) => eb.or([eb('current_job_id', 'is', null), eb('current_job_id', '=', job.id)]))
      .returningAll()
      .executeTakeFirst();
    if (lostPilot) lostPilots.push(lostPilot);
  }

  const silent = await tx
    .updateTable('pilots')
    .set({ state: 'lost' })
    .where('state', '=', 'idle')
    .where('last_seen_at', '<', pilotSilentBefore)
    .returningAll()
    .execute();
  return { lostJobs, lostPilots: [...lostPilots, ...silent], released };
}

/** Applies core's gracedLease to every active lease; returns how many active jobs there are. */
export async function graceActiveLeasesIn(tx: Tx, dialect: DialectSql, grace: LeaseGrace): Promise<number> {
  const { until, extendByMs } = grace;
  // gracedLease in SQL: max(expiry + extendByMs, until); a missing lease gets `until`.
  const extended = sql`lease_expires_at + ${extendByMs}`;
  const result = await tx
    .updateTable('jobs')
    .set({
      lease_expires_at: sql<number>`CASE WHEN lease_expires_at IS NULL OR ${extended} < ${until} THEN ${until} ELSE ${extended} END`,
    })
    .where('state', 'in', ACTIVE_JOB_STATES)
    // Locks the rows in id order, as the reaper does, so two servers' graces cannot deadlock.
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('jobs')
        .select('id')
        .where('state', 'in', ACTIVE_JOB_STATES)
        .orderBy('id')
        .$call((qb) => dialect.lockRows(qb)),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
