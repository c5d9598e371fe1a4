// PostgreSQL faults as an operator causes them, at the store: its backends terminated under load
// (pooled connections checked out mid-transaction, the pipelined finish connection, the LISTEN
// connection), and on a private cluster, the server stopped and started again. The process must
// survive every one (an unhandled 'error' event fails this file), each failure must be
// store_unavailable, the store must work again by itself, and the outage must be measured.

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.ts';
import { privatePostgresAvailable, usePrivatePostgresStore } from '../helpers/private-postgres.ts';
import { waitFor } from '../helpers/processes.ts';
import { spec } from './conformance-fixtures.ts';

const LEASE_MS = 60_000;
const job = spec();

/** One pilot's life on the store: claim, start, heartbeat, finish with fetch-next; true when a job went through. */
async function cycle(store: Store, uuid: string): Promise<boolean> {
  await store.submitJobs([job], 'alice', Date.now());
  const { claimed } = await store.touchAndClaimJob(uuid, LEASE_MS, Date.now());
  if (!claimed) return false;
  const ref = { jobId: claimed.job.id, pilotUuid: uuid, attempt: claimed.job.attempt, metrics: null };
  await store.startJob({ ...ref, pid: 1, leaseMs: LEASE_MS, now: Date.now() });
  await store.heartbeatJob({ ...ref, leaseMs: LEASE_MS, now: Date.now() });
  await store.finishAndClaimJob(
    { ...ref, outcome: { kind: 'exited', exitCode: 0 }, now: Date.now() },
    LEASE_MS,
  );
  await store.summary();
  return true;
}

/** Runs `cycle` in a loop per pilot until stopped, collecting the codes of what failed. */
function load(store: Store, pilots: string[]) {
  let running = true;
  let done = 0;
  const failures = new Map<string, number>();
  const loops = pilots.map(async (first) => {
    let uuid = first;
    while (running) {
      try {
        if (await cycle(store, uuid)) done++;
      } catch (error) {
        const key = isAppError(error) ? error.code : `${(error as Error).name}: ${(error as Error).message}`;
        failures.set(key, (failures.get(key) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
        // A failed report may leave the pilot holding its job: that pilot is done, a new one goes on.
        await store.deregisterPilot(uuid, Date.now()).catch(() => undefined);
        uuid = randomUUID();
        while (
          running &&
          !(await store.registerPilot(registration(uuid), Date.now()).then(
            () => true,
            () => false,
          ))
        )
          await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  });
  return {
    done: () => done,
    failures,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

function registration(uuid: string) {
  return { uuid, host: 'h', site: null, pid: 1, batchId: null, jobTypes: [], version: 't', lifetime: 0 };
}

async function freshPilots(store: Store, n: number): Promise<string[]> {
  const uuids = Array.from({ length: n }, () => randomUUID());
  for (const uuid of uuids) await store.registerPilot(registration(uuid), Date.now());
  return uuids;
}

describe.runIf(postgresAvailable())('PostgreSQL backends terminated under load', () => {
  let database: TestDatabase;
  let store: Store;
  let other: Store;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = await openStore({ databaseUrl: database.url });
    await store.migrate();
    other = await openStore({ databaseUrl: database.url });
  });
  afterAll(async () => {
    await store?.close();
    await other?.close();
    await database?.drop();
  });

  /** Ends every session on the test database but the terminator's own. */
  const terminate = async (where = 'true') => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rowCount } = await client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND ${where}`,
      );
      return rowCount ?? 0;
    } finally {
      await client.end();
    }
  };

  it('survives five terminations mid-transaction, answers store_unavailable, then works again', async () => {
    const pilots = await freshPilots(store, 6);
    const work = load(store, pilots);
    let ended = 0;
    for (let i = 0; i < 5; i++) {
      await waitFor('some work between faults', () => work.done() > (i + 1) * 5, 30_000, 20);
      ended += await terminate();
    }
    await waitFor('work after the last fault', () => work.done() > 40, 30_000, 20);
    const before = work.done();
    await waitFor('work goes on', () => work.done() > before + 5, 30_000, 20);
    await work.stop();
    expect(ended).toBeGreaterThanOrEqual(5);
    // Every failure was the database going away, never an error of another kind (or a crash).
    expect([...work.failures.keys()].filter((code) => code !== 'store_unavailable')).toEqual([]);
    expect(work.failures.get('store_unavailable') ?? 0).toBeGreaterThan(0);
    // The store saw the outage and the recovery: the reaper has a grace to give.
    expect(store.availability.current()).toBeNull();
    expect(store.availability.pendingGrace()).not.toBeNull();
    expect(await store.checkHealth()).toEqual([]);
  });

  it('listens again after its LISTEN connection is terminated and wakes waiting claims', async () => {
    let wakes = 0;
    const unsubscribe = store.onSignal('jobs-available', () => wakes++);
    try {
      await other.submitJobs([job], 'bob', Date.now());
      await waitFor('a wake-up from the other server', () => wakes >= 1, 10_000, 20);
      const listening = await terminate(`query LIKE 'LISTEN %'`);
      expect(listening).toBeGreaterThanOrEqual(1);
      // Signals sent while it was down are lost: the reconnect itself wakes the waiting claims.
      const before = wakes;
      await waitFor('the wake-up after listening again', () => wakes > before, 10_000, 20);
      const after = wakes;
      await other.submitJobs([job], 'bob', Date.now());
      await waitFor('a wake-up from the other server again', () => wakes > after, 10_000, 20);
    } finally {
      unsubscribe();
    }
  });
});

describe.runIf(postgresAvailable() && privatePostgresAvailable())('PostgreSQL stopped and started', () => {
  const db = usePrivatePostgresStore();

  it.each(['fast', 'immediate'] as const)(
    'stopped -m %s: store_unavailable and unhealthy while down, working by itself once it is back',
    async (mode) => {
      const [uuid] = await freshPilots(db.store, 1);
      expect(await cycle(db.store, uuid as string)).toBe(true);
      db.store.availability.graced({ since: 0, at: Date.now() });
      db.cluster.stop(mode);
      const down = Date.now();
      const failure = await db.store.submitJobs([job], 'alice', Date.now()).catch((error: unknown) => error);
      expect(isAppError(failure) && failure.code).toBe('store_unavailable');
      expect(db.store.availability.current()).toMatchObject({ problem: 'database_unreachable' });
      const problems = await db.store.checkHealth();
      expect(problems).toMatchObject([{ problem: 'database_unreachable' }]);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      db.cluster.start();
      await waitFor(
        'the store working again',
        () => cycle(db.store, uuid as string).catch(() => false),
        30_000,
        100,
      );
      const up = Date.now();
      expect(db.store.availability.current()).toBeNull();
      expect(await db.store.checkHealth()).toEqual([]);
      const pending = db.store.availability.pendingGrace();
      expect(pending?.since).toBeGreaterThanOrEqual(down);
      expect(pending?.since).toBeLessThanOrEqual(down + 1000);
      expect((pending?.at ?? 0) - (pending?.since ?? 0)).toBeGreaterThanOrEqual(1500);
      expect(pending?.at).toBeGreaterThanOrEqual(up);
    },
    120_000,
  );

  it('keeps the pipelined connection and the prepared statements working across a restart', async () => {
    const [uuid] = await freshPilots(db.store, 1);
    db.cluster.stop('fast');
    db.cluster.start();
    // The first uses of the old connections fail; later ones prepare their statements anew.
    await waitFor(
      'a whole cycle again',
      () => cycle(db.store, uuid as string).catch(() => false),
      30_000,
      100,
    );
    for (let i = 0; i < 3; i++) expect(await cycle(db.store, uuid as string)).toBe(true);
  }, 120_000);
});
