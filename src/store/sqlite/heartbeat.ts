// The SQLite heartbeat, for the heartbeats read in one turn of the event loop together
// (finish-batcher.ts turnBatcher): one read of their pilots and jobs, one UPDATE of the jobs' leases
// and metrics and one of the pilots' last-seen times for the whole group, where the general path
// (heartbeatJobIn) runs four statements per heartbeat; a fifth inserts the group's samples when any is
// due. A heartbeat the group cannot take (a lost
// lease, an unknown pilot or job, a job no longer active) is answered undefined, untouched, and the
// caller runs the general path, which says precisely why.

import { ACTIVE_JOB_STATES, isActiveJobState, sqlStateList } from '../../core/index.ts';
import type { SampledBeat } from '../dialect.ts';
import { extendedLease, metricsUpdate, reply } from '../reports/held.ts';
import { sampleRow } from '../sample-queries.ts';
import type { JobRow, PilotRow } from '../schema.ts';
import type { JobCommandReply } from '../store.ts';
import type { Tx } from '../transaction.ts';
import { overJson, readPilotsAndJobs } from './groups.ts';

// The compare-and-set repeats what the read checked (the group holds the write lock); + keeps the
// planner on the id instead of the state index.
const EXTEND_LEASES = `
  UPDATE jobs SET lease_expires_at = b.value ->> 'lease', updated_at = b.value ->> 'now',
    cpu_seconds = b.value ->> 'cpu_seconds', max_rss_kb = b.value ->> 'max_rss_kb'
  FROM json_each(?) AS b
  WHERE jobs.id = b.value ->> 'id' AND +jobs.state IN (${sqlStateList(ACTIVE_JOB_STATES)})
    AND jobs.pilot_id = b.value ->> 'pilot_id' AND jobs.attempt = b.value ->> 'attempt'
  RETURNING id, lease_expires_at, kill_requested`;

// A sample only for a beat whose lease was extended (RETURNING), in the same write. WHERE true:
// SQLite's parser needs it between a SELECT and ON CONFLICT.
const INSERT_SAMPLES = `
  INSERT INTO job_samples (job_id, attempt, at, rss_kb, pss_kb, cpu_seconds)
  SELECT value ->> 'job_id', value ->> 'attempt', value ->> 'at', value ->> 'rss_kb', value ->> 'pss_kb',
    value ->> 'cpu_seconds'
  FROM json_each(?) WHERE true
  ON CONFLICT DO NOTHING`;

const SEEN = `
  UPDATE pilots SET last_seen_at = b.value ->> 'now' FROM json_each(?) AS b WHERE pilots.id = b.value ->> 'id'`;

/** Applies the heartbeats, which name distinct jobs and pilots (the batcher keeps them apart); answers in their order. */
export async function heartbeatJobsSqlite(
  tx: Tx,
  beats: readonly SampledBeat[],
): Promise<(JobCommandReply | undefined)[]> {
  const { pilots, jobs } = await readPilotsAndJobs(tx, beats);
  const taken: { ord: number; beat: SampledBeat; pilot: PilotRow; job: JobRow }[] = [];
  for (const [ord, beat] of beats.entries()) {
    const pilot = pilots.get(beat.pilotUuid);
    const job = jobs.get(beat.jobId);
    if (!pilot || !job || job.pilot_id !== pilot.id || job.attempt !== beat.attempt) continue;
    if (isActiveJobState(job.state)) taken.push({ ord, beat, pilot, job });
  }
  const answers: (JobCommandReply | undefined)[] = beats.map(() => undefined);
  if (taken.length === 0) return answers;
  const extended = await overJson<{ id: number; lease_expires_at: number; kill_requested: number }>(
    tx,
    EXTEND_LEASES,
    taken.map(({ beat, pilot, job }) => ({
      id: job.id,
      pilot_id: pilot.id,
      attempt: job.attempt,
      now: beat.now,
      lease: extendedLease(job, beat.now, beat.leaseMs),
      cpu_seconds: job.cpu_seconds,
      max_rss_kb: job.max_rss_kb,
      ...metricsUpdate(job, beat.metrics),
    })),
  );
  await overJson(
    tx,
    SEEN,
    taken.map(({ beat, pilot }) => ({ id: pilot.id, now: beat.now })),
  );
  const byId = new Map(extended.map((row) => [row.id, row]));
  const samples = taken.flatMap(({ beat, job }) =>
    beat.sample && beat.metrics && byId.has(job.id)
      ? [sampleRow(job.id, job.attempt, beat.now, beat.metrics)]
      : [],
  );
  if (samples.length > 0) await overJson(tx, INSERT_SAMPLES, samples);
  for (const { ord, job } of taken) {
    const row = byId.get(job.id);
    if (row) answers[ord] = reply(row, row.lease_expires_at);
  }
  return answers;
}
