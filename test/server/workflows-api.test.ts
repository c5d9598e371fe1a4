// The workflow API through inject(): DAGs from the P3S fixtures, datatypes, datasets and workflows,
// and the 4xx answers that name the line or field at fault.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApp, registration, type TestApp } from '../helpers/app.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'p3s');
const fixture = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');
const TXT = JSON.parse(fixture('data/txtDataType.json'));

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

async function addDag(name: string, path: string, extra: Record<string, unknown> = {}) {
  return call(t.app, 'POST', '/api/v1/dags', { name, graphml: fixture(path), ...extra });
}

describe('DAG and datatype routes', () => {
  it('adds P3S datatype JSON, updates it on a second add, lists and deletes it', async () => {
    expect(await call(t.app, 'POST', '/api/v1/datatypes', TXT)).toMatchObject({
      status: 201,
      json: { created: true },
    });
    const again = await call(t.app, 'POST', '/api/v1/datatypes', { ...TXT, comment: 'changed' });
    expect(again).toMatchObject({ status: 200, json: { created: false, datatype: { comment: 'changed' } } });
    expect((await call(t.app, 'GET', '/api/v1/datatypes')).json.datatypes).toHaveLength(1);
    const bad = await call(t.app, 'POST', '/api/v1/datatypes', { name: 'X', ext: 'txt' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0].path).toBe('/ext');
    expect((await call(t.app, 'DELETE', '/api/v1/datatypes/TXT')).status).toBe(200);
    expect((await call(t.app, 'DELETE', '/api/v1/datatypes/TXT')).status).toBe(404);
  });

  it('stores 3filters and shows its vertices, edges and rendering; exports the GraphML', async () => {
    await call(t.app, 'POST', '/api/v1/datatypes', TXT);
    const added = await addDag('3filters', '3filters/3filters.graphml', { description: 'fan out, fan in' });
    expect(added).toMatchObject({ status: 201, json: { dag: { name: '3filters', vertices: 5, edges: 6 } } });
    const shown = await call(t.app, 'GET', '/api/v1/dags/3filters');
    expect(shown.json.sources).toEqual(['NOOP1']);
    expect(shown.json.sinks).toEqual(['NOOP2']);
    expect(shown.json.rendering).toContain('filter1  filter  grep -c TEST1 $INPTXT > $OUTTXT1');
    expect(shown.json.edges[3]).toMatchObject({ source: 'filter1', target: 'NOOP2', datatag: 'OUTTXT1' });
    const exported = await call(t.app, 'GET', '/api/v1/dags/3filters/graphml');
    expect(exported.json.graphml).toBe(fixture('3filters/3filters.graphml'));
    const normalized = await call(t.app, 'GET', '/api/v1/dags/3filters/graphml?normalized=true');
    expect(normalized.json.graphml).toContain(
      '<key id="payload" for="node" attr.name="payload" attr.type="string"/>',
    );
    expect((await call(t.app, 'GET', '/api/v1/dags')).json.dags).toMatchObject([
      { name: '3filters', workflows: 0 },
    ]);
  });

  it('refuses 1filter_fail.graphml naming the line of the unknown datatype, and stores nothing', async () => {
    await call(t.app, 'POST', '/api/v1/datatypes', TXT);
    const refused = await addDag('1filter_fail', '1filter/1filter_fail.graphml');
    expect(refused.status).toBe(400);
    expect(refused.json.error.details).toEqual([
      {
        path: 'line 53: <edge source="NOOP1" target="filter"> datatype',
        message: expect.stringContaining('"NOSUCH" is not a registered datatype'),
      },
    ]);
    expect((await call(t.app, 'GET', '/api/v1/dags')).json.dags).toEqual([]);
  });

  it('answers 400 with the line for broken GraphML and 409 for a name taken without replace', async () => {
    const broken = await call(t.app, 'POST', '/api/v1/dags', {
      name: 'x',
      graphml: '<graphml>\n<graph>\n</node>',
    });
    expect(broken.status).toBe(400);
    expect(broken.json.error.details[0].path).toBe('line 3, column 1');
    await addDag('wf1', 'misc/wf1.graphml');
    const again = await addDag('wf1', 'misc/wf2.graphml');
    expect(again).toMatchObject({ status: 409, json: { error: { code: 'already_exists' } } });
    expect(await addDag('wf1', 'misc/wf2.graphml', { replace: true })).toMatchObject({ status: 201 });
    expect((await call(t.app, 'GET', '/api/v1/dags/wf1/graphml')).json.graphml).toBe(
      fixture('misc/wf2.graphml'),
    );
    const badName = await call(t.app, 'POST', '/api/v1/dags', {
      name: '../etc',
      graphml: fixture('misc/wf1.graphml'),
    });
    expect(badName.status).toBe(400);
  });
});

describe('workflow routes', () => {
  beforeEach(async () => {
    await call(t.app, 'POST', '/api/v1/datatypes', TXT);
    await addDag('3filters', '3filters/3filters.graphml');
  });

  it('creates 3filters with fileinfo_3filters_mod.json: P3S worked example, env joined with /', async () => {
    const created = await call(t.app, 'POST', '/api/v1/workflows', {
      dag: '3filters',
      state: 'defined',
      fileinfo: fixture('3filters/fileinfo_3filters_mod.json'),
    });
    expect(created.status).toBe(201);
    const { workflow, jobs, files } = created.json;
    expect(workflow).toMatchObject({ name: '3filters', dag: '3filters', state: 'defined' });
    const dir = '/eos/experiment/neutplatform/protodune/np04tier0/p3s/test';
    const filter1 = jobs.find((j: { name: string }) => j.name === 'filter1');
    expect(filter1).toMatchObject({
      state: 'defined',
      priority: 4,
      timelimit: 7777,
      env: { P3S_EXECMODE: 'SHELL', INPTXT: `${dir}/input.txt`, OUTTXT1: `${dir}/output1.txt` },
    });
    expect(jobs.map((j: { state: string }) => j.state)).toEqual([
      'finished',
      'defined',
      'defined',
      'defined',
      'template',
    ]);
    expect(files).toHaveLength(6);
    expect((await call(t.app, 'GET', `/api/v1/jobs?workflow=${workflow.id}`)).json.total).toBe(5);
    const listed = await call(t.app, 'GET', '/api/v1/workflows?state=defined');
    expect(listed.json.workflows[0].counts).toMatchObject({ finished: 1, defined: 3, template: 1, total: 5 });
    expect((await call(t.app, 'GET', `/api/v1/datasets?workflow=${workflow.id}`)).json.total).toBe(6);
    expect((await call(t.app, 'GET', `/api/v1/dags/3filters`)).json.dag.workflows).toBe(1);
  });

  it('drives a workflow through the pilot protocol to finished', async () => {
    const created = await call(t.app, 'POST', '/api/v1/workflows', { dag: '3filters', name: 'run1' });
    const id = created.json.workflow.id;
    expect(created.json.workflow.state).toBe('template');
    expect((await call(t.app, 'POST', `/api/v1/workflows/${id}/start`, {})).json.workflow.state).toBe(
      'defined',
    );
    expect((await call(t.app, 'POST', `/api/v1/workflows/${id}/start`, {})).status).toBe(409);
    await call(t.app, 'POST', '/api/v1/pilots', registration('p-1'));
    for (let i = 0; i < 3; i++) {
      const { job } = (await call(t.app, 'POST', '/api/v1/pilots/p-1/claim', { wait: 0, beat: 1 })).json;
      const finished = await call(t.app, 'POST', `/api/v1/jobs/${job.id}/finish`, {
        pilot: 'p-1',
        attempt: job.attempt,
        outcome: { kind: 'exited', exitCode: 0 },
        metrics: null,
      });
      expect(finished.status).toBe(200);
    }
    const shown = await call(t.app, 'GET', `/api/v1/workflows/${id}`);
    expect(shown.json.workflow).toMatchObject({ state: 'finished', counts: { finished: 5 } });
    expect(shown.json.files.map((f: { state: string }) => f.state)).toEqual(Array(6).fill('ready'));
    expect((await call(t.app, 'DELETE', `/api/v1/workflows/${id}`)).status).toBe(200);
    expect((await call(t.app, 'GET', `/api/v1/workflows/${id}`)).status).toBe(404);
  });

  it('names the field at fault in fileinfo, jobinfo and the body', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ dag: '3filters', fileinfo: { 'NOOP1:nobody': { name: 'x' } } }, '/fileinfo/NOOP1:nobody'],
      [{ dag: '3filters', fileinfo: 'inherit:' }, '/fileinfo'],
      [{ dag: '3filters', jobinfo: '{"filter1": {"priority": "high"}}' }, '/jobinfo/filter1/priority'],
      [{ dag: '3filters', jobinfo: { ghost: {} } }, '/jobinfo/ghost'],
      [{ dag: '3filters', state: 'running' }, '/body/state'],
      [{ dag: '3filters', colour: 'red' }, '/body'],
    ];
    for (const [body, path] of cases) {
      const res = await call(t.app, 'POST', '/api/v1/workflows', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.details[0].path, JSON.stringify(body)).toBe(path);
    }
    expect((await call(t.app, 'POST', '/api/v1/workflows', { dag: 'nope' })).status).toBe(404);
    expect((await call(t.app, 'GET', '/api/v1/workflows?state=lost')).status).toBe(400);
    expect((await call(t.app, 'GET', '/api/v1/workflows')).json.total).toBe(0);
    expect((await call(t.app, 'GET', '/api/v1/jobs')).json.total).toBe(0);
  });

  it('refuses to delete a DAG in use unless forced, and a datatype a DAG uses', async () => {
    await call(t.app, 'POST', '/api/v1/workflows', { dag: '3filters' });
    expect((await call(t.app, 'DELETE', '/api/v1/dags/3filters')).status).toBe(409);
    expect((await call(t.app, 'DELETE', '/api/v1/datatypes/TXT')).status).toBe(409);
    expect((await call(t.app, 'DELETE', '/api/v1/dags/3filters?force=true')).status).toBe(200);
    expect((await call(t.app, 'GET', '/api/v1/workflows')).json.workflows[0].dag).toBe('3filters');
  });
});

describe('dataset routes', () => {
  it('registers P3S samplefile.json and finds it by name', async () => {
    await call(t.app, 'POST', '/api/v1/datatypes', TXT);
    const registered = await call(
      t.app,
      'POST',
      '/api/v1/datasets',
      JSON.parse(fixture('data/samplefile.json')),
    );
    expect(registered).toMatchObject({
      status: 201,
      json: { dataset: { name: 'output.txt', state: 'defined', dirpath: '/tmp', path: '/tmp/output.txt' } },
    });
    const found = await call(t.app, 'GET', '/api/v1/datasets?name=output.txt');
    expect(found.json.datasets.map((d: { id: number }) => d.id)).toEqual([registered.json.dataset.id]);
    expect(
      (await call(t.app, 'GET', `/api/v1/datasets/${registered.json.dataset.id}`)).json.dataset.datatype,
    ).toBe('TXT');
    expect((await call(t.app, 'GET', '/api/v1/datasets/999')).status).toBe(404);
  });
});
