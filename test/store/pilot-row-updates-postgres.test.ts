// The pilot row updates of the hot path are HOT on PostgreSQL (migration 0008): a fetch-next finish
// keeps the pilot running and changes only columns no index covers, so PostgreSQL writes the new
// row version without an entry in any of the pilots' indexes. Read from the table's statistics,
// which the store's backends report when they exit.

import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/processes.ts';
import { claimedJob, LEASE_MS, spec, T0 } from './conformance-fixtures.ts';
import { useEmptyPostgresDatabase } from './postgres-store-fixture.ts';

const FETCH_NEXT_FINISHES = 5;

describe.runIf(postgresAvailable())('pilot row updates (PostgreSQL)', () => {
  const database = useEmptyPostgresDatabase();

  /** The pilots table's updates and HOT updates, so far as the statistics show them. */
  async function pilotStats(): Promise<{ updated: number; hot: number }> {
    const { rows } = await sql<{ updated: number; hot: number }>`
      SELECT n_tup_upd::integer AS updated, n_tup_hot_upd::integer AS hot
      FROM pg_stat_user_tables WHERE relname = 'pilots'`.execute(database.admin);
    return rows[0] ?? { updated: 0, hot: 0 };
  }

  /** The statistics once they show at least `updates` (backends report theirs when they end), or after 5 s. */
  async function pilotUpdates(updates: number): Promise<{ updated: number; hot: number }> {
    const shown = async () => {
      const found = await pilotStats();
      return found.updated >= updates && found;
    };
    return (await waitFor('the pilots statistics', shown, 5_000).catch(() => undefined)) ?? pilotStats();
  }

  it('writes a fetch-next finish that keeps the pilot running as a HOT update', async () => {
    const store = await openStore({ databaseUrl: database.url });
    await store.migrate();
    let { job, pilot } = await claimedJob(store);
    await store.submitJobs(
      Array.from({ length: FETCH_NEXT_FINISHES }, () => spec()),
      'alice',
      T0,
    );
    const before = await pilotUpdates(0);
    for (let i = 0; i < FETCH_NEXT_FINISHES; i++) {
      const now = T0 + 1000 * (i + 1);
      const { next } = await store.finishAndClaimJob(
        {
          jobId: job.id,
          pilotUuid: pilot.uuid,
          attempt: job.attempt,
          outcome: { kind: 'exited', exitCode: 0 },
          metrics: null,
          now,
        },
        LEASE_MS,
      );
      if (!next.claimed) throw new Error('the pilot got no next job');
      ({ pilot } = next);
      job = next.claimed.job;
    }
    expect(pilot.state).toBe('running');
    await store.close();
    const after = await pilotUpdates(before.updated + FETCH_NEXT_FINISHES);
    expect(after.updated - before.updated).toBeGreaterThanOrEqual(FETCH_NEXT_FINISHES);
    expect(after.hot - before.hot).toBeGreaterThanOrEqual(FETCH_NEXT_FINISHES);
  });
});
