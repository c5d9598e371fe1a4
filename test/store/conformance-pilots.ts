// Conformance: pilot registration, look-ups, listing, liveness, stop requests and deregistration.

import { describe, expect, it } from 'vitest';
import { AppError, NotFoundError } from '../../src/core/index.ts';
import {
  type ConformanceContext,
  registerPilot,
  registration,
  runningJob,
  T0,
  withoutRetryRules,
} from './conformance-fixtures.ts';

export function describePilots(ctx: ConformanceContext): void {
  describe('pilots', () => {
    it('registers a pilot as idle and finds it by id, uuid or id text', async () => {
      const store = await ctx.fresh();
      const reg = registration({
        site: 'cern',
        jobTypes: ['reco', 'sim'],
        batchId: 'condor.12',
        lifetime: 3600,
      });
      const pilot = await store.registerPilot(reg, T0, { tokenId: 7, name: 'site-cern' });
      expect(pilot).toEqual({
        ...reg,
        id: expect.any(Number),
        state: 'idle',
        currentJobId: null,
        jobsRun: 0,
        stopRequested: false,
        registeredAt: T0,
        lastSeenAt: T0,
        endedAt: null,
        tokenId: 7,
        owner: 'site-cern',
        hold: null,
        // Sent nothing of what it offers (a pilot from before 0013): no constraint.
        memory: null,
        cores: null,
        disk: null,
        lifetimeEndsAt: null,
      });
      expect(await store.getPilot(pilot.id)).toEqual(pilot);
      expect(await store.getPilot(pilot.uuid)).toEqual(pilot);
      expect(await store.getPilot(String(pilot.id))).toEqual(pilot);
      expect(await store.getPilot(999_999)).toBeUndefined();
      expect(await store.getPilot('no-such-uuid')).toBeUndefined();
    });

    it('records why a pilot holds back, as a sign of life, and clears it', async () => {
      const store = await ctx.fresh();
      const pilot = await store.registerPilot(registration(), T0);
      const reason = "the pilot's work dir /w is full: 0 B free, 16 MiB needed to take jobs";
      expect(await store.holdPilot(pilot.uuid, reason, T0 + 1000)).toMatchObject({
        hold: reason,
        lastSeenAt: T0 + 1000,
        state: 'idle',
      });
      // A pilot marked lost meanwhile is idle again: it talks.
      await store.expireLeases(T0 + 10_000, T0 + 5000);
      expect((await store.getPilot(pilot.id))?.state).toBe('lost');
      expect(await store.holdPilot(pilot.uuid, null, T0 + 11_000)).toMatchObject({
        hold: null,
        state: 'idle',
      });
      await expect(store.holdPilot('no-such-pilot', reason, T0)).rejects.toMatchObject({
        code: 'pilot_unknown',
      });
    });

    it('keeps the registering token when the pilot registers again', async () => {
      const store = await ctx.fresh();
      const reg = registration({});
      await store.registerPilot(reg, T0, { tokenId: 3, name: 'first' });
      const again = await store.registerPilot({ ...reg, pid: 99 }, T0 + 1000, { tokenId: 4, name: 'second' });
      expect(again).toMatchObject({ pid: 99, tokenId: 3, owner: 'first' });
    });

    it('treats a repeated registration as the same pilot', async () => {
      const store = await ctx.fresh();
      const reg = registration();
      const first = await store.registerPilot(reg, T0);
      const again = await store.registerPilot({ ...reg, pid: 5 }, T0 + 10);
      expect(again).toMatchObject({ id: first.id, pid: 5, lastSeenAt: T0 + 10, registeredAt: T0 });
      expect((await store.summary()).pilots.total).toBe(1);
    });

    it('lists pilots by state, site and host with a total', async () => {
      const store = await ctx.fresh();
      const a = await registerPilot(store, { site: 'cern', host: 'x' });
      const b = await registerPilot(store, { site: 'cern', host: 'y' });
      const c = await registerPilot(store, { site: 'fnal', host: 'x' });
      await store.deregisterPilot(b.uuid, T0);
      const ids = async (filter: object, limit = 10, offset = 0) => {
        const { pilots, total } = await store.listPilots(filter, limit, offset);
        return [pilots.map((p) => p.id), total];
      };
      expect(await ids({})).toEqual([[a.id, b.id, c.id], 3]);
      expect(await ids({ site: 'cern' })).toEqual([[a.id, b.id], 2]);
      expect(await ids({ host: 'x' })).toEqual([[a.id, c.id], 2]);
      expect(await ids({ states: ['idle'] })).toEqual([[a.id, c.id], 2]);
      expect(await ids({}, 1, 1)).toEqual([[b.id], 3]);
    });

    it('touches live pilots and refuses unknown or stopped ones', async () => {
      const store = await ctx.fresh();
      const pilot = await registerPilot(store);
      expect(await store.touchPilot(pilot.uuid, T0 + 9)).toMatchObject({ state: 'idle', lastSeenAt: T0 + 9 });
      await expect(store.touchPilot('no-such-uuid', T0)).rejects.toMatchObject({ code: 'pilot_unknown' });
      await store.deregisterPilot(pilot.uuid, T0 + 10);
      const error = await store.touchPilot(pilot.uuid, T0 + 11).catch((e) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error.code).toBe('pilot_unknown');
    });

    it('records a stop request', async () => {
      const store = await ctx.fresh();
      const pilot = await registerPilot(store);
      expect((await store.requestPilotStop(pilot.id)).stopRequested).toBe(true);
      expect((await store.getPilot(pilot.uuid))?.stopRequested).toBe(true);
      await expect(store.requestPilotStop('no-such-uuid')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('deregisters a pilot, failing the job it still held (no retry rules)', async () => {
      const store = await withoutRetryRules(ctx.fresh());
      const { job, pilot } = await runningJob(store);
      const stopped = await store.deregisterPilot(pilot.uuid, T0 + 50);
      expect(stopped).toMatchObject({ state: 'stopped', endedAt: T0 + 50, currentJobId: null });
      expect(await store.getJob(job.id)).toMatchObject({
        state: 'failed',
        errorName: 'pilot_shutdown',
        errorCode: 1401,
        leaseExpiresAt: null,
        endedAt: T0 + 50,
      });
      expect((await store.getJobDetail(job.id))?.attempts).toHaveLength(1);
      expect(await store.deregisterPilot(pilot.uuid, T0 + 60)).toEqual(stopped);
      await expect(store.deregisterPilot('no-such-uuid', T0)).rejects.toMatchObject({
        code: 'pilot_unknown',
      });
    });
  });
}
