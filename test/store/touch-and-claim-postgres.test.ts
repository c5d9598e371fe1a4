// A long-poll's first claim on PostgreSQL as one statement (store/claim-postgres.ts) on its own: it
// claims and marks the pilot running, or only touches it, and matches nothing — changing nothing —
// for every pilot the general transaction must handle or refuse. The conformance suite runs it
// through touchAndClaimJob; this file checks that it really takes the common case.

import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { touchAndClaimPostgres } from '../../src/store/claim-postgres.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.ts';
import { LEASE_MS, registerPilot, spec, T0 } from './conformance-fixtures.ts';

describe.runIf(postgresAvailable())('the one-statement touch and claim (PostgreSQL)', () => {
  let db: TestDatabase;
  let store: Store;
  let kysely: Kysely<Database>;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = await openStore({ databaseUrl: db.url });
    await store.migrate();
    kysely = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 2 }) }),
    });
  });
  beforeEach(async () => {
    await sql`TRUNCATE jobs, job_events, job_attempts, job_logs, pilots, datasets, workflows, dags, datatypes, sites, tokens, audit_events RESTART IDENTITY`.execute(
      kysely,
    );
  });
  afterAll(async () => {
    await kysely?.destroy();
    await store?.close();
    await db?.drop();
  });

  it('claims the best job for the pilot, with its claim event, and marks the pilot running', async () => {
    await store.submitJobs([spec({ name: 'typed', jobtype: 'reco' }), spec({ name: 'mine' })], 'alice', T0);
    const pilot = await registerPilot(store, { jobTypes: ['default'] }, T0);
    const claimed = await touchAndClaimPostgres(kysely, pilot.uuid, LEASE_MS, T0 + 10);
    expect(claimed?.row).toMatchObject({ name: 'mine', state: 'dispatched', pilot_id: pilot.id });
    expect(claimed?.row?.lease_expires_at).toBe(T0 + 10 + LEASE_MS);
    expect(claimed?.pilot).toMatchObject({ state: 'running', current_job_id: claimed?.row?.id });
    const events = (await store.getJobDetail(claimed?.row?.id as number))?.events ?? [];
    expect(events.at(-1)).toMatchObject({ transition: 'claim', actor: `pilot:${pilot.uuid}` });
  });

  it('only touches when nothing is eligible, and a lost pilot that talks again is idle', async () => {
    const pilot = await registerPilot(store, {}, T0);
    await kysely.updateTable('pilots').set({ state: 'lost' }).where('id', '=', pilot.id).execute();
    const touched = await touchAndClaimPostgres(kysely, pilot.uuid, LEASE_MS, T0 + 20);
    expect(touched?.row).toBeUndefined();
    expect(touched?.pilot).toMatchObject({ state: 'idle', current_job_id: null, last_seen_at: T0 + 20 });
  });

  it('matches nothing, and changes nothing, for a pilot unknown, stopped, asked to stop or holding a job', async () => {
    await store.submitJobs([spec()], 'alice', T0);
    expect(await touchAndClaimPostgres(kysely, 'no-such-pilot', LEASE_MS, T0)).toBeUndefined();
    for (const set of [{ state: 'stopped' as const }, { stop_requested: 1 }, { current_job_id: 1 }]) {
      const pilot = await registerPilot(store, {}, T0);
      await kysely.updateTable('pilots').set(set).where('id', '=', pilot.id).execute();
      expect(await touchAndClaimPostgres(kysely, pilot.uuid, LEASE_MS, T0 + 30)).toBeUndefined();
      expect((await store.getPilot(pilot.id))?.lastSeenAt).toBe(T0);
    }
    expect((await store.getJob(1))?.state).toBe('defined');
  });
});
