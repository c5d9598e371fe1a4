// The grouped SQLite heartbeat (store/heartbeat-sqlite.ts) on its own: it extends the leases of the
// jobs the pilots hold, by heartbeatJobIn's rules, and answers undefined — changing nothing for that
// heartbeat — whenever the general path has to say why a heartbeat is refused. The conformance
// suite runs heartbeats through the store's verbs; this file checks that the group takes the common
// case and what a group does.

import { describe, expect, it } from 'vitest';
import { heartbeatJobsSqlite } from '../../src/store/sqlite/heartbeat.ts';
import type { HeartbeatInput } from '../../src/store/store.ts';
import { claimedJob, LEASE_MS, runningJob, T0 } from './conformance-fixtures.ts';
import { useSqliteStore } from './sqlite-store-fixture.ts';

const fixture = useSqliteStore();
const beatAll = (beats: HeartbeatInput[]) => fixture.write((tx) => heartbeatJobsSqlite(tx, beats));

const beat = (jobId: number, pilotUuid: string, overrides: Partial<HeartbeatInput> = {}): HeartbeatInput => ({
  jobId,
  pilotUuid,
  attempt: 1,
  metrics: { cpuSeconds: 2, rssKb: 500, maxRssKb: 700 },
  leaseMs: LEASE_MS,
  now: T0 + 5000,
  ...overrides,
});

describe('the grouped heartbeat (SQLite)', () => {
  it('extends the lease, stores the metrics and marks the pilot seen', async () => {
    const { job, pilot } = await runningJob(fixture.store);
    const [reply] = await beatAll([beat(job.id, pilot.uuid)]);
    expect(reply).toEqual({ command: null, leaseExpiresAt: T0 + 5000 + LEASE_MS });
    expect(await fixture.store.getJob(job.id)).toMatchObject({
      state: 'running',
      leaseExpiresAt: T0 + 5000 + LEASE_MS,
      cpuSeconds: 2,
      maxRssKb: 700,
      updatedAt: T0 + 5000,
    });
    expect((await fixture.store.getPilot(pilot.id))?.lastSeenAt).toBe(T0 + 5000);
  });

  it('never shortens a lease, keeps the largest RSS, and keeps the metrics when a beat has none', async () => {
    const { job, pilot } = await claimedJob(fixture.store);
    await beatAll([beat(job.id, pilot.uuid, { leaseMs: 10 * LEASE_MS })]);
    const [short] = await beatAll([
      beat(job.id, pilot.uuid, { now: T0 + 6000, metrics: { cpuSeconds: 3, rssKb: 100, maxRssKb: 200 } }),
    ]);
    expect(short?.leaseExpiresAt).toBe(T0 + 5000 + 10 * LEASE_MS);
    await beatAll([beat(job.id, pilot.uuid, { now: T0 + 7000, metrics: null })]);
    expect(await fixture.store.getJob(job.id)).toMatchObject({
      state: 'dispatched',
      cpuSeconds: 3,
      maxRssKb: 700,
      leaseExpiresAt: T0 + 5000 + 10 * LEASE_MS,
    });
  });

  it('passes on a kill asked for the job', async () => {
    const { job, pilot } = await runningJob(fixture.store);
    await fixture.store.killJob(job.id, 'alice', T0 + 100);
    const [reply] = await beatAll([beat(job.id, pilot.uuid)]);
    expect(reply?.command).toBe('kill');
  });

  it('answers undefined, and changes nothing, for another pilot, an old attempt, an unknown or ended job', async () => {
    const { job, pilot } = await runningJob(fixture.store);
    const other = await runningJob(fixture.store);
    const before = await fixture.store.getJob(job.id);
    const answers = await beatAll([
      beat(job.id, other.pilot.uuid),
      beat(other.job.id, pilot.uuid),
      beat(job.id + 1000, 'no-such-pilot'),
    ]);
    expect(answers).toEqual([undefined, undefined, undefined]);
    expect(await beatAll([beat(job.id, pilot.uuid, { attempt: 2 })])).toEqual([undefined]);
    expect(await fixture.store.getJob(job.id)).toEqual(before);
    await fixture.store.finishJob({
      jobId: job.id,
      pilotUuid: pilot.uuid,
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 0 },
      metrics: null,
      now: T0 + 200,
    });
    expect(await beatAll([beat(job.id, pilot.uuid)])).toEqual([undefined]);
    expect((await fixture.store.getJob(job.id))?.leaseExpiresAt).toBeNull();
  });

  it('extends every lease of a group, and still the others when one is refused', async () => {
    const held = [
      await runningJob(fixture.store),
      await runningJob(fixture.store),
      await runningJob(fixture.store),
    ];
    const answers = await beatAll([
      beat(held[0]?.job.id as number, held[0]?.pilot.uuid as string, { now: T0 + 1000 }),
      beat(held[1]?.job.id as number, held[1]?.pilot.uuid as string, { attempt: 9 }),
      beat(held[2]?.job.id as number, held[2]?.pilot.uuid as string, { now: T0 + 3000 }),
    ]);
    expect(answers.map((a) => a?.leaseExpiresAt)).toEqual([
      T0 + 1000 + LEASE_MS,
      undefined,
      T0 + 3000 + LEASE_MS,
    ]);
    expect((await fixture.store.getJob(held[1]?.job.id as number))?.leaseExpiresAt).toBe(T0 + LEASE_MS);
  });

  it('through the store, heartbeats sent at once each extend their own lease, and a refused one says why', async () => {
    const held = [];
    for (let i = 0; i < 6; i++) held.push(await runningJob(fixture.store));
    const replies = await Promise.all(
      held.map(({ job, pilot }, i) =>
        fixture.store.heartbeatJob(beat(job.id, pilot.uuid, { now: T0 + 1000 * (i + 1) })),
      ),
    );
    expect(replies.map((r) => r.leaseExpiresAt)).toEqual(held.map((_, i) => T0 + 1000 * (i + 1) + LEASE_MS));
    const [first] = held as [(typeof held)[number]];
    await expect(
      fixture.store.heartbeatJob(beat(first.job.id, first.pilot.uuid, { attempt: 2 })),
    ).rejects.toMatchObject({
      code: 'lease_lost',
    });
  });
});
