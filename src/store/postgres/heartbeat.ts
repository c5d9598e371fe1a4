// The PostgreSQL heartbeat in one statement and one round trip: extend the lease (and store the
// metrics) of the job the pilot holds, then mark the pilot seen, without BEGIN/COMMIT. On
// PostgreSQL each statement is a round trip, and a heartbeat is the most frequent request a busy
// server gets. Locks are taken job row first, then pilot row, the order of every other writer.
// When no row matches, the caller runs the full heartbeat transaction, which says why (lease lost,
// no such job) — the rare path keeps the precise errors. Each variant (with and without
// metrics, with and without a sample) is prepared once per connection.

import { type Kysely, sql } from 'kysely';
import { ACTIVE_JOB_STATES } from '../../core/index.ts';
import type { SampledBeat } from '../dialect.ts';
import type { Database } from '../schema.ts';
import type { JobCommandReply } from '../store.ts';
import { executePrepared } from './prepared.ts';

export async function heartbeatPostgres(
  db: Kysely<Database>,
  input: SampledBeat,
): Promise<JobCommandReply | undefined> {
  const { metrics } = input;
  const lease = input.now + input.leaseMs;
  const metricsSet = metrics
    ? sql`, cpu_seconds = ${metrics.cpuSeconds},
        max_rss_kb = GREATEST(COALESCE(max_rss_kb, 0), ${Math.max(metrics.maxRssKb, metrics.rssKb)})`
    : sql``;
  // The sample rides in the same statement, inserted only when the lease was extended (FROM beat).
  const sampleInsert =
    input.sample && metrics
      ? sql`,
    sample AS (INSERT INTO job_samples (job_id, attempt, at, rss_kb, pss_kb, cpu_seconds)
      SELECT ${input.jobId}::integer, ${input.attempt}::integer, ${input.now}::bigint, ${metrics.rssKb}::bigint,
        NULL, ${metrics.cpuSeconds}::double precision FROM beat
      ON CONFLICT DO NOTHING)`
      : sql``;
  const result = await executePrepared(
    db,
    sql<{ kill_requested: number; lease_expires_at: number }>`
    WITH beat AS (
      UPDATE jobs
      SET lease_expires_at = GREATEST(COALESCE(lease_expires_at, 0), ${lease}), updated_at = ${input.now} ${metricsSet}
      WHERE id = ${input.jobId} AND attempt = ${input.attempt}
        AND state IN (${sql.join([...ACTIVE_JOB_STATES])})
        AND pilot_id = (SELECT id FROM pilots WHERE uuid = ${input.pilotUuid})
      RETURNING kill_requested, lease_expires_at, pilot_id),
    seen AS (UPDATE pilots SET last_seen_at = ${input.now} WHERE id = (SELECT pilot_id FROM beat))${sampleInsert}
    SELECT kill_requested, lease_expires_at FROM beat`,
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return { command: row.kill_requested !== 0 ? 'kill' : null, leaseExpiresAt: row.lease_expires_at };
}
