// The start report in one transaction: dispatched → running; a repeated start only extends the lease.

import { LeaseLostError } from '../../core/index.ts';
import type { DialectSql } from '../dialect.ts';
import { transitionJob } from '../job-queries.ts';
import type { JobCommandReply, StartInput } from '../store.ts';
import type { Tx } from '../transaction.ts';
import { extendedLease, extendLease, heldJob, metricsUpdate, pilotActor, reply, seen } from './held.ts';

export async function startJobIn(tx: Tx, dialect: DialectSql, input: StartInput): Promise<JobCommandReply> {
  const held = await heldJob(tx, dialect, input.jobId, input.pilotUuid, input.attempt);
  const { job, pilot } = held;
  // A repeated start (its first reply was lost) only extends the lease.
  if (job.state === 'running') {
    const extended = await extendLease(tx, held, input);
    return reply(extended, extended.lease_expires_at ?? 0);
  }
  if (job.state !== 'dispatched') throw new LeaseLostError(input.jobId, `it is ${job.state}`);
  const updated = await transitionJob(tx, dialect, {
    job,
    transition: 'start',
    operation: 'start',
    actor: pilotActor(input.pilotUuid),
    now: input.now,
    detail: input.pid === null ? null : `pid ${input.pid}`,
    holder: { pilotId: pilot.id, attempt: input.attempt },
    set: {
      ...metricsUpdate(job, input.metrics),
      pid: input.pid,
      started_at: input.now - (input.startedMsAgo ?? 0),
      lease_expires_at: extendedLease(job, input.now, input.leaseMs),
    },
  });
  await seen.rows(tx, { id: pilot.id, now: input.now });
  return reply(updated, updated.lease_expires_at ?? 0);
}
