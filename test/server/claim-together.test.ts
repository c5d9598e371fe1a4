// POST /api/v1/pilots/claims: several pilots' claims (a pilot process's slots) in one long-poll.
// Each claim keeps its pilot's rules; the first that gets a job or a command ends the others'
// waits, so all answers come back together; bad batches are refused whole, naming the pilot.

import { afterEach, describe, expect, it } from 'vitest';
import { call, createToken, makeTestApp, registration, type TestApp } from '../helpers/app.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setUp(): Promise<TestApp> {
  // A long re-check: only the store's wake-up can answer a held batch in time.
  t = await makeTestApp({ claimRecheckMs: 60_000, maxClaimWaitSeconds: 60 });
  for (const uuid of ['s1', 's2', 's3'])
    expect((await call(t.app, 'POST', '/api/v1/pilots', registration(uuid))).status).toBe(201);
  return t;
}
const claims = (uuids: string[], wait = 0) => ({ claims: uuids.map((pilot) => ({ pilot, wait, beat: 1 })) });
const submit = async (app: TestApp, n: number): Promise<number[]> =>
  (
    await call(app.app, 'POST', '/api/v1/jobs', {
      jobs: Array.from({ length: n }, () => ({ payload: '/bin/true' })),
    })
  ).json.jobs.map((j: { id: number }) => j.id);

describe('POST /api/v1/pilots/claims', () => {
  it('hands out as many queued jobs as it can, one per pilot, in one answer', async () => {
    const app = await setUp();
    const ids = await submit(app, 2);
    const res = await call(app.app, 'POST', '/api/v1/pilots/claims', claims(['s1', 's2', 's3'], 30));
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const answers: { job: { id: number } | null; command: null }[] = res.json.answers;
    expect(answers).toHaveLength(3);
    // Two jobs went to two pilots; the third pilot's wait ended with them instead of after 30 s.
    expect(
      answers
        .map((a) => a.job?.id ?? null)
        .filter((id) => id !== null)
        .sort(),
    ).toEqual(ids);
    const pilots = (await call(app.app, 'GET', '/api/v1/pilots')).json.pilots;
    const holding = pilots.filter((p: { currentJobId: number | null }) => p.currentJobId !== null);
    expect(holding).toHaveLength(2);
  });

  it('holds the batch until a job is submitted, then answers every pilot', async () => {
    const app = await setUp();
    const held = call(app.app, 'POST', '/api/v1/pilots/claims', claims(['s1', 's2', 's3'], 30));
    await new Promise((r) => setTimeout(r, 200));
    const [id] = await submit(app, 1);
    const res = await held;
    expect(res.status).toBe(200);
    const got = res.json.answers.filter((a: { job: unknown }) => a.job !== null);
    expect(got).toEqual([expect.objectContaining({ job: expect.objectContaining({ id }) })]);
    expect(res.json.answers.filter((a: { job: unknown }) => a.job === null)).toHaveLength(2);
  });

  it('answers with no job when every wait has passed', async () => {
    const app = await setUp();
    const res = await call(app.app, 'POST', '/api/v1/pilots/claims', claims(['s1', 's2'], 0));
    expect(res.json.answers).toEqual([
      { job: null, command: null },
      { job: null, command: null },
    ]);
  });

  it('answers once any claim is answered: a wait that is over, or a hold', async () => {
    const app = await setUp();
    // Held 30 s, the batch would outlast this test: s1's wait of 0 (its cycle's end) answers it.
    const over = await call(app.app, 'POST', '/api/v1/pilots/claims', {
      claims: [
        { pilot: 's1', wait: 0, beat: 1 },
        { pilot: 's2', wait: 30, beat: 1 },
      ],
    });
    expect(over.json.answers).toEqual([
      { job: null, command: null },
      { job: null, command: null },
    ]);
    const held = await call(app.app, 'POST', '/api/v1/pilots/claims', {
      claims: [
        { pilot: 's1', wait: 30, beat: 1, hold: 'disk full' },
        { pilot: 's2', wait: 30, beat: 1 },
      ],
    });
    expect(held.status).toBe(200);
    const s1 = (await call(app.app, 'GET', '/api/v1/pilots/s1')).json.pilot;
    expect(s1.hold).toBe('disk full');
  });

  it('fails whole when one claim fails, and leaves no claim of the others waiting', async () => {
    const app = await setUp();
    await call(app.app, 'POST', '/api/v1/pilots/s1/claim', { wait: 0, beat: 1 });
    expect((await call(app.app, 'POST', '/api/v1/pilots/s1/deregister', {})).status).toBe(200);
    const res = await call(app.app, 'POST', '/api/v1/pilots/claims', claims(['s1', 's2'], 30));
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('pilot_unknown');
    // Nothing of that request still claims for s2: jobs submitted now stay queued.
    const ids = await submit(app, 2);
    await new Promise((r) => setTimeout(r, 300));
    for (const id of ids)
      expect((await call(app.app, 'GET', `/api/v1/jobs/${id}`)).json.job.state).toBe('defined');
    // And s2 may claim again at once (its claim slot was given back).
    const again = await call(app.app, 'POST', '/api/v1/pilots/s2/claim', { wait: 0, beat: 1 });
    expect(again.status).toBe(200);
    expect(again.json.job).not.toBeNull();
  });

  it('passes a stop to its pilot and ends the others’ waits', async () => {
    const app = await setUp();
    expect((await call(app.app, 'POST', '/api/v1/pilots/s2/stop', {})).status).toBe(200);
    const res = await call(app.app, 'POST', '/api/v1/pilots/claims', claims(['s1', 's2'], 30));
    expect(res.json.answers).toEqual([
      { job: null, command: null },
      { job: null, command: 'stop' },
    ]);
  });

  it('refuses a pilot twice, an unknown pilot, another token’s pilot and an empty batch, claiming nothing', async () => {
    const app = await setUp();
    await submit(app, 1);
    const twice = await call(app.app, 'POST', '/api/v1/pilots/claims', claims(['s1', 's1']));
    expect(twice.status).toBe(400);
    expect(twice.json.error.message).toContain('pilot s1 appears twice');
    const unknown = await call(app.app, 'POST', '/api/v1/pilots/claims', claims(['s1', 'nobody']));
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toContain('nobody');
    const other = await createToken(app.store, 'pilot', 'other-pilots');
    expect((await call(app.app, 'POST', '/api/v1/pilots', registration('theirs'), other)).status).toBe(201);
    const foreign = await call(app.app, 'POST', '/api/v1/pilots/claims', claims(['theirs', 's1']), other);
    expect(foreign.status).toBe(403);
    const empty = await call(app.app, 'POST', '/api/v1/pilots/claims', { claims: [] });
    expect(empty.status).toBe(400);
    expect(empty.json.error.message).toContain('claims');
    const pilots = (await call(app.app, 'GET', '/api/v1/pilots')).json.pilots;
    expect(pilots.every((p: { currentJobId: number | null }) => p.currentJobId === null)).toBe(true);
  });
});
