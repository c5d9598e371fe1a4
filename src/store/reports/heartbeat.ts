// The heartbeat in one transaction: extends the lease of the held job with its metrics. And the
// heartbeat as the store runs it (heartbeatSampled): the dialect's fast path first, this
// transaction only when the fast path cannot take the beat, and a job_samples row when one is due.

import { isActiveJobState, LeaseLostError, sampleStep } from '../../core/index.ts';
import type { DialectSql, StoreDialect } from '../dialect.ts';
import { type SampleMemo, sampleIn } from '../sample-queries.ts';
import type { HeartbeatInput, JobCommandReply } from '../store.ts';
import { guardStore } from '../store-errors.ts';
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

/**
 * One heartbeat. The sample decision (sampleStep, one rule for both dialects) is taken here from
 * the memo, so the fast paths need no read to make it: a due sample rides in their write. A job
 * the memo does not know (first beat on this server) or whose samples need thinning takes the
 * general transaction, which reads the stored samples — rare, so the common beat stays as cheap.
 */
export async function heartbeatSampled(
  input: HeartbeatInput,
  dialect: StoreDialect,
  memo: SampleMemo,
  write: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
): Promise<JobCommandReply> {
  const state = memo.get(input.jobId);
  const step = input.metrics ? sampleStep(state, input.attempt, input.now) : 'skip';
  if (step !== 'general') {
    const quick = await guardStore(() => dialect.heartbeat({ ...input, sample: step === 'sample' }));
    if (quick) {
      if (step === 'sample' && state) memo.took(input.jobId, state, input.now);
      return quick;
    }
  }
  // The general path: says why a beat matched nothing, or stores the sample the fast path could not.
  const { answer, sampled } = await write(async (tx) => {
    const answer = await heartbeatJobIn(tx, dialect, input);
    const { metrics } = input;
    const sampled = metrics ? await sampleIn(tx, input.jobId, input.attempt, input.now, metrics) : undefined;
    return { answer, sampled };
  });
  if (sampled) memo.set(input.jobId, sampled);
  return answer;
}
