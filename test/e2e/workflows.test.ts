// End to end with real pilots on the P3S workflow fixtures, driven through the CLI: 3filters (also
// on PostgreSQL), twostep, 1filter with its jobinfo, 1filter_fail refused, wf1/wf2/wfmulti1 loaded.
// Fixtures are never edited: their dirpaths are redirected to a temporary directory by our own fileinfo.

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import type { Proc } from '../helpers/processes.ts';

const P3S = join(import.meta.dirname, '..', 'fixtures', 'p3s');
const fixture = (path: string) => join(P3S, path);

/** fileinfo_3filters_mod.json with every dirpath pointing at `dir` (names and comments kept). */
function redirectedFileinfo(path: string, dir: string): Record<string, { name: string; dirpath: string }> {
  const info = JSON.parse(readFileSync(fixture(path), 'utf8')) as Record<
    string,
    { name: string; dirpath: string }
  >;
  return Object.fromEntries(Object.entries(info).map(([key, value]) => [key, { ...value, dirpath: dir }]));
}

async function setUp(c: Cluster): Promise<Proc[]> {
  const added = await c.cli(['datatype', 'add', fixture('data/txtDataType.json')]);
  expect(added.code, added.stderr).toBe(0);
  return [c.startPilot(['-c', '0', '-b', '0.5']), c.startPilot(['-c', '0', '-b', '0.5'])];
}

/** 3filters with fileinfo_3filters_mod.json (dirpaths redirected) and its input.txt: counts 1, 2, 3. */
async function runThreeFilters(c: Cluster): Promise<void> {
  const dag = await c.cli(['dag', 'add', fixture('3filters/3filters.graphml')]);
  expect(dag.code, dag.stderr).toBe(0);
  expect(dag.stdout).toContain('stored DAG 3filters: 5 vertices, 6 edges');
  const dir = join(c.dataDir, '3filters');
  require0(await c.cli(['dag', 'show', '3filters']));
  const infoFile = join(c.dataDir, 'fileinfo_3filters.json');
  mkdirSync(dir, { recursive: true });
  copyFileSync(fixture('3filters/input.txt'), join(dir, 'input.txt'));
  writeFileSync(infoFile, JSON.stringify(redirectedFileinfo('3filters/fileinfo_3filters_mod.json', dir)));
  const created = await c.json(['workflow', 'create', '3filters', '-f', infoFile, '-s', 'defined']);
  const id = created.workflow.id;
  const filter1 = created.jobs.find((j: { name: string }) => j.name === 'filter1');
  expect(filter1.env).toEqual({
    P3S_EXECMODE: 'SHELL',
    INPTXT: `${dir}/input.txt`,
    OUTTXT1: `${dir}/output1.txt`,
  });
  const watched = await c.cli(['workflow', 'watch', String(id), '--interval', '0.3'], { timeoutMs: 120_000 });
  expect(watched.code, watched.stderr + watched.stdout).toBe(0);
  expect(watched.stdout).toContain(`workflow ${id} finished`);
  for (const n of [1, 2, 3]) expect(readFileSync(join(dir, `output${n}.txt`), 'utf8').trim()).toBe(String(n));
  const shown = await c.json(['workflow', 'show', String(id)]);
  expect(shown.workflow).toMatchObject({ state: 'finished', counts: { finished: 5, total: 5 } });
  expect(shown.files.map((f: { state: string }) => f.state)).toEqual(Array(6).fill('ready'));
  // The noops never went to a pilot: no claim in their history.
  const noop = shown.jobs.find((j: { name: string }) => j.name === 'NOOP2');
  const history = await c.json(['job', 'show', String(noop.id)]);
  expect(history.events.map((e: { transition: string }) => e.transition)).toEqual(['submit', 'complete']);
  const listed = await c.json(['job', 'list', '--workflow', String(id)]);
  expect(listed.total).toBe(5);
}

function require0(result: { code: number; stderr: string; stdout: string }) {
  expect(result.code, result.stderr + result.stdout).toBe(0);
  return result;
}

describe('P3S workflow fixtures end to end (SQLite)', () => {
  let c: Cluster;
  let pilots: Proc[] = [];
  beforeAll(async () => {
    c = await makeCluster();
    pilots = await setUp(c);
  });
  afterAll(async () => {
    for (const p of pilots) p.signal('SIGTERM');
    await c?.close();
  });

  it(
    'runs 3filters with fileinfo_3filters_mod.json: the outputs count 1, 2 and 3, and it finishes',
    () => runThreeFilters(c),
    150_000,
  );

  it('runs the twostep chain: reduction, then reco on its output', async () => {
    require0(await c.cli(['dag', 'add', fixture('chain/twostep.graphml')]));
    const dir = join(c.dataDir, 'twostep');
    mkdirSync(dir, { recursive: true });
    copyFileSync(fixture('3filters/input.txt'), join(dir, 'input.txt'));
    // Only the input's name is given: the other files get automatic unique names in `dir`.
    const fileinfo = JSON.stringify({
      'NOOP1:reduction': { name: 'input.txt', dirpath: dir },
      'reduction:reco': { dirpath: dir },
      'reco:NOOP2': { dirpath: dir },
    });
    const created = await c.json([
      'workflow',
      'create',
      'twostep',
      '-n',
      'chain',
      '-f',
      fileinfo,
      '-s',
      'defined',
    ]);
    const watched = await c.cli(['workflow', 'watch', String(created.workflow.id)], { timeoutMs: 120_000 });
    expect(watched.code, watched.stderr).toBe(0);
    const shown = await c.json(['workflow', 'show', String(created.workflow.id)]);
    const final = shown.files.find((f: { target: string }) => f.target === 'NOOP2');
    expect(final.name).toMatch(/^[0-9a-f-]{36}\.txt$/);
    expect(readFileSync(final.path, 'utf8').trim()).toBe('6');
    const order = shown.jobs
      .filter((j: { jobtype: string }) => j.jobtype !== 'noop')
      .sort((a: { startedAt: number }, b: { startedAt: number }) => a.startedAt - b.startedAt)
      .map((j: { name: string }) => j.name);
    expect(order).toEqual(['reduction', 'reco']);
  }, 150_000);

  it('runs 1filter with jobinfo_1filter.json (NOOP1 stays a noop) and our fileinfo', async () => {
    require0(await c.cli(['dag', 'add', fixture('1filter/1filter.graphml')]));
    const dir = join(c.dataDir, '1filter');
    mkdirSync(dir, { recursive: true });
    copyFileSync(fixture('3filters/input.txt'), join(dir, 'input.txt'));
    const fileinfo = JSON.parse(readFileSync(fixture('1filter/fileinfo_1filter.json'), 'utf8'));
    for (const value of Object.values(fileinfo) as { dirpath: string }[]) value.dirpath = dir;
    const infoFile = join(c.dataDir, 'fileinfo_1filter.json');
    writeFileSync(infoFile, JSON.stringify(fileinfo));
    const created = await c.json([
      'workflow',
      'create',
      '1filter',
      '-f',
      infoFile,
      '-j',
      fixture('1filter/jobinfo_1filter.json'),
    ]);
    expect(created.workflow.state).toBe('template');
    expect(created.jobs.find((j: { name: string }) => j.name === 'NOOP1').payload).toBe('/bin/date');
    require0(await c.cli(['workflow', 'start', String(created.workflow.id)]));
    require0(await c.cli(['workflow', 'watch', String(created.workflow.id)], { timeoutMs: 120_000 }));
    expect(readFileSync(join(dir, 'output.txt'), 'utf8').trim()).toBe('6');
  }, 150_000);

  it('refuses 1filter_fail.graphml at the line of its unknown datatype and stores nothing', async () => {
    const refused = await c.cli(['dag', 'add', fixture('1filter/1filter_fail.graphml')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('1filter_fail.graphml: 1 problem, nothing was stored');
    expect(refused.stderr).toContain(
      'line 53: <edge source="NOOP1" target="filter"> datatype: "NOSUCH" is not a registered datatype',
    );
    const dags = await c.json(['dag', 'list']);
    expect(dags.dags.map((d: { name: string }) => d.name)).not.toContain('1filter_fail');
  });

  it('loads wf1, wf2 and wfmulti1, and runs wfmulti1 with its parallel edges named one by one', async () => {
    for (const name of ['wf1', 'wf2', 'wfmulti1'])
      require0(await c.cli(['dag', 'add', fixture(`misc/${name}.graphml`)]));
    const shown = await c.cli(['dag', 'show', 'wfmulti1']);
    expect(shown.stdout).toContain('adc → adcViz');
    expect(shown.stdout).toMatch(/→ adcViz\s+rms\.txt/);
    const exported = await c.cli(['dag', 'export', 'wf2']);
    expect(exported.stdout).toBe(readFileSync(fixture('misc/wf2.graphml'), 'utf8'));
    const dir = join(c.dataDir, 'wfmulti1');
    const fileinfo = JSON.stringify({
      'adc:adcViz#1': { name: 'mean.txt', dirpath: dir },
      'adc:adcViz#2': { name: 'rms.txt', dirpath: dir },
      'adc:stats': { name: 'summary.txt', dirpath: dir },
    });
    const jobinfo = JSON.stringify({
      adc: { payload: '/bin/true' },
      adcViz: { payload: '/bin/true' },
      stats: { payload: '/bin/true' },
    });
    const created = await c.json([
      'workflow',
      'create',
      'wfmulti1',
      '-f',
      fileinfo,
      '-j',
      jobinfo,
      '-s',
      'defined',
    ]);
    expect(created.files.map((f: { path: string }) => f.path)).toEqual([
      `${dir}/mean.txt`,
      `${dir}/rms.txt`,
      `${dir}/summary.txt`,
    ]);
    require0(await c.cli(['workflow', 'watch', String(created.workflow.id)], { timeoutMs: 120_000 }));
    const refused = await c.cli(['workflow', 'create', 'wf1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('vertices/adc/payload: is empty');
  }, 150_000);
});

describe.runIf(postgresAvailable())('P3S workflow fixtures end to end (PostgreSQL)', () => {
  let c: Cluster;
  let pilots: Proc[] = [];
  beforeAll(async () => {
    c = await makeCluster({ store: 'postgres' });
    pilots = await setUp(c);
  });
  afterAll(async () => {
    for (const p of pilots) p.signal('SIGTERM');
    await c?.close();
  });

  it(
    'runs 3filters with fileinfo_3filters_mod.json: the outputs count 1, 2 and 3, and it finishes',
    () => runThreeFilters(c),
    150_000,
  );
});
