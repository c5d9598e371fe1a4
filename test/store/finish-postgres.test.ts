// The one-statement PostgreSQL finish and finish-with-claim (store/finish-postgres.ts) on their own:
// they end a job its pilot holds, with the same records as the general path, claim the next job as
// a claim would, and match nothing — changing nothing — in every case the general path has to
// handle or explain. The conformance suite runs them through the store's verbs; this file checks
// that they really take the common case.

import { describe, expect, it } from 'vitest';
import {
  type Ending,
  finishAndClaimSoloPostgres,
  finishSoloJobPostgres,
} from '../../src/store/finish-postgres.ts';
import type { FinishInput } from '../../src/store/store.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { claimedJob, LEASE_MS, registerPilot, spec, T0 } from './conformance-fixtures.ts';
import { createWorkflow, makeDag } from './conformance-workflow-fixtures.ts';
import { usePostgresStore } from './postgres-store-fixture.ts';

const FINISHED: Ending = {
  state: 'finished',
  transition: 'finish',
  actor: 'pilot:test',
  set: { exit_code: 0, signal: null, error_name: null, error_code: null, error_diag: null },
};

describe.runIf(postgresAvailable())('the one-statement finish (PostgreSQL)', () => {
  const fixture = usePostgresStore();

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
    const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
    const done = await finishSoloJobPostgres(fixture.kysely, input(job.id, pilot.uuid), FINISHED);
    expect(done?.row).toMatchObject({ id: job.id, state: 'finished', pid: 4242 });
    expect(done?.row).not.toHaveProperty('p3s_from_state');
    expect(done?.pilot).toMatchObject({ id: pilot.id, state: 'idle', current_job_id: null, jobs_run: 1 });
    const detail = await fixture.store.getJobDetail(job.id);
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
    const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
    const other = await registerPilot(fixture.store, {}, T0);
    expect(await finishSoloJobPostgres(fixture.kysely, input(job.id, other.uuid), FINISHED)).toBeUndefined();
    expect(
      await finishSoloJobPostgres(fixture.kysely, input(job.id, pilot.uuid, { attempt: 2 }), FINISHED),
    ).toBeUndefined();
    expect(
      await finishSoloJobPostgres(fixture.kysely, input(job.id, 'no-such-pilot'), FINISHED),
    ).toBeUndefined();
    expect((await fixture.store.getJobDetail(job.id))?.events.at(-1)?.toState).toBe('dispatched');
    expect(await finishSoloJobPostgres(fixture.kysely, input(job.id, pilot.uuid), FINISHED)).toBeDefined();
    // A retried report: the general path recognises it (conformance suite); this one does not.
    expect(await finishSoloJobPostgres(fixture.kysely, input(job.id, pilot.uuid), FINISHED)).toBeUndefined();
    expect((await fixture.store.getJobDetail(job.id))?.attempts).toHaveLength(1);
  });

  it('leaves a stopped pilot stopped and returns it as it is', async () => {
    const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
    await fixture.kysely.updateTable('pilots').set({ state: 'stopped' }).where('id', '=', pilot.id).execute();
    const done = await finishSoloJobPostgres(fixture.kysely, input(job.id, pilot.uuid), FINISHED);
    expect(done?.row.state).toBe('finished');
    expect(done?.pilot).toMatchObject({ id: pilot.id, state: 'stopped', jobs_run: 0 });
  });

  describe('with the next claim', () => {
    const claimNext = (jobId: number, pilotUuid: string) =>
      finishAndClaimSoloPostgres(fixture.kysely, input(jobId, pilotUuid), FINISHED, LEASE_MS);

    it('claims the next job in dispatch order, with its claim event, and marks the pilot running', async () => {
      const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
      const [low, high] = await fixture.store.submitJobs(
        [spec({ priority: 1 }), spec({ priority: 7 })],
        'alice',
        T0,
      );
      const done = await claimNext(job.id, pilot.uuid);
      expect(done?.row).toMatchObject({ id: job.id, state: 'finished' });
      expect(done?.next).toMatchObject({ id: high?.id, state: 'dispatched', pilot_id: pilot.id });
      expect(done?.next?.lease_expires_at).toBe(T0 + 1000 + LEASE_MS);
      expect(done?.pilot).toMatchObject({ state: 'running', current_job_id: high?.id, jobs_run: 1 });
      expect((await fixture.store.getJobDetail(high?.id as number))?.events.at(-1)).toMatchObject({
        fromState: 'defined',
        toState: 'dispatched',
        transition: 'claim',
        actor: `pilot:${pilot.uuid}`,
        detail: `pilot ${pilot.id} on ${pilot.host}`,
      });
      expect((await fixture.store.getJob(low?.id as number))?.state).toBe('defined');
    });

    it('leaves the pilot idle when no job is eligible, and claims nothing for a pilot asked to stop', async () => {
      const first = await claimedJob(fixture.store, {
        now: T0,
        pilot: { jobTypes: ['only-this'] },
        spec: { jobtype: 'only-this' },
      });
      const idle = await claimNext(first.job.id, first.pilot.uuid);
      expect(idle?.next).toBeUndefined();
      expect(idle?.pilot).toMatchObject({ state: 'idle', current_job_id: null, jobs_run: 1 });

      const second = await claimedJob(fixture.store, { now: T0 });
      await fixture.store.submitJobs([spec()], 'alice', T0);
      await fixture.store.requestPilotStop(second.pilot.id);
      const stopping = await claimNext(second.job.id, second.pilot.uuid);
      expect(stopping?.row.state).toBe('finished');
      expect(stopping?.next).toBeUndefined();
    });

    it('marks the workflow of the job it claims running', async () => {
      const { job, pilot } = await claimedJob(fixture.store, { now: T0, pilot: { jobTypes: ['default'] } });
      await fixture.store.submitJobs([spec({ priority: -1 })], 'alice', T0); // behind the workflow's first job
      const { workflow, jobs } = await createWorkflow(fixture.store, makeDag('a>b'), { name: 'solo-next' });
      const done = await claimNext(job.id, pilot.uuid);
      expect(done?.next?.id).toBe(jobs[0]?.id);
      expect((await fixture.store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('running');
    });

    it('matches nothing, and claims nothing, when the finish does not match', async () => {
      const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
      const [waiting] = await fixture.store.submitJobs([spec({ priority: 100 })], 'alice', T0);
      expect(
        await finishAndClaimSoloPostgres(
          fixture.kysely,
          input(job.id, pilot.uuid, { attempt: 3 }),
          FINISHED,
          LEASE_MS,
        ),
      ).toBeUndefined();
      expect((await fixture.store.getJob(waiting?.id as number))?.state).toBe('defined');
      expect((await fixture.store.getPilot(pilot.id))?.state).toBe('running');
    });
  });
});
