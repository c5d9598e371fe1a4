// The one-statement PostgreSQL finish (store/finish-postgres.ts) on its own: it ends a job its
// pilot holds, with the same records as the general path, and matches nothing — changing nothing —
// in every case the general path has to handle or explain. The conformance suite runs it through
// the store's verbs; this file checks that it is really the one taking the common case.

import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ending, finishSoloJobPostgres } from '../../src/store/finish-postgres.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import type { Database } from '../../src/store/schema.ts';
import type { FinishInput } from '../../src/store/store.ts';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.ts';
import { claimedJob, registerPilot, T0 } from './conformance-fixtures.ts';

const FINISHED: Ending = {
  state: 'finished',
  transition: 'finish',
  actor: 'pilot:test',
  set: { exit_code: 0, signal: null, error_name: null, error_code: null, error_diag: null },
};

describe.runIf(postgresAvailable())('the one-statement finish (PostgreSQL)', () => {
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
  afterAll(async () => {
    await kysely?.destroy();
    await store?.close();
    await db?.drop();
  });

  const input = (jobId: number, pilotUuid: string, overrides: Partial<FinishInput> = {}): FinishInput => ({
    jobId,
    pilotUuid,
    attempt: 1,
    outcome: { kind: 'exited', exitCode: 0 },
    metrics: { cpuSeconds: 0.25, rssKb: 100, maxRssKb: 300 },
    now: T0 + 1000,
    started: { pid: 4242, msAgo: 200 },
    ...overrides,
  });

  it('ends a dispatched job its pilot holds, with its event and attempt, and frees the pilot', async () => {
    const { job, pilot } = await claimedJob(store, { now: T0 });
    const done = await finishSoloJobPostgres(kysely, input(job.id, pilot.uuid), FINISHED);
    expect(done?.row).toMatchObject({ id: job.id, state: 'finished', pid: 4242 });
    expect(done?.row).not.toHaveProperty('p3s_from_state');
    expect(done?.pilot).toMatchObject({ id: pilot.id, state: 'idle', current_job_id: null, jobs_run: 1 });
    const detail = await store.getJobDetail(job.id);
    expect(detail?.job).toMatchObject({
      state: 'finished',
      startedAt: T0 + 800,
      endedAt: T0 + 1000,
      maxRssKb: 300,
    });
    expect(detail?.events.at(-1)).toMatchObject({
      fromState: 'dispatched',
      toState: 'finished',
      transition: 'finish',
      actor: 'pilot:test',
    });
    expect(detail?.attempts).toMatchObject([{ state: 'finished', cpuSeconds: 0.25, maxRssKb: 300 }]);
  });

  it('matches nothing, and changes nothing, for another pilot, an old attempt or an ended job', async () => {
    const { job, pilot } = await claimedJob(store, { now: T0 });
    const other = await registerPilot(store, {}, T0);
    expect(await finishSoloJobPostgres(kysely, input(job.id, other.uuid), FINISHED)).toBeUndefined();
    expect(
      await finishSoloJobPostgres(kysely, input(job.id, pilot.uuid, { attempt: 2 }), FINISHED),
    ).toBeUndefined();
    expect(await finishSoloJobPostgres(kysely, input(job.id, 'no-such-pilot'), FINISHED)).toBeUndefined();
    expect((await store.getJobDetail(job.id))?.events.at(-1)?.toState).toBe('dispatched');
    expect(await finishSoloJobPostgres(kysely, input(job.id, pilot.uuid), FINISHED)).toBeDefined();
    // A retried report: the general path recognises it (conformance suite); this one does not.
    expect(await finishSoloJobPostgres(kysely, input(job.id, pilot.uuid), FINISHED)).toBeUndefined();
    expect((await store.getJobDetail(job.id))?.attempts).toHaveLength(1);
  });

  it('leaves a stopped pilot stopped and returns it as it is', async () => {
    const { job, pilot } = await claimedJob(store, { now: T0 });
    await kysely.updateTable('pilots').set({ state: 'stopped' }).where('id', '=', pilot.id).execute();
    const done = await finishSoloJobPostgres(kysely, input(job.id, pilot.uuid), FINISHED);
    expect(done?.row.state).toBe('finished');
    expect(done?.pilot).toMatchObject({ id: pilot.id, state: 'stopped', jobs_run: 0 });
  });
});
