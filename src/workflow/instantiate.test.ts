import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FieldIssue, joinFilePath, ValidationError } from '../core/index.ts';
import { type Datatype, parseDatatype } from './datatype.ts';
import { parseDagGraphml } from './graphml-reader.ts';
import { type InstantiateOptions, instantiateWorkflow } from './instantiate.ts';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/p3s');
const fixture = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');
const dagOf = (path: string) => parseDagGraphml(fixture(path));
const TXT: Datatype = parseDatatype(fixture('data/txtDataType.json'));

/** Options with the TXT datatype and predictable ids id0, id1, … */
function options(extra: Partial<InstantiateOptions> = {}): InstantiateOptions {
  let n = 0;
  return { datatypes: [TXT], newId: () => `id${n++}`, ...extra };
}

function issuesOf(run: () => unknown): FieldIssue[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details;
  }
  throw new Error('expected a ValidationError');
}

const envOf = (instance: ReturnType<typeof instantiateWorkflow>, vertex: string) =>
  instance.jobs.find((j) => j.vertex === vertex)?.spec.env;

describe('instantiateWorkflow on the P3S examples', () => {
  it('gives 3filters with fileinfo_3filters_mod.json the documented env (one / between dir and name)', () => {
    const dir = '/eos/experiment/neutplatform/protodune/np04tier0/p3s/test';
    const wf = instantiateWorkflow(
      dagOf('3filters/3filters.graphml'),
      options({ fileinfo: fixture('3filters/fileinfo_3filters_mod.json') }),
    );
    expect(envOf(wf, 'filter1')).toEqual({
      P3S_EXECMODE: 'SHELL',
      INPTXT: `${dir}/input.txt`,
      OUTTXT1: `${dir}/output1.txt`,
    });
    expect(envOf(wf, 'NOOP2')).toEqual({
      OUTTXT1: `${dir}/output1.txt`,
      OUTTXT2: `${dir}/output2.txt`,
      OUTTXT3: `${dir}/output3.txt`,
    });
    expect(wf.jobs.find((j) => j.vertex === 'filter2')?.spec).toEqual({
      name: 'filter2',
      jobtype: 'filter',
      payload: 'grep -c TEST2 $INPTXT > $OUTTXT2',
      env: { P3S_EXECMODE: 'SHELL', INPTXT: `${dir}/input.txt`, OUTTXT2: `${dir}/output2.txt` },
      priority: 4,
      timelimit: 7777,
    });
    expect(wf.files[3]).toEqual({
      edgeIndex: 3,
      source: 'filter1',
      target: 'NOOP2',
      name: 'output1.txt',
      dirpath: `${dir}/`,
      path: `${dir}/output1.txt`,
      datatype: 'TXT',
      datatag: 'OUTTXT1',
      comment: 'Output from the *filter*',
    });
  });

  it('applies jobinfo_1filter.json and names files automatically by default', () => {
    const wf = instantiateWorkflow(
      dagOf('1filter/1filter.graphml'),
      options({ jobinfo: fixture('1filter/jobinfo_1filter.json') }),
    );
    expect(wf.jobs.map((j) => [j.vertex, j.spec.jobtype, j.spec.payload])).toEqual([
      ['NOOP1', 'noop', '/bin/date'],
      ['filter', 'filter', 'grep -c TEST $INPTXT > $OUTTXT'],
      ['NOOP2', 'noop', ''],
    ]);
    expect(wf.files.map((f) => f.name)).toEqual(['id0.txt', 'id1.txt']);
    expect(envOf(wf, 'filter')).toEqual({
      P3S_EXECMODE: 'SHELL',
      INPTXT: '/afs/cern.ch/user/m/mxp/id0.txt',
      OUTTXT: '/afs/cern.ch/user/m/mxp/id1.txt',
    });
  });

  it('joins a dirpath without trailing slash with one / (fileinfo_1filter_m.json)', () => {
    const wf = instantiateWorkflow(
      dagOf('1filter/1filter.graphml'),
      options({ fileinfo: fixture('1filter/fileinfo_1filter_m.json') }),
    );
    expect(wf.files.map((f) => f.path)).toEqual([
      '/home/maxim/p3sdata/id0.txt',
      '/home/maxim/p3sdata/id1.txt',
    ]);
  });

  it('refuses 1filter_fail.graphml: its datatype NOSUCH is not registered', () => {
    const issues = issuesOf(() => instantiateWorkflow(dagOf('1filter/1filter_fail.graphml'), options()));
    expect(issues).toEqual([
      {
        path: '/edges/0',
        message: 'edge NOOP1 → filter "input.txt": datatype "NOSUCH" is not registered (registered: TXT)',
      },
    ]);
  });
});

describe('the output directory (dirpath)', () => {
  it("replaces the DAG's dirpath of every file whose fileinfo names no directory", () => {
    const wf = instantiateWorkflow(
      dagOf('3filters/3filters.graphml'),
      options({
        dirpath: '/data/out',
        fileinfo: { 'NOOP1:filter1': { dirpath: '/data/in', name: 'run1.txt' } },
      }),
    );
    const dirs = wf.files.map((f) => `${f.source}:${f.target} ${f.dirpath}`);
    expect(dirs).toEqual([
      'NOOP1:filter1 /data/in',
      'NOOP1:filter2 /data/out',
      'NOOP1:filter3 /data/out',
      'filter1:NOOP2 /data/out',
      'filter2:NOOP2 /data/out',
      'filter3:NOOP2 /data/out',
    ]);
    expect(wf.files.every((f) => !f.path.startsWith('/afs'))).toBe(true);
  });
});

describe('file naming policies', () => {
  const dag = () => dagOf('3filters/3filters.graphml');

  it('sticky: the DAG edge names', () => {
    const wf = instantiateWorkflow(dag(), options({ fileinfo: 'sticky' }));
    expect(wf.files.map((f) => f.path)).toEqual([
      ...Array(3).fill('/afs/cern.ch/user/m/mxp/input.txt'),
      ...Array(3).fill('/afs/cern.ch/user/m/mxp/output.txt'),
    ]);
  });

  it('automatic: one new name per source and datatag, so a fan-out reads the file its source writes', () => {
    const wf = instantiateWorkflow(dag(), options());
    expect(wf.files.map((f) => f.name)).toEqual([
      'id0.txt',
      'id0.txt',
      'id0.txt',
      'id1.txt',
      'id2.txt',
      'id3.txt',
    ]);
  });

  it('inherit:PREFIX: <prefix>:<dag>:<source>:<datatag><ext>, the prefix taken whole', () => {
    const wf = instantiateWorkflow(dag(), options({ fileinfo: 'inherit:run:42', dagName: '3filters' }));
    expect(wf.files.map((f) => f.name).slice(2, 4)).toEqual([
      'run:42:3filters:NOOP1:INPTXT.txt',
      'run:42:3filters:filter1:OUTTXT1.txt',
    ]);
  });

  it.each<[string, unknown, Partial<InstantiateOptions>, string, RegExp]>([
    ['"inherit" only as a prefix', 'myinherit:x', {}, '/fileinfo', /must be "", "sticky", "inherit:PREFIX"/],
    ['an empty inherit prefix', 'inherit:', { dagName: 'd' }, '/fileinfo', /needs a prefix/],
    ['inherit without the DAG name', 'inherit:x', {}, '/fileinfo', /needs the DAG name/],
    ['fileinfo that is not JSON', '{"NOOP1:filter1": ', {}, '/fileinfo', /not valid JSON/],
    ['an unknown edge', { 'NOOP1:filter9': { name: 'x' } }, {}, '/fileinfo/NOOP1:filter9', /names no edge/],
    [
      'unknown fields in an entry',
      { 'NOOP1:filter1': { name: 'x', size: 1, owner: 'me' } },
      {},
      '/fileinfo/NOOP1:filter1',
      /unknown field\(s\) size, owner \(allowed: name, dirpath, comment\)/,
    ],
    [
      'a non-string value',
      { 'NOOP1:filter1': { dirpath: 3 } },
      {},
      '/fileinfo/NOOP1:filter1/dirpath',
      /must be a string/,
    ],
  ])('refuses %s', (_name, fileinfo, extra, path, message) => {
    const issues = issuesOf(() => instantiateWorkflow(dag(), options({ fileinfo, ...extra })));
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});

describe('parallel edges (wfmulti1)', () => {
  const jobinfo = { adc: { payload: 'a' }, adcViz: { payload: 'b' }, stats: { payload: 'c' } };
  const dag = () => dagOf('misc/wfmulti1.graphml');

  it('addresses one of several parallel edges as SOURCE:TARGET#N, over the pair entry field by field', () => {
    const fileinfo = {
      'adc:adcViz': { dirpath: '/d', comment: 'both' },
      'adc:adcViz#2': { name: 'rms.txt', comment: 'second' },
      'adc:adcViz#1': { name: 'mean.txt' },
    };
    const wf = instantiateWorkflow(dag(), options({ fileinfo, jobinfo }));
    expect(wf.files.map((f) => [f.path, f.comment])).toEqual([
      ['/d/mean.txt', 'both'],
      ['/d/rms.txt', 'second'],
      ['id0', ''],
    ]);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      'a pair entry naming several edges',
      { 'adc:adcViz': { name: 'x' } },
      '/fileinfo/adc:adcViz/name',
      /2 parallel edges the same file/,
    ],
    [
      'an edge number out of range',
      { 'adc:adcViz#3': { name: 'x' } },
      '/fileinfo/adc:adcViz#3',
      /names no edge/,
    ],
  ])('refuses %s', (_name, fileinfo, path, message) => {
    const issues = issuesOf(() => instantiateWorkflow(dag(), options({ fileinfo, jobinfo })));
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});

describe('jobinfo', () => {
  const dag = () => dagOf('1filter/1filter.graphml');

  it('overrides payload, priority, timelimit and jobtype and merges env into the vertex env', () => {
    const jobinfo = JSON.stringify({
      filter: { payload: 'env', env: { EXTRA: '1' }, priority: '7', timelimit: 60, jobtype: 'fast' },
    });
    const wf = instantiateWorkflow(dag(), options({ jobinfo, fileinfo: 'sticky' }));
    expect(wf.jobs[1]?.spec).toEqual({
      name: 'filter',
      jobtype: 'fast',
      payload: 'env',
      env: {
        P3S_EXECMODE: 'SHELL',
        EXTRA: '1',
        INPTXT: '/afs/cern.ch/user/m/mxp/input.txt',
        OUTTXT: '/afs/cern.ch/user/m/mxp/output.txt',
      },
      priority: 7,
      timelimit: 60,
    });
  });

  it.each<[string, unknown, string, RegExp]>([
    [
      'an unknown vertex',
      { filtre: { payload: 'x' } },
      '/jobinfo/filtre',
      /not a vertex of the DAG \(vertices: NOOP1, filter, NOOP2\)/,
    ],
    [
      'an unknown field',
      { filter: { payload: 'x', params: 'y' } },
      '/jobinfo/filter/params',
      /unknown field/,
    ],
    ['an env of numbers', { filter: { env: { A: 1 } } }, '/jobinfo/filter/env/A', /must be a string/],
    ['a bad priority', { filter: { priority: 'high' } }, '/jobinfo/filter/priority', /whole number/],
    ['a list', [], '/jobinfo', /must be a JSON object keyed by vertex name/],
    [
      'a noop turned into a job without payload or time limit',
      { NOOP1: { jobtype: 'x' } },
      '/vertices/NOOP1/payload',
      /a job that runs needs a payload/,
    ],
    [
      'a time limit of 0 for a job that runs',
      { NOOP1: { jobtype: 'x', payload: 'y' } },
      '/vertices/NOOP1/timelimit',
      /at least 1 second/,
    ],
  ])('refuses %s', (_name, jobinfo, path, message) => {
    const issues = issuesOf(() => instantiateWorkflow(dag(), options({ jobinfo })));
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});

describe('job checks', () => {
  it('refuses jobs without payload (wf1) and accepts them once jobinfo gives one; untyped edges get no extension', () => {
    const dag = dagOf('misc/wf1.graphml');
    expect(issuesOf(() => instantiateWorkflow(dag, options())).map((i) => i.path)).toEqual([
      '/vertices/adc/payload',
      '/vertices/adcViz/payload',
      '/vertices/stats/payload',
    ]);
    const jobinfo = { adc: { payload: 'a' }, adcViz: { payload: 'b' }, stats: { payload: 'c' } };
    const wf = instantiateWorkflow(dag, options({ jobinfo }));
    expect(wf.files.map((f) => f.path)).toEqual(['id0', 'id1']);
    expect(wf.jobs[0]?.spec.env).toEqual({});
  });

  it('refuses a job that would get two different files under one datatag; a noop keeps the first', () => {
    const dag = parseDagGraphml(
      fixture('3filters/3filters.graphml')
        .replace(/OUTTXT[123]/g, 'OUT')
        .replace(/grep -c TEST(\d) \$INPTXT > \$OUTTXT\d/g, 'g$1'),
    );
    const fileinfo = {
      'filter1:NOOP2': { name: 'a' },
      'filter2:NOOP2': { name: 'b' },
      'filter3:NOOP2': { name: 'c' },
    };
    const wf = instantiateWorkflow(dag, options({ fileinfo }));
    expect(envOf(wf, 'NOOP2')).toEqual({ OUT: '/afs/cern.ch/user/m/mxp/a' });

    const clash = parseDagGraphml(
      fixture('chain/twostep.graphml').replace('<data key="d4">FINTXT', '<data key="d4">OUTTXT'),
    );
    const issues = issuesOf(() => instantiateWorkflow(clash, options({ fileinfo: 'sticky' })));
    expect(issues).toEqual([
      {
        path: '/vertices/reco/env/OUTTXT',
        message: expect.stringMatching(
          /two different files: \/home\/maxim\/p3sdata\/output.txt .* and \/home\/maxim\/p3sdata\/final.txt/,
        ),
      },
    ]);
  });
});

describe('joinFilePath', () => {
  it.each([
    ['', 'f.txt', 'f.txt'],
    ['/d', 'f.txt', '/d/f.txt'],
    ['/d/', 'f.txt', '/d/f.txt'],
    ['/d//', '/f.txt', '/d/f.txt'],
    ['/', 'f.txt', '/f.txt'],
    ['rel', 'f', 'rel/f'],
  ])('%j + %j = %j', (dir, name, path) => {
    expect(joinFilePath(dir, name)).toBe(path);
  });
});

describe('parseDatatype', () => {
  it.each([
    ['data/txtDataType.json', { name: 'TXT', ext: '.txt', comment: 'testing text files' }],
    ['data/rootDataType.json', { name: 'ROOT', ext: '.root', comment: 'ROOT files' }],
    ['data/mergeDataType.json', { name: 'MERGE', ext: '.root', comment: 'merged histograms' }],
  ])('reads %s', (path, expected) => {
    expect(parseDatatype(JSON.parse(fixture(path)))).toEqual(expected);
    expect(parseDatatype(fixture(path))).toEqual(expected);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['not an object', [1], '/', /must be an object/],
    ['not JSON', '{"name":', '/', /not valid JSON/],
    ['no name', { ext: '.txt' }, '/name', /non-empty string/],
    ['an ext without dot', { name: 'T', ext: 'txt' }, '/ext', /a dot/],
    ['an unknown field', { name: 'T', ext: '.t', size: 3 }, '/size', /unknown field/],
    ['a non-string comment', { name: 'T', ext: '.t', comment: 1 }, '/comment', /must be a string/],
  ])('refuses %s', (_name, input, path, message) => {
    expect(issuesOf(() => parseDatatype(input))).toContainEqual({
      path,
      message: expect.stringMatching(message),
    });
  });
});
