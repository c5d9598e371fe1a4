// The heartbeat in one transaction: extends the lease of the held job with its metrics.

import { isActiveJobState, LeaseLostError } from '../../core/index.ts';
import type { DialectSql } from '../dialect.ts';
import type { HeartbeatInput, JobCommandReply } from '../store.ts';
import type { Tx } from '../transaction.ts';
import { extendLease, heldJob, reply } from './held.ts';

export async function heartbeatJobIn(
  tx: Tx,
  dialect: DialectSql,
  input: HeartbeatInput,
): Promise<JobCommandReply> {
  const held = await heldJob(tx, dialect, input.jobId, input.pilotUuid, input.attempt);
  if (!isActiveJobState(held.job.state)) throw new LeaseLostError(input.jobId, `it is ${held.job.state}`);
  const updated = await extendLease(tx, held, input);
  return reply(updated, updated.lease_expires_at ?? 0);
}
