// Idempotency-Key on submissions through the API: a re-sent POST /jobs or /workflows with the
// same key and body answers 201 with the first answer (Idempotent-Replayed: true) and creates
// nothing; another body with the key is a 422; a malformed key a 400; another principal's key is
// its own. (The store's conformance suite runs the same rule on SQLite and PostgreSQL.)

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeDagGraphml } from '../../src/workflow/index.ts';
import { createToken, makeTestApp, type TestApp } from '../helpers/app.ts';
import { makeDag } from '../store/conformance-workflow-fixtures.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

async function post(url: string, body: unknown, key?: string, token = t.adminToken) {
  const response = await t.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${token}`, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload: body as object,
  });
  return {
    status: response.statusCode,
    json: response.json(),
    replayed: response.headers['idempotent-replayed'],
  };
}
const jobCount = async () => (await t.store.summary()).jobs.total;

describe('Idempotency-Key', () => {
  const body = {
    jobs: [
      { name: 'once', payload: '/bin/true' },
      { name: 'twice?', payload: '/bin/true' },
    ],
  };

  it('answers a re-sent job submission with the first jobs and creates nothing', async () => {
    const first = await post('/api/v1/jobs', body, 'submit-1');
    expect(first.status).toBe(201);
    expect(first.replayed).toBeUndefined();
    const again = await post('/api/v1/jobs', body, 'submit-1');
    expect(again.status).toBe(201);
    expect(again.replayed).toBe('true');
    expect(again.json.jobs.map((j: { id: number }) => j.id)).toEqual(
      first.json.jobs.map((j: { id: number }) => j.id),
    );
    expect(await jobCount()).toBe(2);
    // Without a key, the same body is a new submission.
    expect((await post('/api/v1/jobs', body)).status).toBe(201);
    expect(await jobCount()).toBe(4);
  });

  it('refuses the key with another body (422) and a malformed key (400), storing nothing', async () => {
    await post('/api/v1/jobs', body, 'submit-1');
    const other = await post('/api/v1/jobs', { jobs: [{ payload: '/bin/false' }] }, 'submit-1');
    expect(other.status).toBe(422);
    expect(other.json.error).toMatchObject({ code: 'idempotency_key_reused' });
    expect(other.json.error.message).toMatch(
      /Idempotency-Key "submit-1" was already used for another request/,
    );
    const bad = await post('/api/v1/jobs', body, 'has space');
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0].path).toBe('/headers/idempotency-key');
    expect(await jobCount()).toBe(2);
  });

  it("keeps each principal's keys apart", async () => {
    const bob = await createToken(t.store, 'user', 'bob');
    await post('/api/v1/jobs', body, 'shared');
    const bobs = await post('/api/v1/jobs', body, 'shared', bob);
    expect(bobs.status).toBe(201);
    expect(bobs.replayed).toBeUndefined();
    expect(await jobCount()).toBe(4);
  });

  it('answers a re-sent workflow creation with the first workflow', async () => {
    const dag = makeDag('a>b');
    const added = await post('/api/v1/dags', { name: 'two', graphml: writeDagGraphml(dag) });
    expect(added.status).toBe(201);
    const create = { dag: 'two', state: 'defined' };
    const first = await post('/api/v1/workflows', create, 'wf-1');
    const again = await post('/api/v1/workflows', create, 'wf-1');
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 201, replayed: 'true' });
    expect(again.json.workflow.id).toBe(first.json.workflow.id);
    expect((await t.store.workflows.listWorkflows({}, 10, 0)).total).toBe(1);
    // The same key for a job submission is another request.
    expect((await post('/api/v1/jobs', body, 'wf-1')).status).toBe(422);
  });
});
