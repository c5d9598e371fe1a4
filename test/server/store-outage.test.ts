// The database away while pilots hold jobs, as an operator meets it: PostgreSQL stopped for longer
// than the lease (a private cluster), SQLite's disk full (a small tmpfs). Writes fail whole with
// store_unavailable, health says what is wrong, and when the database is back the real lease
// reaper gives every active lease the outage back instead of failing the jobs as lost.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAppError, type JobSpec } from '../../src/core/index.ts';
import { buildApp } from '../../src/server/app.ts';
import { reapExpiredLeases } from '../../src/server/loops/lease-reaper.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { TEST_APP_CONFIG } from '../helpers/app.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { privatePostgresAvailable, usePrivatePostgresStore } from '../helpers/private-postgres.ts';
import { waitFor } from '../helpers/processes.ts';
import { mountTmpfs, type Tmpfs, tmpfsAvailable } from '../helpers/tmpfs.ts';

const LEASE_MS = 2000;
const logger = pino({ level: 'silent' });
const spec = (env: Record<string, string> = {}): JobSpec => ({
  name: 'outage',
  jobtype: 'default',
  payload: '/bin/true',
  env,
  priority: 0,
  timelimit: 100,
  state: 'defined',
  site: null,
});

/** A registered pilot holding a job whose lease ends LEASE_MS from now. */
async function heldJob(store: Store, leaseMs = LEASE_MS): Promise<{ jobId: number; pilot: string }> {
  const pilot = randomUUID();
  await store.registerPilot(
    { uuid: pilot, host: 'h', site: null, pid: 1, batchId: null, jobTypes: [], version: 't', lifetime: 0 },
    Date.now(),
  );
  const [job] = await store.submitJobs([spec()], 'alice', Date.now());
  const { claimed } = await store.touchAndClaimJob(pilot, leaseMs, Date.now());
  if (!claimed || claimed.job.id !== job?.id) throw new Error('the job was not claimed');
  return { jobId: claimed.job.id, pilot };
}

const reap = (store: Store) =>
  reapExpiredLeases({ store, logger, now: Date.now, pilotTimeoutMs: 300_000, leaseMs: LEASE_MS });

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (isAppError(error) ? error.code : String(error)),
  );

describe.runIf(postgresAvailable() && privatePostgresAvailable())(
  'PostgreSQL down longer than the lease',
  () => {
    const db = usePrivatePostgresStore();

    it('gives the outage back to active leases: a pilot that reports after it keeps its job', async () => {
      const { jobId, pilot } = await heldJob(db.store);
      db.store.availability.graced({ since: 0, at: Date.now() });
      db.cluster.stop('fast');
      // The reaper runs on while the database is away: it fails, and fails no job.
      expect(await code(reap(db.store))).toBe('store_unavailable');
      await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_MS));
      expect(await code(reap(db.store))).toBe('store_unavailable');
      db.cluster.start();
      // The first reaper pass once the database answers: the lease expired long ago by the wall clock.
      await waitFor(
        'a reaper pass on the database again',
        () =>
          reap(db.store).then(
            () => true,
            () => false,
          ),
        30_000,
        100,
      );
      expect(await db.store.getJob(jobId)).toMatchObject({ state: 'dispatched' });
      expect((await db.store.getJob(jobId))?.leaseExpiresAt).toBeGreaterThan(Date.now());
      // The pilot reports within its lease and keeps the job; the grace was given once.
      expect(db.store.availability.pendingGrace()).toBeNull();
      const beat = { jobId, pilotUuid: pilot, attempt: 1, metrics: null, leaseMs: LEASE_MS, now: Date.now() };
      await db.store.heartbeatJob(beat);
      // A pilot that stays silent past the renewed lease is still lost: the reaper works as before.
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 200));
      expect(await reap(db.store)).toBe(1);
      // Lost, and tried again under the shipped retry rule.
      expect((await db.store.getJobDetail(jobId))?.attempts).toMatchObject([
        { attempt: 1, errorName: 'lost' },
      ]);
      expect(await db.store.getJob(jobId)).toMatchObject({ state: 'defined', attempt: 2 });
    }, 120_000);

    it('answers health with 503 store_unavailable saying the database is unreachable', async () => {
      const app = await buildApp({ store: db.store, config: TEST_APP_CONFIG });
      try {
        db.cluster.stop('immediate');
        const down = await app.inject({ method: 'GET', url: '/api/v1/health' });
        expect(down.statusCode).toBe(503);
        expect(down.json().error).toMatchObject({
          code: 'store_unavailable',
          details: [{ path: '/store/database_unreachable' }],
        });
        expect(down.json().error.message).toMatch(/^database unreachable: /);
        // A route that needs the database answers 503 as well, never a 500.
        expect((await app.inject({ method: 'GET', url: '/api/v1/summary' })).statusCode).toBe(503);
        db.cluster.start();
        const health = async () => (await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode;
        await waitFor('health ok again', async () => (await health()) === 200, 30_000, 100);
      } finally {
        await app.close();
      }
    }, 120_000);
  },
);

describe.runIf(tmpfsAvailable())('SQLite on a full disk', () => {
  let disk: Tmpfs;
  let store: Store;
  beforeAll(async () => {
    disk = mountTmpfs(24 * 1024 * 1024);
    store = await openStore({ sqlitePath: join(disk.dir, 'p3s.db') });
    await store.migrate();
  });
  afterEach(() => disk.free());
  afterAll(async () => {
    await store?.close();
    disk?.destroy();
  });

  it('refuses writes whole with store_unavailable, says disk full, and works again once space returns', async () => {
    const { jobId, pilot } = await heldJob(store);
    const before = (await store.summary()).jobs.total;
    store.availability.graced({ since: 0, at: Date.now() });
    disk.fill();
    // A submission larger than any room SQLite kept: refused whole, nothing half-stored.
    const big = Array.from({ length: 2000 }, (_, i) => spec({ PAD: `${i}`.padEnd(2000, 'x') }));
    expect(await code(store.submitJobs(big, 'alice', Date.now()))).toBe('store_unavailable');
    expect((await store.summary()).jobs.total).toBe(before);
    expect(store.availability.pendingGrace()).not.toBeNull();
    expect(await store.checkHealth()).toMatchObject([{ problem: 'disk_full' }]);
    expect((await store.checkHealth())[0]?.message).toContain(disk.dir);
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 500));
    disk.free();
    expect(await store.checkHealth()).toEqual([]);
    expect(await reap(store)).toBe(0);
    expect(await store.getJob(jobId)).toMatchObject({ state: 'dispatched' });
    await store.heartbeatJob({
      jobId,
      pilotUuid: pilot,
      attempt: 1,
      metrics: null,
      leaseMs: LEASE_MS,
      now: Date.now(),
    });
    const again = await store.submitJobs(big.slice(0, 100), 'alice', Date.now());
    expect(again).toHaveLength(100);
  });

  it('answers health with 503 store_unavailable saying the disk is full, and 200 once freed', async () => {
    const app = await buildApp({ store, config: TEST_APP_CONFIG });
    try {
      expect((await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
      disk.fill();
      const full = await app.inject({ method: 'GET', url: '/api/v1/health' });
      expect(full.statusCode).toBe(503);
      expect(full.json().error).toMatchObject({
        code: 'store_unavailable',
        details: [{ path: '/store/disk_full' }],
      });
      expect(full.json().error.message).toMatch(
        /^disk full: the disk holding the database .*p3s\.db is full/,
      );
      disk.free();
      expect((await app.inject({ method: 'GET', url: '/api/v1/health' })).json()).toMatchObject({
        status: 'ok',
      });
    } finally {
      await app.close();
    }
  });
});

// A transient failure is no outage: one SQLITE_BUSY (another connection holding the write lock past
// busy_timeout) fails that write with store_unavailable, but starts no outage and extends no lease.
describe('SQLite busy for a moment', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'p3s-busy-'));
    store = await openStore({ sqlitePath: join(dir, 'p3s.db') });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails the write, and leaves every lease as it was', async () => {
    // A lease longer than the busy wait: no lease runs out by the wall clock meanwhile.
    const { jobId } = await heldJob(store, 60_000);
    store.availability.graced({ since: 0, at: Date.now() });
    const lease = (await store.getJob(jobId))?.leaseExpiresAt;
    const other = new Database(join(dir, 'p3s.db'));
    try {
      other.exec('BEGIN EXCLUSIVE');
      expect(await code(store.submitJobs([spec()], 'alice', Date.now()))).toBe('store_unavailable');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(store.availability.current()).toBeNull();
    expect(store.availability.pendingGrace()).toBeNull();
    expect(await reap(store)).toBe(0);
    expect((await store.getJob(jobId))?.leaseExpiresAt).toBe(lease);
  }, 30_000);
});
