// A long-poll's first claim on PostgreSQL as one statement (store/claim-postgres.ts) on its own: it
// claims and marks the pilot running, or only touches it, and matches nothing — changing nothing —
// for every pilot the general transaction must handle or refuse. The conformance suite runs it
// through touchAndClaimJob; this file checks that it really takes the common case.

import { describe, expect, it } from 'vitest';
import { touchAndClaimPostgres } from '../../src/store/postgres/claim.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { LEASE_MS, registerPilot, spec, T0 } from './conformance-fixtures.ts';
import { usePostgresStore } from './postgres-store-fixture.ts';

describe.runIf(postgresAvailable())('the one-statement touch and claim (PostgreSQL)', () => {
  const fixture = usePostgresStore();

  it('claims the best job for the pilot, with its claim event, and marks the pilot running', async () => {
    await fixture.store.submitJobs(
      [spec({ name: 'typed', jobtype: 'reco' }), spec({ name: 'mine' })],
      'alice',
      T0,
    );
    const pilot = await registerPilot(fixture.store, { jobTypes: ['default'] }, T0);
    const claimed = await touchAndClaimPostgres(fixture.kysely, pilot.uuid, LEASE_MS, T0 + 10);
    expect(claimed?.row).toMatchObject({ name: 'mine', state: 'dispatched', pilot_id: pilot.id });
    expect(claimed?.row?.lease_expires_at).toBe(T0 + 10 + LEASE_MS);
    expect(claimed?.pilot).toMatchObject({ state: 'running', current_job_id: claimed?.row?.id });
    const events = (await fixture.store.getJobDetail(claimed?.row?.id as number))?.events ?? [];
    expect(events.at(-1)).toMatchObject({ transition: 'claim', actor: `pilot:${pilot.uuid}` });
  });

  it('only touches when nothing is eligible, and a lost pilot that talks again is idle', async () => {
    const pilot = await registerPilot(fixture.store, {}, T0);
    await fixture.kysely.updateTable('pilots').set({ state: 'lost' }).where('id', '=', pilot.id).execute();
    const touched = await touchAndClaimPostgres(fixture.kysely, pilot.uuid, LEASE_MS, T0 + 20);
    expect(touched?.row).toBeUndefined();
    expect(touched?.pilot).toMatchObject({ state: 'idle', current_job_id: null, last_seen_at: T0 + 20 });
  });

  it('matches nothing, and changes nothing, for a pilot unknown, stopped, asked to stop or holding a job', async () => {
    await fixture.store.submitJobs([spec()], 'alice', T0);
    expect(await touchAndClaimPostgres(fixture.kysely, 'no-such-pilot', LEASE_MS, T0)).toBeUndefined();
    for (const set of [{ state: 'stopped' as const }, { stop_requested: 1 }, { current_job_id: 1 }]) {
      const pilot = await registerPilot(fixture.store, {}, T0);
      await fixture.kysely.updateTable('pilots').set(set).where('id', '=', pilot.id).execute();
      expect(await touchAndClaimPostgres(fixture.kysely, pilot.uuid, LEASE_MS, T0 + 30)).toBeUndefined();
      expect((await fixture.store.getPilot(pilot.id))?.lastSeenAt).toBe(T0);
    }
    expect((await fixture.store.getJob(1))?.state).toBe('defined');
  });
});
