// The PostgreSQL heartbeat in one statement and one round trip: extend the lease (and store the
// metrics) of the job the pilot holds, then mark the pilot seen, without BEGIN/COMMIT. On
// PostgreSQL each statement is a round trip, and a heartbeat is the most frequent request a busy
// server gets. Locks are taken job row first, then pilot row, the order of every other writer.
// When no row matches, the caller runs the full heartbeat transaction, which says why (lease lost,
// no such job) — the rare path keeps the precise errors. Both variants (with and without
// metrics) are prepared once per connection.

import { type Kysely, sql } from 'kysely';
import { ACTIVE_JOB_STATES } from '../../core/index.ts';
import type { Database } from '../schema.ts';
import type { HeartbeatInput, JobCommandReply } from '../store.ts';
import { executePrepared } from './prepared.ts';

export async function heartbeatPostgres(
  db: Kysely<Database>,
  input: HeartbeatInput,
): Promise<JobCommandReply | undefined> {
  const { metrics } = input;
  const lease = input.now + input.leaseMs;
  const metricsSet = metrics
    ? sql`, cpu_seconds = ${metrics.cpuSeconds},
        max_rss_kb = GREATEST(COALESCE(max_rss_kb, 0), ${Math.max(metrics.maxRssKb, metrics.rssKb)})`
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
    seen AS (UPDATE pilots SET last_seen_at = ${input.now} WHERE id = (SELECT pilot_id FROM beat))
    SELECT kill_requested, lease_expires_at FROM beat`,
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return { command: row.kill_requested !== 0 ? 'kill' : null, leaseExpiresAt: row.lease_expires_at };
}
