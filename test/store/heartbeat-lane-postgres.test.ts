// On PostgreSQL, heartbeats hold at most part of the connection pool, so a claim never queues
// behind them. Here twenty heartbeats are stuck behind a row lock held by another session: without
// the heartbeat lane they would take every pooled connection and the claim would wait for the lock.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.ts';
import { LEASE_MS, registerPilot, spec, T0 } from './conformance-fixtures.ts';

describe.runIf(postgresAvailable())('the heartbeat lane (PostgreSQL)', () => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = await openStore({ databaseUrl: db.url });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('answers a claim while heartbeats wait for a locked job row', async () => {
    await store.submitJobs([spec({ name: 'held' }), spec({ name: 'next' })], 'alice', T0);
    const holder = await registerPilot(store, {}, T0);
    const claimant = await registerPilot(store, {}, T0);
    const held = (await store.touchAndClaimJob(holder.uuid, LEASE_MS, T0))?.claimed?.job;
    if (!held) throw new Error('no job was claimed');

    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM jobs WHERE id = $1 FOR UPDATE', [held.id]);
      const beats = Array.from({ length: 20 }, (_, i) =>
        store.heartbeatJob({
          jobId: held.id,
          pilotUuid: holder.uuid,
          attempt: 1,
          metrics: null,
          leaseMs: LEASE_MS,
          now: T0 + 1 + i,
        }),
      );
      const claim = store.touchAndClaimJob(claimant.uuid, LEASE_MS, T0 + 100);
      const timeout = new Promise<'timed out'>((r) => setTimeout(() => r('timed out'), 5000).unref());
      const claimed = await Promise.race([claim, timeout]);
      expect(claimed).not.toBe('timed out');
      expect(claimed === 'timed out' ? undefined : claimed.claimed?.job.name).toBe('next');
      await locker.query('COMMIT');
      const replies = await Promise.all(beats);
      expect(replies.every((r) => r.leaseExpiresAt >= T0 + LEASE_MS)).toBe(true);
    } finally {
      await locker.end();
    }
  });
});
