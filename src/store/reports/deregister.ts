// Deregistration in one transaction: the pilot stops; the jobs it still holds fail with pilot_shutdown.

import {
  ACTIVE_JOB_STATES,
  AppError,
  JOB_ERRORS,
  pilotMove,
  TERMINAL_PILOT_STATES,
} from '../../core/index.ts';
import type { DialectSql } from '../dialect.ts';
import { findPilotByUuid } from '../pilot-queries.ts';
import type { PilotRow } from '../schema.ts';
import type { WorkflowRow } from '../schema-workflows.ts';
import type { Tx } from '../transaction.ts';
import { lockWorkflow } from '../workflow-advance.ts';
import { endAttemptIn } from './end-attempt.ts';
import { pilotActor } from './held.ts';

/**
 * Stops a pilot; jobs it still holds fail with `pilot_shutdown` (and the retry rules apply).
 * Repeating it is harmless.
 */
export async function deregisterPilotIn(
  tx: Tx,
  dialect: DialectSql,
  uuid: string,
  now: number,
): Promise<{ pilot: PilotRow; released: boolean }> {
  const pilot = await findPilotByUuid(tx, uuid);
  if (!pilot) throw new AppError('pilot_unknown', `pilot ${uuid} is not registered`);
  if (TERMINAL_PILOT_STATES.includes(pilot.state)) return { pilot, released: false };
  const stopped = pilotMove(pilot.state, 'stopped', uuid);
  // Workflow rows before job rows, in id order, as every other writer of workflow jobs locks them.
  const workflowIds = await tx
    .selectFrom('jobs')
    .select('workflow_id')
    .distinct()
    .where('pilot_id', '=', pilot.id)
    .where('state', 'in', ACTIVE_JOB_STATES)
    .where('workflow_id', 'is not', null)
    .orderBy('workflow_id')
    .execute();
  const workflows = new Map<number, WorkflowRow>();
  for (const { workflow_id: id } of workflowIds) {
    const workflow = id === null ? undefined : await lockWorkflow(tx, dialect, id);
    if (workflow) workflows.set(workflow.id, workflow);
  }
  const held = await tx
    .selectFrom('jobs')
    .selectAll()
    .where('pilot_id', '=', pilot.id)
    .where('state', 'in', ACTIVE_JOB_STATES)
    .orderBy('id')
    .$call((qb) => dialect.lockRows(qb))
    .execute();
  let released = false;
  for (const job of held) {
    const diag = `pilot ${uuid} deregistered while holding the job`;
    const workflow = job.workflow_id === null ? undefined : workflows.get(job.workflow_id);
    const ended = await endAttemptIn(tx, dialect, {
      job,
      transition: 'fail',
      operation: 'fail',
      actor: pilotActor(uuid),
      now,
      detail: diag,
      workflow,
      set: {
        error_name: 'pilot_shutdown',
        error_code: JOB_ERRORS.pilot_shutdown.code,
        error_diag: diag,
        lease_expires_at: null,
        ended_at: now,
      },
    });
    if (ended.released) released = true;
    if (workflow && ended.workflow) workflows.set(workflow.id, ended.workflow);
  }
  const row = await tx
    .updateTable('pilots')
    .set({ state: stopped, current_job_id: null, ended_at: now, last_seen_at: now })
    .where('id', '=', pilot.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { pilot: row, released };
}
