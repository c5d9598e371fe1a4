// The wake-up of a waiting claim: a submitted job answers a long-poll that is already waiting,
// long before the long-poll's periodic re-check (60 s here) could have found it. On SQLite in one
// server, and on PostgreSQL across two servers on one database (submit on A, claim waits on B:
// LISTEN/NOTIFY). Without the wake-up the claim stays unanswered and the guard below fails.

import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import { openStore } from '../../src/store/open-store.ts';
import { call, makeTestApp, registration, type TestApp } from '../helpers/app.ts';
import { createTestDatabase, postgresAvailable } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/processes.ts';

/** The re-check period and the claim's wait: both far beyond the guard, so only a wake-up answers. */
const RECHECK_MS = 60_000;
const WAIT_SECONDS = 60;
/** The claim must be answered within this (the test's own timeout is 20 s). */
const GUARD_MS = 15_000;
const config = { claimRecheckMs: RECHECK_MS, maxClaimWaitSeconds: WAIT_SECONDS };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function useApp(store?: Awaited<ReturnType<typeof openStore>>): Promise<TestApp> {
  const t = await makeTestApp(config, store);
  cleanups.push(() => t.close());
  return t;
}

/**
 * Registers a pilot on `claimer`, opens its long-poll and returns once the claim is waiting
 * (its first look found nothing); then `submit` runs and the claim must come back with the job.
 */
async function wakeUp(claimer: App, submit: () => Promise<number>): Promise<void> {
  expect((await call(claimer, 'POST', '/api/v1/pilots', registration('p-1'))).status).toBe(201);
  const pending = call(claimer, 'POST', '/api/v1/pilots/p-1/claim', { wait: WAIT_SECONDS, beat: 1 });
  await waitFor('the claim to wait', () => claimer.p3s.waiter.size === 1, 10_000, 5);
  const id = await submit();
  let guard: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    guard = setTimeout(
      () => reject(new Error(`the waiting claim was not woken by the submission within ${GUARD_MS} ms`)),
      GUARD_MS,
    );
  });
  try {
    const answer = await Promise.race([pending, timeout]);
    expect(answer.status).toBe(200);
    expect(answer.json.job).toMatchObject({ id, attempt: 1 });
  } finally {
    clearTimeout(guard);
  }
}

async function submitOne(app: App): Promise<number> {
  const res = await call(app, 'POST', '/api/v1/jobs', { jobs: [{ payload: '/bin/true' }] });
  expect(res.status).toBe(201);
  return res.json.jobs[0].id;
}

describe('waking a waiting claim', () => {
  it('SQLite: a submission answers the waiting claim before any re-check', { timeout: 20_000 }, async () => {
    const t = await useApp();
    await wakeUp(t.app, () => submitOne(t.app));
  });

  describe.runIf(postgresAvailable())('PostgreSQL, two servers on one database', () => {
    it('a submission on server A answers the claim waiting on server B', { timeout: 20_000 }, async () => {
      const db = await createTestDatabase();
      cleanups.push(() => db.drop());
      const a = await useApp(await openStore({ databaseUrl: db.url }));
      const b = await useApp(await openStore({ databaseUrl: db.url }));
      // The LISTEN connections open in the background: a NOTIFY sent before B listens is lost by design.
      await waitFor('both servers to LISTEN', () => listening(db.url), 10_000, 20);
      await wakeUp(b.app, () => submitOne(a.app));
    });
  });
});

/** Whether both servers' LISTEN connections to this database are open. */
async function listening(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and query like 'LISTEN %'`,
    );
    return rows[0].n >= 2;
  } finally {
    await client.end();
  }
}
